"""Input and output shapes of the data challenge and ULN change web services."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from ninja import Field, Schema

from lrs.api.schemas.base import MAX_ID, MAX_INT, ULN_PATTERN, RequestSchema
from lrs.api.schemas.learners import LearnerDetailsIn
from lrs.challenges.choices import ChallengeKind
from lrs.challenges.models import Challenge, ChallengeStep, UlnChange, UlnMerge
from lrs.challenges.services.raising import ChallengeRequest
from lrs.plr.models import LearningEvent

EventId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ChallengeIn(RequestSchema):
    kind: str = Field(description=", ".join(ChallengeKind.values))
    uln: str = Field(max_length=20, description="The learner's ULN (the reference contains it)")
    other_uln: str = Field(
        default="",
        max_length=20,
        description="The other ULN of a duplicate or de-merge; the ULN to transfer an event to",
    )
    other_name: str = Field(default="", max_length=100)
    master_uln: str = Field(default="", max_length=20, description="Duplicate: which is master")
    event_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=2
    )
    proposed: dict[str, Any] = Field(
        default_factory=dict,
        description="Information wrong: corrected grade, dates or credits",
    )
    reason: str = Field(default="", max_length=2000)
    comments: str = Field(default="", max_length=2000)
    contact_name: str = Field(max_length=100)
    contact_email: str = Field(max_length=254)
    contact_telephone: str = Field(max_length=30)

    def to_request(self) -> ChallengeRequest:
        return ChallengeRequest(**self.dict())


class StepOut(Schema):
    status: str
    occurred_at: datetime.datetime
    username: str
    organisation_name: str
    comment: str

    @classmethod
    def of(cls, step: ChallengeStep) -> StepOut:
        return cls(
            status=step.status,
            occurred_at=step.occurred_at,
            username=step.username,
            organisation_name=step.organisation_name,
            comment=step.comment,
        )


class ChallengeOut(Schema):
    reference: str
    kind: str
    uln: str
    other_uln: str
    master_uln: str
    event_ids: list[int]
    proposed: dict[str, Any]
    status: str
    raised_by: str  # "organisation", or "learner": raised on the learner portal
    raised_by_organisation: str  # empty when the learner raised it
    raised_at: datetime.datetime
    updated_at: datetime.datetime
    history: list[StepOut]

    @classmethod
    def of(cls, challenge: Challenge) -> ChallengeOut:
        return cls(
            reference=challenge.reference,
            kind=challenge.kind,
            uln=challenge.uln,
            other_uln=challenge.other_uln,
            master_uln=challenge.master_uln,
            # A learner may challenge a sensitive event, which organisations never see.
            event_ids=sorted(event.pk for event in challenge.events.all() if not event.sensitive),
            proposed=challenge.proposed,
            status=challenge.status,
            raised_by=challenge.raiser_kind,
            raised_by_organisation=(
                challenge.raised_by_organisation.name
                if challenge.raised_by_organisation is not None
                else ""
            ),
            raised_at=challenge.raised_at,
            updated_at=challenge.updated_at,
            history=[StepOut.of(step) for step in challenge.steps.all()],
        )


class CommentIn(RequestSchema):
    comment: str = Field(default="", max_length=2000)


class StatusIn(RequestSchema):
    status: str = Field(description="in_progress, resolved or rejected")
    comment: str = Field(default="", max_length=2000)


class MergeIn(RequestSchema):
    master_uln: str = Field(max_length=20)
    duplicate_uln: str = Field(max_length=20)
    challenge_reference: str = Field(default="", max_length=32)
    comment: str = Field(default="", max_length=2000)


class DemergeIn(RequestSchema):
    duplicate_uln: str = Field(max_length=20)
    challenge_reference: str = Field(default="", max_length=32)
    comment: str = Field(default="", max_length=2000)


class MergeOut(Schema):
    master_uln: str
    duplicate_uln: str
    merged_at: datetime.datetime
    demerged_at: datetime.datetime | None
    moved_event_ids: list[int]

    @classmethod
    def of(cls, merge: UlnMerge) -> MergeOut:
        return cls(
            master_uln=merge.master.uln,
            duplicate_uln=merge.duplicate.uln,
            merged_at=merge.merged_at,
            demerged_at=merge.demerged_at,
            moved_event_ids=merge.moved_events,
        )


class UlnChangeOut(Schema):
    kind: str = Field(description="merged, demerged, deceased or split")
    uln: str = Field(description="The ULN whose use changes")
    other_uln: str = Field(description="The master (merged, demerged) or new ULN (split)")
    occurred_at: str = Field(description="ISO 8601, to the microsecond")

    @classmethod
    def of(cls, change: UlnChange) -> UlnChangeOut:
        return cls(
            kind=change.kind,
            uln=change.uln,
            other_uln=change.other_uln,
            occurred_at=change.occurred_at.isoformat(),
        )


class UlnChangesOut(Schema):
    changes: list[UlnChangeOut]
    next_since: str | None = Field(
        description="Pass as `since` to fetch the changes after these (to the microsecond)"
    )


_Uln = Field(max_length=20, pattern=ULN_PATTERN, description="A ULN: ten digits")
_REFERENCE = Field(
    default="",
    max_length=32,
    description="The data challenge this settles (it moves to resolved); empty for none",
)
_COMMENT = Field(default="", max_length=2000, description="Kept on the challenge's history")


class SplitIn(RequestSchema):
    """Split a ULN two people share: the second person gets a learner and ULN of their own."""

    uln: str = _Uln
    second_learner: LearnerDetailsIn = Field(
        description="The second person's details (checked as a registration is)"
    )
    event_ids: list[EventId] = Field(
        default_factory=list,
        max_length=1000,
        description="The shared ULN's learning events that belong to the second person",
    )
    challenge_reference: str = _REFERENCE
    comment: str = _COMMENT


class SplitOut(Schema):
    uln: str = Field(description="The shared ULN, kept by the first person")
    new_uln: str = Field(description="The second person's new ULN")
    moved_event_ids: list[int]


class TransferIn(RequestSchema):
    event_ids: list[EventId] = Field(min_length=1, max_length=1000)
    to_uln: str = Field(
        max_length=20,
        pattern=ULN_PATTERN,
        description="The learner the events belong to (its master if the ULN is linked)",
    )
    challenge_reference: str = _REFERENCE
    comment: str = _COMMENT


class TransferOut(Schema):
    to_uln: str
    event_ids: list[int]


class EventValuesIn(RequestSchema):
    """Only the fields sent are changed; send null or "" to clear one."""

    grade: str | None = Field(default=None, max_length=20)
    achievement_award_date: datetime.date | None = None
    participation_start_date: datetime.date | None = None
    participation_end_date: datetime.date | None = None
    credits: int | None = Field(default=None, ge=0, le=MAX_INT)


class CorrectionIn(RequestSchema):
    event_id: EventId
    values: EventValuesIn
    challenge_reference: str = _REFERENCE
    comment: str = _COMMENT

    def changed_values(self) -> dict[str, Any]:
        return self.values.model_dump(exclude_unset=True)


class EventOut(Schema):
    event_id: int
    uln: str
    subject_code: str
    grade: str
    achievement_award_date: datetime.date | None
    participation_start_date: datetime.date | None
    participation_end_date: datetime.date | None
    credits: int | None

    @classmethod
    def of(cls, event: LearningEvent) -> EventOut:
        return cls(
            event_id=event.pk,
            uln=event.learner.uln,
            subject_code=event.subject_code,
            grade=event.grade,
            achievement_award_date=event.achievement_award_date,
            participation_start_date=event.participation_start_date,
            participation_end_date=event.participation_end_date,
            credits=event.credits,
        )


class RemovalIn(RequestSchema):
    event_id: EventId = Field(description="The duplicated event to remove")
    kept_event_id: EventId = Field(
        description="The event it duplicates, which stays: same learner, same qualification"
    )
    challenge_reference: str = _REFERENCE
    comment: str = _COMMENT


class RemovalOut(Schema):
    removed_event_id: int
    kept_event_id: int


class DeceasedIn(RequestSchema):
    uln: str = _Uln
    date_of_death: datetime.date | None = Field(default=None, description="If known")
    challenge_reference: str = _REFERENCE
    comment: str = _COMMENT


class DeceasedOut(Schema):
    uln: str
    learner_status: str
    date_of_death: datetime.date | None
