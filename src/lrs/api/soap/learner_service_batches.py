"""LearnerService.svc's batch registration: the learners of a SubmitBatch become a batch like an
uploaded file's (the same rows, worker, return codes and exceptions); GetSubmitBatchOutput
reads its totals and each learner's return code."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from lxml import etree

from lrs.api.soap.envelope import BATCH_NS, VERIFY_NS, fault, sub, text_of
from lrs.batches.files import BATCH_LEARNER_COLUMNS
from lrs.batches.models import Batch, BatchRow, BatchStatus, FileFormat, SubmissionType
from lrs.batches.parsed import ParsedBatch
from lrs.batches.queue import enqueue_batch
from lrs.batches.selectors import batch_counts, get_batch
from lrs.batches.services import submit_batch
from lrs.batches.verify_files import KIND as VERIFY_KIND
from lrs.batches.verify_files import row_answer
from lrs.core.actor import Actor
from lrs.core.errors import NotFound, ValidationFailed
from lrs.core.roles import Permission
from lrs.learners.response_codes import ResponseCode

BATCH_SUBMITTED = ResponseCode.BATCH_SUBMITTED
BATCH_INCOMPLETE = ResponseCode.BATCH_INCOMPLETE
BATCH_SUCCESSFUL = ResponseCode.BATCH_SUCCESSFUL
BATCH_FAILED = ResponseCode.BATCH_FAILED
RECORD_COUNT_INCORRECT = ResponseCode.RECORD_COUNT_INCORRECT
UNKNOWN_JOB = ResponseCode.UNKNOWN_JOB
# MIAPBatchLearnerToVerify's elements, as the verify file's columns.
VERIFY_COLUMNS = ("MISIdentifier", "ULN", "FamilyName", "GivenName", "DateOfBirth", "Gender")


def _stamp(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def submit_batch_registration(request: etree._Element, actor: Actor) -> etree._Element:
    response = etree.Element(f"{{{BATCH_NS}}}SubmitBatchResponse", nsmap={"ns2": BATCH_NS})
    learners = request.findall("Learner")
    declared = int(text_of(request, "LearnerRecordCount") or "0")
    if declared != len(learners):
        sub(response, "ResponseCode", RECORD_COUNT_INCORRECT)
        return response
    rows = [
        {name: value for name in BATCH_LEARNER_COLUMNS if (value := text_of(learner, name))}
        for learner in learners
    ]
    ukprn = text_of(request, "UKPRN") or ""
    parsed = ParsedBatch(
        file_name=f"SOAP_{ukprn}_{timezone.localtime():%d%m%Y%H%M%S}",
        file_format=FileFormat.XML,
        submission_type=text_of(request, "JobType") or "FUL",
        rows=rows,
        file_reference="submitBatchRegistration",
    )
    try:
        with transaction.atomic():
            batch = submit_batch(actor=actor, parsed=parsed)
            enqueue_batch(batch.pk)
    except ValidationFailed as exc:
        raise fault("WSEC0001", exc.message) from None
    sub(response, "ResponseCode", BATCH_SUBMITTED)
    sub(response, "JobID", str(batch.pk))
    return response


def _output_learner(parent: etree._Element, row: BatchRow) -> None:
    learner = etree.SubElement(parent, "Learner")
    submitted = dict(row.submitted)
    if row.uln:
        submitted["ULN"] = row.uln
    for name in BATCH_LEARNER_COLUMNS:
        sub(learner, name, submitted.get(name, ""))
    sub(learner, "ReturnCode", row.return_code)


def get_batch_registration_output(request: etree._Element, actor: Actor) -> etree._Element:
    response = etree.Element(f"{{{BATCH_NS}}}GetSubmitBatchOutputResponse", nsmap={"ns2": BATCH_NS})
    try:
        batch: Batch = get_batch(actor, int(text_of(request, "JobID") or "0"))
    except NotFound:
        sub(response, "ResponseCode", UNKNOWN_JOB)
        return response
    counts = batch_counts(batch)
    complete = batch.status == BatchStatus.COMPLETE
    if not complete:
        code = BATCH_INCOMPLETE
    elif counts.rejected == counts.total:
        code = BATCH_FAILED
    else:
        code = BATCH_SUCCESSFUL
    sub(response, "ResponseCode", code)
    sub(response, "JobStatus", str(BatchStatus(batch.status).label))
    for name, value in (
        ("NewLearnersCount", counts.new),
        ("ExistsUpdatedLearnersCount", counts.found),
        ("PossibleMatchLearnersCount", counts.possible),
        ("LearnersNotFoundCount", counts.not_found),
        ("RejectedLearnersCount", counts.rejected),
    ):
        sub(response, name, str(value))
    sub(response, "JobStartedDateTime", _stamp(batch.started_at))
    sub(response, "JobFinishedDateTime", _stamp(batch.finished_at))
    if complete:
        for row in batch.rows.order_by("position"):
            _output_learner(response, row)
    return response


# --- Verify batches (http://api.lrs.miap.gov.uk/vldmsg) ---------------------------------------


def submit_verify_batch(request: etree._Element, actor: Actor) -> etree._Element:
    response = etree.Element(f"{{{VERIFY_NS}}}SubmitVerifyBatchResponse", nsmap={"ns2": VERIFY_NS})
    learners = request.findall("Learner")
    if int(text_of(request, "LearnerRecordCount") or "0") != len(learners):
        sub(response, "ResponseCode", RECORD_COUNT_INCORRECT)
        return response
    rows = [{name: text_of(learner, name) or "" for name in VERIFY_COLUMNS} for learner in learners]
    ukprn = text_of(request, "UKPRN") or ""
    parsed = ParsedBatch(
        file_name=f"SOAP_VERIFY_{ukprn}_{timezone.localtime():%d%m%Y%H%M%S}",
        file_format=FileFormat.XML,
        submission_type=SubmissionType.CHECK,
        rows=rows,
        file_reference="submitVerifyBatch",
        contact_email=text_of(request, "OrgEmail") or "",
    )
    try:
        with transaction.atomic():
            batch = submit_batch(actor=actor, parsed=parsed, kind=VERIFY_KIND)
            enqueue_batch(batch.pk)
    except ValidationFailed as exc:
        raise fault("WSEC0001", exc.message) from None
    sub(response, "ResponseCode", BATCH_SUBMITTED)
    sub(response, "JobID", str(batch.pk))
    return response


def get_verify_batch_output(request: etree._Element, actor: Actor) -> etree._Element:
    response = etree.Element(
        f"{{{VERIFY_NS}}}GetVerifyBatchOutputResponse", nsmap={"ns2": VERIFY_NS}
    )
    try:
        batch = get_batch(
            actor, int(text_of(request, "JobID") or "0"), permission=Permission.VERIFY_LEARNER
        )
    except NotFound:
        sub(response, "ResponseCode", UNKNOWN_JOB)
        return response
    complete = batch.status == BatchStatus.COMPLETE
    sub(response, "ResponseCode", BATCH_SUCCESSFUL if complete else BATCH_INCOMPLETE)
    sub(response, "JobStatus", str(BatchStatus(batch.status).label))
    sub(response, "JobStartedDateTime", _stamp(batch.started_at))
    sub(response, "JobFinishedDateTime", _stamp(batch.finished_at))
    if not complete:
        return response
    for row in batch.rows.order_by("position"):
        answer = row_answer(row)
        sent = row.submitted
        verified = etree.SubElement(response, "VerifiedLearner")
        sub(verified, "MISIdentifier", sent.get("MISIdentifier", ""))
        for name in ("ULN", "FamilyName", "GivenName", "DateOfBirth", "Gender"):
            sub(verified, f"Searched{name}", sent.get(name, ""))
        sub(verified, "ResponseCode", answer.response_code)
        if answer.uln:
            sub(verified, "ULN", answer.uln)
            for name in ("FamilyName", "GivenName", "DateOfBirth", "Gender"):
                sub(verified, name, sent.get(name, ""))
        for flag in answer.failure_flags:
            sub(verified, "FailureFlag", flag)
    return response
