"""Batch web services: upload a batch file or CTF, follow it, download its output, resolve
its exceptions. Everything needs the batch role and stays within the caller's organisation."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router, UploadedFile
from ninja.responses import Status

from lrs.api.auth import actor_for
from lrs.api.openapi import file_download
from lrs.api.schemas.base import MAX_ID, MAX_INT
from lrs.api.schemas.batches import (
    BatchOut,
    BatchPageOut,
    BatchSubmittedOut,
    BatchSummaryOut,
    ExceptionOut,
    ExceptionPageOut,
    ResolveIn,
)
from lrs.api.schemas.learners import ErrorOut
from lrs.batches import selectors
from lrs.batches.services import resolve_by_choosing, resolve_by_registering, submit_upload
from lrs.core.errors import ValidationFailed

router = Router(tags=["Batches"])
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
MAX_PAGE = 500
_BATCH_ID = Path(..., ge=1, le=MAX_ID)
_EXCEPTION_ID = Path(..., ge=1, le=MAX_ID)
_LIMIT = Query(50, ge=1, le=MAX_PAGE, description="How many to return (at most 500)")
_OFFSET = Query(0, ge=0, le=MAX_INT, description="How many to skip")


def _download(output: selectors.OutputFile) -> HttpResponse:
    response = HttpResponse(output.content, content_type=output.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=output.file_name
    )
    response["Cache-Control"] = "no-store"  # learners' personal data
    return response


@router.post(
    "/batches",
    operation_id="submitBatch",
    response={202: BatchSubmittedOut, 413: ErrorOut, **ERRORS},
    url_name="batch_submit",
)
def submit(
    request: HttpRequest,
    file: File[UploadedFile],
    submission_type: Form[str | None] = None,
    kind: Form[Literal["batch", "ctf"] | None] = None,
) -> Status[BatchSubmittedOut]:
    """Upload a batch file (LRB_<UKPRN>_<DDMMYYYYHHMM>.CSV or .XML) or a school's CTF.

    Multipart form: `file`, optional `submission_type` (FUL find, else register; CHK find
    only; overrides the file's own) and `kind` ("batch" or "ctf"; by default a file that is XML
    with a CTfile root is a CTF). The file is checked as a whole (422 bad_batch_file or
    bad_ctf_file says what is wrong) and queued: follow `links.self` until the status is
    complete, then download `links.output`.
    """
    batch = submit_upload(
        actor=actor_for(request),
        file_name=file.name or "",
        content=file,
        submission_type=submission_type,
        kind=kind,
    )
    return Status(202, BatchSubmittedOut.of(batch))


@router.get(
    "/batches",
    operation_id="listBatches",
    response={200: BatchPageOut, **ERRORS},
    url_name="batch_list",
)
def list_batches(
    request: HttpRequest,
    limit: int = _LIMIT,
    offset: int = _OFFSET,
) -> BatchPageOut:
    """Your organisation's batches, newest first (`limit` up to 500, `offset`)."""
    batches = selectors.list_batches(actor_for(request))
    return BatchPageOut(
        items=[BatchSummaryOut.of(batch) for batch in batches[offset : offset + limit]],
        count=batches.count(),
    )


@router.get(
    "/batches/{batch_id}",
    operation_id="getBatch",
    response={200: BatchOut, **ERRORS},
    url_name="batch_detail",
)
def view_batch(request: HttpRequest, batch_id: int = _BATCH_ID) -> BatchOut:
    """A batch's status, progress and totals (the real service's BatchOutputResp counts)."""
    batch = selectors.get_batch(actor_for(request), batch_id)
    return BatchOut.of_counts(batch, selectors.batch_counts(batch))


@router.get(
    "/batches/{batch_id}/output",
    operation_id="downloadBatchOutput",
    response={200: None, **ERRORS},
    url_name="batch_output",
    openapi_extra=file_download(
        "The output file: CSV or XML as submitted, or the returned CTF",
        "text/csv",
        "application/xml",
    ),
)
def download_output(request: HttpRequest, batch_id: int = _BATCH_ID) -> HttpResponse:
    """The output file, as an attachment: each learner's ULN and return code (409 until the
    batch is complete). For a CTF, the CTF as uploaded with each pupil's ULN filled in."""
    return _download(selectors.read_output(actor_for(request), batch_id))


@router.get(
    "/batches/{batch_id}/exceptions.xlsx",
    operation_id="downloadBatchExceptionsWorkbook",
    response={200: None, **ERRORS},
    url_name="batch_ctf_exceptions",
    openapi_extra=file_download("The exceptions workbook", selectors.XLSX_CONTENT_TYPE),
)
def download_ctf_exceptions(request: HttpRequest, batch_id: int = _BATCH_ID) -> HttpResponse:
    """CTF batches: the spreadsheet of pupils needing action (409 until complete)."""
    return _download(selectors.read_ctf_exceptions(actor_for(request), batch_id))


@router.get(
    "/batch-exceptions",
    operation_id="listBatchExceptions",
    response={200: ExceptionPageOut, **ERRORS},
    url_name="batch_exceptions",
)
def list_exceptions(
    request: HttpRequest,
    status: Query[Literal["open", "matched", "registered", "expired", "all"]] = "open",
    batch_id: int | None = Query(None, ge=1, le=MAX_ID),
    limit: int = _LIMIT,
    offset: int = _OFFSET,
) -> ExceptionPageOut:
    """Your organisation's batch exceptions (default: open ones), soonest to expire first,
    with the learners offered to choose from."""
    exceptions = selectors.list_exceptions(
        actor_for(request), status=None if status == "all" else status, batch_id=batch_id
    )
    page = list(exceptions[offset : offset + limit])
    learners = selectors.candidate_learners(page)
    return ExceptionPageOut(
        items=[ExceptionOut.of(exception, learners) for exception in page],
        count=exceptions.count(),
    )


@router.get(
    "/batch-exceptions/{exception_id}",
    operation_id="getBatchException",
    response={200: ExceptionOut, **ERRORS},
    url_name="batch_exception",
)
def view_exception(request: HttpRequest, exception_id: int = _EXCEPTION_ID) -> ExceptionOut:
    """One exception, with the learners offered."""
    exception = selectors.get_exception(actor_for(request), exception_id)
    return ExceptionOut.of(exception, selectors.candidate_learners([exception]))


@router.post(
    "/batch-exceptions/{exception_id}/resolve",
    operation_id="resolveBatchException",
    response={200: ExceptionOut, **ERRORS},
    url_name="batch_exception_resolve",
)
def resolve(
    request: HttpRequest, payload: ResolveIn, exception_id: int = _EXCEPTION_ID
) -> ExceptionOut:
    """Resolve an open exception: `{"learner_uln": "..."}` chooses one of the candidates;
    `{"register_new": true}` registers a new learner (the learner is none of them). The row's
    ULN and return code in the output file change accordingly."""
    actor = actor_for(request)
    chosen = (payload.learner_uln or "").strip()
    if bool(chosen) == payload.register_new:
        message = _('Send either "learner_uln" (one of the candidates) or "register_new": true.')
        raise ValidationFailed(message, field_errors={"learner_uln": [message]})
    exception = selectors.get_exception(actor, exception_id)
    if payload.register_new:
        resolve_by_registering(actor=actor, exception_id=exception.pk)
    else:
        learner_id = selectors.candidate_learner_id(exception, chosen)
        if learner_id is None:
            message = _("Choose the ULN of one of the learners listed for this exception.")
            raise ValidationFailed(message, field_errors={"learner_uln": [message]})
        resolve_by_choosing(actor=actor, exception_id=exception.pk, learner_id=learner_id)
    exception = selectors.get_exception(actor, exception_id)
    return ExceptionOut.of(exception, selectors.candidate_learners([exception]))
