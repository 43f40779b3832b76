"""Data challenges (raise, view, withdraw; the service desk's status and merges) and the ULN
changes list that MIS software polls."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status

from lrs.api.auth import actor_for
from lrs.api.schemas.base import UlnInPath
from lrs.api.schemas.challenges import (
    ChallengeIn,
    ChallengeOut,
    CommentIn,
    DemergeIn,
    MergeIn,
    MergeOut,
    StatusIn,
    UlnChangeOut,
    UlnChangesOut,
)
from lrs.api.schemas.learners import ErrorOut
from lrs.challenges.selectors import get_challenge, list_learner_enquiries, list_uln_changes
from lrs.challenges.services.raising import (
    raise_challenge,
    set_challenge_status,
    withdraw_challenge,
)
from lrs.challenges.services.resolutions import demerge_ulns, merge_ulns

router = Router(tags=["Data challenges"])
ERRORS: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
_PAGE = 1000


def _challenge_out(reference: str, request: HttpRequest) -> ChallengeOut:
    return ChallengeOut.of(get_challenge(reference=reference, actor=actor_for(request)))


@router.post("/challenges", response={201: ChallengeOut, **ERRORS}, operation_id="raiseChallenge")
def raise_(request: HttpRequest, payload: ChallengeIn) -> Status[ChallengeOut]:
    """Report a problem with a learner's ULN or PLR; the reference contains the ULN, so send
    no other learner details in an email that quotes it."""
    challenge = raise_challenge(request=payload.to_request(), actor=actor_for(request))
    return Status(201, _challenge_out(challenge.reference, request))


@router.get(
    "/challenges/{reference}",
    response={200: ChallengeOut, **ERRORS},
    operation_id="getChallenge",
)
def detail(request: HttpRequest, reference: str) -> ChallengeOut:
    """A challenge with its status and history."""
    return _challenge_out(reference, request)


@router.get(
    "/learners/{uln}/challenges",
    response={200: list[ChallengeOut], **ERRORS},
    operation_id="listLearnerChallenges",
)
def learner_challenges(request: HttpRequest, uln: UlnInPath) -> list[ChallengeOut]:
    """Every challenge raised against the learner, by any organisation (View Enquiries)."""
    _learner, challenges = list_learner_enquiries(uln=uln, actor=actor_for(request))
    return [ChallengeOut.of(challenge) for challenge in challenges]


@router.post(
    "/challenges/{reference}/withdraw",
    response={200: ChallengeOut, **ERRORS},
    operation_id="withdrawChallenge",
)
def withdraw(request: HttpRequest, reference: str, payload: CommentIn) -> ChallengeOut:
    """The raising organisation withdraws its challenge."""
    withdraw_challenge(reference=reference, actor=actor_for(request), comment=payload.comment)
    return _challenge_out(reference, request)


@router.post(
    "/challenges/{reference}/status",
    response={200: ChallengeOut, **ERRORS},
    operation_id="setChallengeStatus",
)
def status(request: HttpRequest, reference: str, payload: StatusIn) -> ChallengeOut:
    """The service desk takes a challenge on, resolves or rejects it."""
    set_challenge_status(
        reference=reference,
        status=payload.status,
        actor=actor_for(request),
        comment=payload.comment,
    )
    return _challenge_out(reference, request)


@router.post("/uln-merges", response={200: MergeOut, **ERRORS}, operation_id="mergeUlns")
def merge(request: HttpRequest, payload: MergeIn) -> MergeOut:
    """The service desk merges a duplicate ULN into its master."""
    done = merge_ulns(**payload.dict(), actor=actor_for(request))
    return MergeOut.of(done)


@router.post("/uln-demerges", response={200: MergeOut, **ERRORS}, operation_id="demergeUln")
def demerge(request: HttpRequest, payload: DemergeIn) -> MergeOut:
    """The service desk undoes a merge: both learners as they were before it."""
    done = demerge_ulns(**payload.dict(), actor=actor_for(request))
    return MergeOut.of(done)


class SinceIn(Schema):
    since: datetime.datetime | None = None


@router.get("/uln-changes", response={200: UlnChangesOut, **ERRORS}, operation_id="listUlnChanges")
def uln_changes(request: HttpRequest, filters: Query[SinceIn]) -> UlnChangesOut:
    """ULNs merged, de-merged, deceased or split since a time (learners your organisation
    knows), oldest first, at most 1,000 a call; pass `next_since` back for the rest."""
    changes = list(list_uln_changes(actor=actor_for(request), since=filters.since)[:_PAGE])
    last = changes[-1].occurred_at if changes else filters.since
    return UlnChangesOut(
        changes=[UlnChangeOut.of(change) for change in changes],
        next_since=last.isoformat() if last is not None else None,
    )
