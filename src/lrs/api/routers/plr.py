"""Personal Learning Record web services: achievements in, learning events out, catalogue."""

from __future__ import annotations

from typing import Any, Literal

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from lrs.api.auth import actor_for
from lrs.api.schemas.learners import ErrorOut
from lrs.api.schemas.plr import (
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
from lrs.plr.choices import SOAP_LEVEL, Level
from lrs.plr.credit_check import credit_check
from lrs.plr.errors import PlrNotShared
from lrs.plr.selectors import DEFAULT_SORT, get_learner_learning_events, search_qualifications
from lrs.plr.services import submit_achievements

router = Router(tags=["Personal Learning Record"])
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


@router.post("/achievements", response={200: AchievementsOut, **ERRORS})
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
    page: int = 1
    page_size: int = 50


@router.get(
    "/learners/{uln}/learning-events",
    response={
        200: LearningEventsOut,
        403: PlrRefusedOut | ErrorOut,
        **{k: v for k, v in ERRORS.items() if k != 403},
    },
)
def learning_events(
    request: HttpRequest, uln: str, query: Query[LearningEventsQuery]
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


class QualificationQuery(Schema):
    keywords: str = ""
    qn: str = ""
    sector_subject_area: str = ""
    level: str = ""
    awarding_organisation: str = ""
    page: int = 1


@router.get("/qualifications", response={200: QualificationsOut, **ERRORS})
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


@router.post("/credit-check", response={200: CreditCheckOut, **ERRORS})
def post_credit_check(request: HttpRequest, payload: CreditCheckIn) -> CreditCheckOut:
    """Credit check (awarding organisations): the learner's achievement of this one unit or
    qualification, or not_found. Never any other event; audited; limited per user per hour
    (429 when exceeded). WSEC0206 (403) when the learner has not agreed to share."""
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
