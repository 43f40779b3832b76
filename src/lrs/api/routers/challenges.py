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
    CorrectionIn,
    DeceasedIn,
    DeceasedOut,
    DemergeIn,
    EventOut,
    MergeIn,
    MergeOut,
    RemovalIn,
    RemovalOut,
    SplitIn,
    SplitOut,
    StatusIn,
    TransferIn,
    TransferOut,
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
from lrs.challenges.services.resolutions import (
    correct_event,
    demerge_ulns,
    mark_deceased,
    merge_ulns,
    remove_event,
    split_uln,
    transfer_events,
)

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


@router.post("/uln-splits", response={201: SplitOut, **ERRORS}, operation_id="splitUln")
def split(request: HttpRequest, payload: SplitIn) -> Status[SplitOut]:
    """The service desk splits a ULN two people share: the second person gets a new learner
    and ULN, with the events named moved to it. Organisations that know the learner see the
    change in `GET /uln-changes` (kind `split`)."""
    second = split_uln(
        uln=payload.uln,
        details=payload.second_learner.to_details(),
        event_ids=payload.event_ids,
        actor=actor_for(request),
        challenge_reference=payload.challenge_reference,
        comment=payload.comment,
    )
    return Status(
        201,
        SplitOut(
            uln=payload.uln.strip(),
            new_uln=second.uln,
            moved_event_ids=sorted(set(payload.event_ids)),
        ),
    )


@router.post(
    "/event-transfers", response={200: TransferOut, **ERRORS}, operation_id="transferEvents"
)
def transfer(request: HttpRequest, payload: TransferIn) -> TransferOut:
    """The service desk moves learning events to the learner they belong to."""
    events = transfer_events(
        event_ids=payload.event_ids,
        to_uln=payload.to_uln,
        actor=actor_for(request),
        challenge_reference=payload.challenge_reference,
        comment=payload.comment,
    )
    target = events[0]
    target.refresh_from_db()
    return TransferOut(to_uln=target.learner.uln, event_ids=sorted(event.pk for event in events))


@router.post("/event-corrections", response={200: EventOut, **ERRORS}, operation_id="correctEvent")
def correct(request: HttpRequest, payload: CorrectionIn) -> EventOut:
    """The service desk corrects a learning event's details; its history keeps the old ones."""
    event = correct_event(
        event_id=payload.event_id,
        values=payload.changed_values(),
        actor=actor_for(request),
        challenge_reference=payload.challenge_reference,
        comment=payload.comment,
    )
    return EventOut.of(event)


@router.post(
    "/event-removals", response={200: RemovalOut, **ERRORS}, operation_id="removeDuplicatedEvent"
)
def remove(request: HttpRequest, payload: RemovalIn) -> RemovalOut:
    """The service desk removes a learning event that duplicates another of the same learner
    for the same qualification; the audit trail keeps what it was."""
    remove_event(
        event_id=payload.event_id,
        kept_event_id=payload.kept_event_id,
        actor=actor_for(request),
        challenge_reference=payload.challenge_reference,
        comment=payload.comment,
    )
    return RemovalOut(removed_event_id=payload.event_id, kept_event_id=payload.kept_event_id)


@router.post(
    "/deceased-learners", response={200: DeceasedOut, **ERRORS}, operation_id="markLearnerDeceased"
)
def deceased(request: HttpRequest, payload: DeceasedIn) -> DeceasedOut:
    """The service desk records a learner's death: no further registration or updates, and
    organisations see it in `GET /uln-changes` (kind `deceased`)."""
    learner = mark_deceased(
        uln=payload.uln,
        date_of_death=payload.date_of_death,
        actor=actor_for(request),
        challenge_reference=payload.challenge_reference,
        comment=payload.comment,
    )
    return DeceasedOut(
        uln=learner.uln,
        learner_status=learner.learner_status,
        date_of_death=learner.date_of_death,
    )


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
