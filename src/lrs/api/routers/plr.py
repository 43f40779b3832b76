"""Personal Learning Record web services: achievements in, learning events out, catalogue."""

from __future__ import annotations

from typing import Any, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from ninja import Field, File, Path, Query, Router, Schema, UploadedFile
from ninja.responses import Status

from lrs.api.auth import actor_for, count_lookup
from lrs.api.openapi import file_download
from lrs.api.schemas.base import MAX_ID, MAX_INT, NO_NUL, UlnInPath
from lrs.api.schemas.learners import ErrorOut
from lrs.api.schemas.plr import (
    AchievementFileOut,
    AchievementResultOut,
    AchievementsIn,
    AchievementsOut,
    CreditCheckIn,
    CreditCheckItemOut,
    CreditCheckOut,
    LearningEventOut,
    LearningEventsOut,
    PlrRefusedOut,
    QualificationOut,
    QualificationsOut,
)
from lrs.batches.models import Batch, BatchStatus
from lrs.batches.selectors import get_batch, read_output
from lrs.batches.services import submit_upload
from lrs.core.roles import Permission
from lrs.plr.achievement_batches import KIND, achievement_counts
from lrs.plr.choices import SOAP_LEVEL, Level
from lrs.plr.credit_check import credit_check
from lrs.plr.errors import PlrNotShared
from lrs.plr.selectors import DEFAULT_SORT, get_learner_learning_events, search_qualifications
from lrs.plr.services import submit_achievements

_BATCH_ID = Path(..., ge=1, le=MAX_ID)
router = Router(tags=["Personal Learning Record"])
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


@router.post(
    "/achievements", operation_id="submitAchievements", response={200: AchievementsOut, **ERRORS}
)
def post_achievements(request: HttpRequest, payload: AchievementsIn) -> AchievementsOut:
    """Record achievements (awarding organisations): each row gets its own outcome.

    A row is matched to its learner by ULN, names and date of birth; one that doesn't agree is
    rejected with its reason. Sending a `source_record_id` again updates that record.
    """
    report = submit_achievements(
        actor=actor_for(request), rows=[item.to_row() for item in payload.achievements]
    )
    return AchievementsOut(
        **report.totals, results=[AchievementResultOut.of(o) for o in report.outcomes]
    )


class LearningEventsQuery(Schema):
    sort: Literal["subject", "level", "grade", "credits", "source", "start", "end", "award"] = (
        DEFAULT_SORT
    )
    order: Literal["asc", "desc"] = "desc"
    page: int = Field(1, ge=1, le=MAX_INT)
    page_size: int = Field(50, ge=1, le=MAX_INT, description="At most 200 are returned")


@router.get(
    "/learners/{uln}/learning-events",
    operation_id="getLearningEvents",
    response={
        200: LearningEventsOut,
        403: PlrRefusedOut | ErrorOut,
        **{k: v for k, v in ERRORS.items() if k != 403},
    },
)
def learning_events(
    request: HttpRequest, uln: UlnInPath, query: Query[LearningEventsQuery]
) -> Status[Any] | dict[str, Any]:
    """A learner's PLR (learner record role, once your organisation has found the learner).

    WSEC0206 (403): the learner has not agreed to share, no events. WSEC0208 (404): no learner
    with this ULN that your organisation has found. Sensitive events are never returned.
    """
    try:
        record = get_learner_learning_events(
            uln=uln,
            actor=actor_for(request),
            sort=query.sort,
            descending=query.order == "desc",
            page=query.page,
        )
    except PlrNotShared as exc:
        return Status(
            403,
            PlrRefusedOut(
                code=exc.code,
                message=exc.message,
                found_uln=exc.found_uln,
                incoming_uln=exc.incoming_uln,
            ),
        )
    paginator = Paginator(record.events, max(1, min(query.page_size, 200)))
    page = paginator.get_page(query.page)
    return {
        "response_code": record.response_code,
        "found_uln": record.found_uln,
        "incoming_uln": record.incoming_uln,
        "page": page.number,
        "page_count": paginator.num_pages,
        "total": paginator.count,
        "learning_events": [LearningEventOut.of(event) for event in page.object_list],
    }


# PostgreSQL refuses a NUL character in a string (a 500 if it reached the database).
_SEARCH_TEXT = Field("", max_length=200, pattern=NO_NUL)


class QualificationQuery(Schema):
    keywords: str = _SEARCH_TEXT
    qn: str = _SEARCH_TEXT
    sector_subject_area: str = _SEARCH_TEXT
    level: str = _SEARCH_TEXT
    awarding_organisation: str = _SEARCH_TEXT
    page: int = Field(1, ge=1, le=MAX_INT)


@router.get(
    "/qualifications",
    operation_id="searchQualifications",
    response={200: QualificationsOut, **ERRORS},
)
def qualifications(request: HttpRequest, query: Query[QualificationQuery]) -> QualificationsOut:
    """Routes to achievement: find qualifications by title keywords, QN, sector subject area,
    level (E, 1, 1/2, 2 ... 8) and awarding organisation (name or recognition number)."""
    found = search_qualifications(
        keywords=query.keywords,
        qn=query.qn,
        sector_subject_area=query.sector_subject_area,
        level=query.level,
        awarding_body=query.awarding_organisation,
    )
    paginator = Paginator(found, 50)
    page = paginator.get_page(query.page)
    return QualificationsOut(
        page=page.number,
        page_count=paginator.num_pages,
        total=paginator.count,
        qualifications=[QualificationOut.of(q) for q in page.object_list],
    )


@router.post("/credit-check", operation_id="creditCheck", response={200: CreditCheckOut, **ERRORS})
def post_credit_check(
    request: HttpRequest, payload: CreditCheckIn
) -> CreditCheckOut | Status[ErrorOut]:
    """Credit check (awarding organisations): the learner's achievement of this one unit or
    qualification, or not_found. Never any other event; audited; limited per user per hour
    (429 when exceeded). WSEC0206 (403) when the learner has not agreed to share."""
    # Past a limit, 429 with Retry-After (lrs.api.errors).
    count_lookup(request)
    result = credit_check(
        actor=actor_for(request),
        uln=payload.uln,
        given_name=payload.given_name,
        family_name=payload.family_name,
        date_of_birth=payload.date_of_birth,
        reference=payload.reference,
    )
    return CreditCheckOut(
        outcome=result.outcome,
        reference=result.reference,
        achievements=[
            CreditCheckItemOut(
                awarding_organisation=item.awarding_organisation,
                reference=item.reference,
                title=item.title,
                level=SOAP_LEVEL.get(Level(item.level)) if item.level else None,
                achievement_award_date=item.achieved_on,
                grade=item.grade,
                credits=item.credit,
            )
            for item in result.achievements
        ],
    )


def _file_out(batch: Batch) -> AchievementFileOut:
    counts = achievement_counts(batch)
    complete = batch.status == BatchStatus.COMPLETE
    return AchievementFileOut(
        id=batch.pk,
        file_name=batch.file_name,
        status=batch.status,
        rows=counts.total,
        done=counts.done,
        created=counts.created,
        updated=counts.updated,
        unchanged=counts.unchanged,
        rejected=counts.rejected,
        output=reverse("api-v1:achievement_file_output", args=[batch.pk]) if complete else None,
    )


@router.post(
    "/achievements/files",
    operation_id="submitAchievementFile",
    response={202: AchievementFileOut, 413: ErrorOut, **ERRORS},
    url_name="achievement_file_submit",
)
def submit_achievement_file(
    request: HttpRequest, file: File[UploadedFile]
) -> Status[AchievementFileOut]:
    """Upload an achievement file (CSV, layout in docs/plr.md; awarding organisations). The
    batch workers record its rows; follow this file's status, then download its outcomes."""
    batch = submit_upload(
        actor=actor_for(request), file_name=file.name or "", content=file, kind=KIND
    )
    return Status(202, _file_out(batch))


@router.get(
    "/achievements/files/{batch_id}",
    operation_id="getAchievementFile",
    response={200: AchievementFileOut, **ERRORS},
    url_name="achievement_file",
)
def achievement_file(request: HttpRequest, batch_id: int = _BATCH_ID) -> AchievementFileOut:
    """An achievement file's progress and totals."""
    return _file_out(
        get_batch(actor_for(request), batch_id, permission=Permission.SUBMIT_ACHIEVEMENTS)
    )


@router.get(
    "/achievements/files/{batch_id}/output",
    operation_id="downloadAchievementFileOutput",
    response={200: None, **ERRORS},
    url_name="achievement_file_output",
    openapi_extra=file_download("Each row's outcome (CSV)", "text/csv"),
)
def achievement_file_output(request: HttpRequest, batch_id: int = _BATCH_ID) -> HttpResponse:
    """Each row's outcome, as CSV (409 until the file is processed)."""
    output = read_output(actor_for(request), batch_id, permission=Permission.SUBMIT_ACHIEVEMENTS)
    response = HttpResponse(output.content, content_type=output.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=output.file_name
    )
    response["Cache-Control"] = "no-store"
    return response
