"""Learner Register web services: find, register, view, update."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from lrs.api import response_codes as rc
from lrs.api.auth import actor_for
from lrs.api.schemas.base import UlnInPath
from lrs.api.schemas.learners import (
    ErrorOut,
    FindByUlnIn,
    FindByUlnOut,
    HistoryEntryOut,
    LearnerOut,
    LearnerResponseOut,
    MatchedLearnerOut,
    RegisterIn,
    SearchIn,
    SearchOut,
    UpdateIn,
)
from lrs.learners.matching_adapter import SearchOutcome
from lrs.learners.response_codes import ResponseCode
from lrs.learners.selectors import (
    find_learner_by_uln,
    get_learner,
    linked_ulns_of,
    list_learner_history,
    search_learners,
)
from lrs.learners.services import RegistrationStatus, register_learner, update_learner

router = Router(tags=["Learners"])
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def _search_body(
    outcome: SearchOutcome, code: ResponseCode | None = None, message: str = ""
) -> SearchOut:
    code = code or rc.FOR_MATCH_KIND[outcome.kind]
    linked = linked_ulns_of(outcome.learners)
    # Built without validation, as `LearnerOut.of` is: the values are already of their types.
    return SearchOut.model_construct(
        response_code=code,
        message=message or rc.message_for(code),
        learners=[
            MatchedLearnerOut.of_match(match, linked[match.learner.pk]) for match in outcome.matches
        ],
    )


@router.post("/learners/search", operation_id="searchLearners", response={200: SearchOut, **ERRORS})
def search(request: HttpRequest, payload: SearchIn) -> SearchOut:
    """Find a learner by personal details: exact, possible (1-10), none, or too many (no data)."""
    outcome = search_learners(details=payload.to_details(), actor=actor_for(request))
    return _search_body(outcome)


@router.post(
    "/learners/find-by-uln", operation_id="findLearnerByUln", response={200: FindByUlnOut, **ERRORS}
)
def find_by_uln(request: HttpRequest, payload: FindByUlnIn) -> FindByUlnOut:
    """Find a learner by ULN, given name and family name; a linked ULN returns its master."""
    found = find_learner_by_uln(
        uln=payload.uln,
        given_name=payload.given_name,
        family_name=payload.family_name,
        actor=actor_for(request),
    )
    code = ResponseCode.MASTER_SUBSTITUTED if found.master_substituted else ResponseCode.EXACT_MATCH
    return FindByUlnOut.model_construct(
        response_code=code,
        message=rc.message_for(code),
        searched_uln=found.searched_uln,
        master_substituted=found.master_substituted,
        learner=LearnerOut.of(found.learner),
    )


@router.post(
    "/learners",
    operation_id="registerLearner",
    response={**ERRORS, 201: LearnerResponseOut, 409: SearchOut | ErrorOut},
)
def register(request: HttpRequest, payload: RegisterIn) -> Status[Any]:
    """Register a learner for a new ULN; searches first (409 with the matches if it finds any)."""
    result = register_learner(
        details=payload.to_details(),
        actor=actor_for(request),
        confirm_not_possible_match=payload.confirm_not_possible_match,
    )
    if result.status is RegistrationStatus.REGISTERED:
        assert result.learner is not None
        return Status(
            201,
            LearnerResponseOut.model_construct(
                response_code=ResponseCode.REGISTERED,
                message=rc.message_for(ResponseCode.REGISTERED),
                # Registered just now: no other ULN can be linked to it yet.
                learner=LearnerOut.of(result.learner, linked_ulns=[]),
            ),
        )
    if result.status is RegistrationStatus.ALREADY_REGISTERED:
        return Status(
            409,
            _search_body(
                result.search, ResponseCode.EXACT_MATCH, str(rc.ALREADY_REGISTERED_MESSAGE)
            ),
        )
    return Status(409, _search_body(result.search, message=str(rc.REGISTER_WARNING)))


@router.get("/learners/{uln}", operation_id="getLearner", response={200: LearnerOut, **ERRORS})
def view(request: HttpRequest, uln: UlnInPath) -> LearnerOut:
    """A learner's full record, once your organisation has found or registered the learner."""
    return LearnerOut.of(get_learner(uln=uln, actor=actor_for(request)))


@router.patch(
    "/learners/{uln}", operation_id="updateLearner", response={200: LearnerResponseOut, **ERRORS}
)
def update(request: HttpRequest, uln: UlnInPath, payload: UpdateIn) -> LearnerResponseOut:
    """Update a learner; send the version_number you read (a stale one is refused, WSRC0013)."""
    actor = actor_for(request)
    result = update_learner(
        uln=uln,
        version_number=payload.version_number,
        changes=payload.changes(),
        actor=actor,
    )
    if not result.changed:
        # Nothing written; the record is shown as it stands, which is a view (audited).
        return LearnerResponseOut(
            response_code=ResponseCode.NO_CHANGES,
            message=rc.message_for(ResponseCode.NO_CHANGES),
            learner=LearnerOut.of(get_learner(uln=uln, actor=actor)),
        )
    return LearnerResponseOut(
        response_code=ResponseCode.UPDATED,
        message=rc.message_for(ResponseCode.UPDATED),
        learner=LearnerOut.of(result.learner),
    )


@router.get(
    "/learners/{uln}/history",
    operation_id="getLearnerHistory",
    response={200: list[HistoryEntryOut], **ERRORS},
)
def history(request: HttpRequest, uln: UlnInPath) -> list[HistoryEntryOut]:
    """Every version of the learner: who changed what, for which organisation, when, how."""
    actor = actor_for(request)
    learner = get_learner(uln=uln, actor=actor)
    return [
        HistoryEntryOut(
            occurred_at=event.occurred_at,
            action=event.action,
            username=event.username,
            organisation=event.organisation_name,
            channel=event.channel,
            version_number=event.version_number,
            changes=event.changes,
        )
        for event in list_learner_history(learner=learner, actor=actor)
    ]
