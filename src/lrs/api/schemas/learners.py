"""Input and output shapes of the learner web services.

Field names are the real service's, in snake_case.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema

from lrs.api.schemas.base import (
    ABILITY_TO_SHARE_PATTERN,
    GENDER_PATTERN,
    MAX_INT,
    NON_BLANK,
    ULN_PATTERN,
    VERIFICATION_TYPE_PATTERN,
    RequestSchema,
)
from lrs.learners.details import LearnerDetails, SearchDetails
from lrs.learners.match_reasons import match_reasons, match_strength
from lrs.learners.matching_adapter import LearnerMatch
from lrs.learners.models import Learner
from lrs.learners.selectors import list_linked_ulns

_NAME = Field(default="", max_length=100)


class SearchIn(RequestSchema):
    given_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    family_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    date_of_birth: datetime.date
    gender: str = Field(
        pattern=GENDER_PATTERN, description='"0" not known, "1" male, "2" female, "9" not specified'
    )
    last_known_postcode: str = Field(
        max_length=20, pattern=NON_BLANK, description="Use ZZ99 9ZZ only as a last resort"
    )
    middle_other_name: str = _NAME
    preferred_given_name: str = _NAME
    previous_family_name: str = _NAME
    place_of_birth: str = _NAME
    email_address: str = Field(default="", max_length=300)
    upn: str = Field(default="", max_length=20)
    uci: str = Field(default="", max_length=20)

    def to_details(self) -> SearchDetails:
        return SearchDetails(**self.dict())


class FindByUlnIn(RequestSchema):
    uln: str = Field(max_length=20, pattern=ULN_PATTERN)
    given_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    family_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)


class _OptionalLearnerFields(RequestSchema):
    title: str = Field(default="", max_length=100)
    middle_other_name: str = _NAME
    preferred_given_name: str = _NAME
    previous_family_name: str = _NAME
    family_name_at_16: str = _NAME
    school_at_16: str = Field(default="", max_length=300)
    last_known_address_line1: str = _NAME
    last_known_address_line2: str = _NAME
    last_known_address_town: str = _NAME
    last_known_address_county_or_city: str = _NAME
    date_of_address_capture: datetime.date | None = None
    place_of_birth: str = _NAME
    email_address: str = Field(default="", max_length=300)
    nationality: str = Field(default="", max_length=10)
    scottish_candidate_number: str = Field(default="", max_length=20)
    upn: str = Field(default="", max_length=20)
    uci: str = Field(default="", max_length=20)
    other_verification_description: str = _NAME
    notes: str = Field(default="", max_length=2000)


class LearnerDetailsIn(_OptionalLearnerFields):
    """Every detail of a learner record; the required ones are the key information."""

    given_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    family_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    date_of_birth: datetime.date
    gender: str = Field(pattern=GENDER_PATTERN)
    last_known_postcode: str = Field(max_length=20, pattern=NON_BLANK)
    verification_type: str = Field(
        pattern=VERIFICATION_TYPE_PATTERN,
        description="0 none provided, 1 relationship with school, 2 passport, 3 driving licence, "
        "4 ID card, 5 National Insurance card, 6 funding certificate, 7 bank card, 999 other",
    )
    ability_to_share: str = Field(
        pattern=ABILITY_TO_SHARE_PATTERN, description="Privacy notice seen: 1 yes, 0 no"
    )

    def to_details(self) -> LearnerDetails:
        return LearnerDetails.from_mapping(self.dict())


class RegisterIn(LearnerDetailsIn):
    confirm_not_possible_match: bool = Field(
        default=False,
        description="Confirm the learner is none of the possible matches a previous call returned",
    )

    def to_details(self) -> LearnerDetails:
        values = self.dict()
        values.pop("confirm_not_possible_match")
        return LearnerDetails.from_mapping(values)


class UpdateIn(RequestSchema):
    """Send `version_number` and only the fields to change."""

    version_number: int = Field(ge=1, le=MAX_INT)
    title: str | None = None
    given_name: str | None = None
    middle_other_name: str | None = None
    family_name: str | None = None
    preferred_given_name: str | None = None
    previous_family_name: str | None = None
    family_name_at_16: str | None = None
    school_at_16: str | None = None
    last_known_address_line1: str | None = None
    last_known_address_line2: str | None = None
    last_known_address_town: str | None = None
    last_known_address_county_or_city: str | None = None
    last_known_postcode: str | None = None
    date_of_address_capture: datetime.date | None = None
    date_of_birth: datetime.date | None = None
    place_of_birth: str | None = None
    gender: str | None = None
    email_address: str | None = None
    nationality: str | None = None
    scottish_candidate_number: str | None = None
    upn: str | None = None
    uci: str | None = None
    verification_type: str | None = None
    other_verification_description: str | None = None
    ability_to_share: str | None = None
    notes: str | None = None

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent (an explicit null clears an optional field)."""
        sent = self.dict(exclude_unset=True)
        sent.pop("version_number", None)
        return sent


class LearnerOut(Schema):
    uln: str
    title: str
    given_name: str
    middle_other_name: str
    family_name: str
    preferred_given_name: str
    previous_family_name: str
    family_name_at_16: str
    school_at_16: str
    last_known_address_line1: str
    last_known_address_line2: str
    last_known_address_town: str
    last_known_address_county_or_city: str
    last_known_postcode: str
    date_of_address_capture: datetime.date | None
    date_of_birth: datetime.date
    place_of_birth: str
    gender: str
    email_address: str
    nationality: str
    scottish_candidate_number: str
    uci: str
    verification_type: str
    other_verification_description: str
    ability_to_share: str
    notes: str
    learner_status: str
    version_number: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    linked_ulns: list[str]

    @classmethod
    def of(cls, learner: Learner, linked_ulns: list[str] | None = None) -> LearnerOut:
        """The learner's record; `linked_ulns` when the caller has them already (a search's
        results, looked up at once by `linked_ulns_of`), else looked up here.

        Built without validation (`model_construct`, see `_learner_fields`)."""
        return cls.model_construct(**_learner_fields(learner, linked_ulns))


# The record's fields, read from the model as they are: each is already the type its field here
# declares (the database's columns, or `LearnerDetails` for a learner just registered).
_RECORD_FIELDS = tuple(name for name in LearnerOut.model_fields if name != "linked_ulns")


def _learner_fields(learner: Learner, linked_ulns: list[str] | None) -> dict[str, Any]:
    """The values of a `LearnerOut`, for `model_construct`.

    Every API answer with a learner builds these; validating them again (django-ninja's
    `Schema` reads each through its `DjangoGetter`) cost more CPU than the database took to
    find the learner, for values that come from the learner's own typed columns.
    tests/api/test_response_bodies.py checks that the bodies are those validation gives.
    """
    data: dict[str, Any] = {name: getattr(learner, name) for name in _RECORD_FIELDS}
    data["linked_ulns"] = list_linked_ulns(learner) if linked_ulns is None else linked_ulns
    return data


class MatchOut(Schema):
    score: float
    probability: float
    strength: Literal["strong", "weak"] = Field(
        description="The probability in words: strong when the learner is more likely than "
        "not the one searched for, else weak."
    )
    reasons: list[str]


class MatchedLearnerOut(LearnerOut):
    match: MatchOut

    @classmethod
    def of_match(
        cls, match: LearnerMatch, linked_ulns: list[str] | None = None
    ) -> MatchedLearnerOut:
        return cls.model_construct(
            **_learner_fields(match.learner, linked_ulns),
            match=MatchOut.model_construct(
                score=round(match.scored.score, 3),
                probability=round(match.scored.probability, 4),
                strength=match_strength(match.scored.probability),
                reasons=match_reasons(match.scored.evidence),
            ),
        )


class SearchOut(Schema):
    response_code: str
    message: str
    learners: list[MatchedLearnerOut]


class FindByUlnOut(Schema):
    response_code: str
    message: str
    searched_uln: str
    master_substituted: bool
    learner: LearnerOut


class LearnerResponseOut(Schema):
    response_code: str
    message: str
    learner: LearnerOut


class HistoryEntryOut(Schema):
    occurred_at: datetime.datetime
    action: str
    username: str
    organisation: str
    channel: str
    version_number: int | None
    changes: dict[str, list[Any]]


class ErrorOut(Schema):
    code: str
    message: str
    errors: dict[str, list[str]] | None = None
