"""Input and output shapes of the batch web services: batches, their output, exceptions."""

from __future__ import annotations

import datetime

from django.urls import reverse
from ninja import Field, Schema

from lrs.api.schemas.base import RequestSchema
from lrs.batches.messages import details_of
from lrs.batches.models import Batch, BatchException, FileFormat
from lrs.batches.selectors import BatchCounts, effective_status
from lrs.learners.match_reasons import evidence_from_data, match_reasons
from lrs.learners.models import Learner


def _url(name: str, batch_id: int) -> str:
    return reverse(f"api-v1:{name}", kwargs={"batch_id": batch_id})


class BatchLinksOut(Schema):
    self: str = Field(description="This batch: status, progress and totals")
    output: str = Field(description="The output file, once the batch is complete")
    exceptions: str | None = Field(
        default=None, description="CTF batches only: the exceptions spreadsheet (xlsx)"
    )

    @classmethod
    def of(cls, batch: Batch) -> BatchLinksOut:
        return cls(
            self=_url("batch_detail", batch.pk),
            output=_url("batch_output", batch.pk),
            exceptions=(
                _url("batch_ctf_exceptions", batch.pk)
                if batch.file_format == FileFormat.CTF
                else None
            ),
        )


class BatchSubmittedOut(Schema):
    id: int
    status: str = Field(description="queued, processing or complete")
    file_name: str
    file_format: str = Field(description="csv, xml or ctf")
    submission_type: str = Field(description="FUL (find, else register) or CHK (find only)")
    row_count: int
    links: BatchLinksOut

    @classmethod
    def of(cls, batch: Batch) -> BatchSubmittedOut:
        return cls(
            id=batch.pk,
            status=batch.status,
            file_name=batch.file_name,
            file_format=batch.file_format,
            submission_type=batch.submission_type,
            row_count=batch.row_count,
            links=BatchLinksOut.of(batch),
        )


class BatchSummaryOut(Schema):
    id: int
    status: str
    file_name: str
    file_format: str
    submission_type: str
    row_count: int
    submitted_by: str
    submitted_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    links: BatchLinksOut

    @classmethod
    def of(cls, batch: Batch) -> BatchSummaryOut:
        return cls(
            id=batch.pk,
            status=batch.status,
            file_name=batch.file_name,
            file_format=batch.file_format,
            submission_type=batch.submission_type,
            row_count=batch.row_count,
            submitted_by=batch.submitted_by_username,
            submitted_at=batch.submitted_at,
            started_at=batch.started_at,
            finished_at=batch.finished_at,
            links=BatchLinksOut.of(batch),
        )


class BatchPageOut(Schema):
    items: list[BatchSummaryOut]
    count: int = Field(description="How many batches there are in all")


class ProgressOut(Schema):
    done: int = Field(description="Learners processed (including those skipped)")
    total: int
    percent: int


class CountsOut(Schema):
    """The real service's totals (BatchOutputResp), plus skipped rows and open exceptions."""

    new: int = Field(description="Registered: new ULN (NewLearnersCount)")
    found: int = Field(description="Found or ULN confirmed (ExistsUpdatedLearnersCount)")
    possible_match: int = Field(description="Exceptions to resolve (PossibleMatchLearnersCount)")
    not_found: int = Field(description="Check only, not found (LearnersNotFoundCount)")
    rejected: int = Field(description="Rejected rows (RejectedLearnersCount)")
    skipped: int = Field(description="Not sent to the register (CTF pupils under 14)")
    open_exceptions: int


class BatchOut(BatchSummaryOut):
    progress: ProgressOut
    counts: CountsOut

    @classmethod
    def of_counts(cls, batch: Batch, counts: BatchCounts) -> BatchOut:
        return cls(
            **BatchSummaryOut.of(batch).dict(),
            progress=ProgressOut(done=counts.done, total=counts.total, percent=counts.percent_done),
            counts=CountsOut(
                new=counts.new,
                found=counts.found,
                possible_match=counts.possible,
                not_found=counts.not_found,
                rejected=counts.rejected,
                skipped=counts.skipped,
                open_exceptions=counts.open_exceptions,
            ),
        )


class CandidateOut(Schema):
    """A learner the batch's search offered: the details the search showed (never the UPN)."""

    uln: str
    given_name: str
    middle_other_name: str
    family_name: str
    preferred_given_name: str
    previous_family_name: str
    date_of_birth: datetime.date
    gender: str
    last_known_postcode: str
    probability: float
    reasons: list[str]

    @classmethod
    def of(cls, learner: Learner, candidate: dict[str, object]) -> CandidateOut:
        probability = candidate.get("probability")
        return cls(
            uln=learner.uln,
            given_name=learner.given_name,
            middle_other_name=learner.middle_other_name,
            family_name=learner.family_name,
            preferred_given_name=learner.preferred_given_name,
            previous_family_name=learner.previous_family_name,
            date_of_birth=learner.date_of_birth,
            gender=learner.gender,
            last_known_postcode=learner.last_known_postcode,
            probability=float(probability) if isinstance(probability, int | float) else 0.0,
            reasons=match_reasons(evidence_from_data(candidate.get("evidence"))),
        )


class ExceptionOut(Schema):
    id: int
    status: str = Field(description="open, matched, registered or expired")
    batch_id: int
    batch_file_name: str
    row: int = Field(description="The learner's position in the file (1 for the first)")
    mis_identifier: str
    return_code: str
    message: str
    submitted: dict[str, str] = Field(description="The learner's details as submitted")
    candidates: list[CandidateOut] = Field(
        description="The learners to choose from, best first (none for too many matches)"
    )
    created_at: datetime.datetime
    expires_at: datetime.datetime
    resolved_at: datetime.datetime | None
    resolved_by: str
    uln: str | None = Field(description="Once resolved: the ULN the row was given")

    @classmethod
    def of(cls, exception: BatchException, learners: dict[int, Learner]) -> ExceptionOut:
        row = exception.row
        candidates = []
        for candidate in exception.candidates:
            if not isinstance(candidate, dict):
                continue
            learner = learners.get(int(candidate.get("learner_id") or 0))
            if learner is not None:
                candidates.append(CandidateOut.of(learner, candidate))
        return cls(
            id=exception.pk,
            status=effective_status(exception),
            batch_id=row.batch_id,
            batch_file_name=row.batch.file_name,
            row=row.position,
            mis_identifier=row.mis_identifier,
            return_code=row.return_code,
            message=details_of(row, ctf=row.batch.file_format == FileFormat.CTF),
            submitted={
                str(name): str(value)
                for name, value in row.submitted.items()
                if not str(name).startswith("_")  # our own keys (CTF positions...)
            },
            candidates=candidates,
            created_at=exception.created_at,
            expires_at=exception.expires_at,
            resolved_at=exception.resolved_at,
            resolved_by=exception.resolved_by_username,
            uln=exception.learner.uln if exception.learner is not None else None,
        )


class ExceptionPageOut(Schema):
    items: list[ExceptionOut]
    count: int


class ResolveIn(RequestSchema):
    """Send exactly one: the ULN of one of the candidates, or register_new true."""

    learner_uln: str | None = Field(
        default=None, max_length=10, description="Choose this candidate learner"
    )
    register_new: bool = Field(
        default=False,
        description="The learner is none of the candidates: register a new learner",
    )
