"""Verify learner web services (role VLD): is this ULN this person's?"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from ninja import File, Path, Router, UploadedFile
from ninja.responses import Status

from lrs.api.auth import actor_for, count_lookup
from lrs.api.openapi import file_download
from lrs.api.schemas.base import MAX_ID
from lrs.api.schemas.learners import ErrorOut
from lrs.api.schemas.verify import VerifiedLearnerOut, VerifyFileOut, VerifyLearnerIn
from lrs.batches.models import Batch, BatchStatus
from lrs.batches.selectors import get_batch, read_output
from lrs.batches.services import submit_upload
from lrs.batches.verify_files import KIND, verify_counts
from lrs.core.roles import Permission
from lrs.learners.verify import verify_learner

_BATCH_ID = Path(..., ge=1, le=MAX_ID)
router = Router(tags=["Verify learner"])
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}
FILE_ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


@router.post(
    "/verify-learner",
    response={200: VerifiedLearnerOut, **ERRORS},
    operation_id="verifyLearner",
    summary="Verify a learner's ULN and details",
)
def verify(request: HttpRequest, payload: VerifyLearnerIn) -> VerifiedLearnerOut | Status[ErrorOut]:
    """Do these details belong to the learner with this ULN? (role verify learner)

    One response code: WSVRC001 verified, WSVRC002 verified through a linked ULN (`uln` is the
    master ULN), WSVRC003/WSVRC004 the same with a name as one of the learner's other names,
    WSVRC005 a detail differs (`fields` and `failure_flags` say which), WSVRC006 no learner
    has this ULN. A ULN whose check digit is wrong is refused (422). Every look-up is audited;
    each user may make `LRS_VERIFICATIONS_PER_HOUR` an hour (429 past it).
    """
    # Past a limit, 429 with Retry-After (lrs.api.errors).
    count_lookup(request)
    result = verify_learner(actor=actor_for(request), request=payload.to_request())
    return VerifiedLearnerOut.of(result)


def _file_out(batch: Batch) -> VerifyFileOut:
    counts = verify_counts(batch)
    complete = batch.status == BatchStatus.COMPLETE
    return VerifyFileOut(
        id=batch.pk,
        file_name=batch.file_name,
        status=batch.status,
        rows=counts.total,
        done=counts.done,
        verified=counts.verified,
        not_matched=counts.not_matched,
        not_found=counts.not_found,
        rejected=counts.rejected,
        output=reverse("api-v1:verify_file_output", args=[batch.pk]) if complete else None,
    )


@router.post(
    "/verify-learner/files",
    response={202: VerifyFileOut, **FILE_ERRORS},
    operation_id="submitVerifyFile",
    summary="Upload a file of learners to verify",
    url_name="verify_file_submit",
)
def submit_verify_file(request: HttpRequest, file: File[UploadedFile]) -> Status[VerifyFileOut]:
    """A verify file (CSV, up to 5,000 learners; layout in docs/plr.md). The batch workers
    verify each row; follow the file's status, then download each row's answer."""
    batch = submit_upload(
        actor=actor_for(request), file_name=file.name or "", content=file, kind=KIND
    )
    return Status(202, _file_out(batch))


@router.get(
    "/verify-learner/files/{batch_id}",
    response={200: VerifyFileOut, **FILE_ERRORS},
    operation_id="getVerifyFile",
    summary="A verify file's progress and totals",
    url_name="verify_file",
)
def verify_file(request: HttpRequest, batch_id: int = _BATCH_ID) -> VerifyFileOut:
    """A verify file's progress and totals (your organisation's files only)."""
    return _file_out(get_batch(actor_for(request), batch_id, permission=Permission.VERIFY_LEARNER))


@router.get(
    "/verify-learner/files/{batch_id}/output",
    response={200: None, **FILE_ERRORS},
    operation_id="getVerifyFileOutput",
    summary="A verify file's answers (CSV)",
    url_name="verify_file_output",
    openapi_extra=file_download("Each row's answer (CSV)", "text/csv"),
)
def verify_file_output(request: HttpRequest, batch_id: int = _BATCH_ID) -> HttpResponse:
    """Each row's answer, as CSV (409 until the file is processed)."""
    output = read_output(actor_for(request), batch_id, permission=Permission.VERIFY_LEARNER)
    response = HttpResponse(output.content, content_type=output.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=output.file_name
    )
    response["Cache-Control"] = "no-store"
    return response
