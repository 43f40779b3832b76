"""The learner's details as every channel hands them to the services."""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from typing import Any

# Fields a caller may set on registration or update, in the real service's order
# (LearnerToRegister), as snake_case.
LEARNER_FIELDS: tuple[str, ...] = (
    "title",
    "given_name",
    "middle_other_name",
    "family_name",
    "preferred_given_name",
    "previous_family_name",
    "family_name_at_16",
    "school_at_16",
    "last_known_address_line1",
    "last_known_address_line2",
    "last_known_address_town",
    "last_known_address_county_or_city",
    "last_known_postcode",
    "date_of_address_capture",
    "date_of_birth",
    "place_of_birth",
    "gender",
    "email_address",
    "nationality",
    "scottish_candidate_number",
    "upn",
    "uci",
    "verification_type",
    "other_verification_description",
    "ability_to_share",
    "notes",
)

# The key information: two learners may not share all of these (WSRC0021).
KEY_FIELDS: tuple[str, ...] = (
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "last_known_postcode",
)

DATE_FIELDS = frozenset({"date_of_birth", "date_of_address_capture"})


_FIELD_NAMES: dict[type, frozenset[str]] = {}


def _field_names(kind: type) -> frozenset[str]:
    """The dataclass's field names, worked out once per class (an import builds millions)."""
    names = _FIELD_NAMES.get(kind)
    if names is None:
        names = _FIELD_NAMES[kind] = frozenset(f.name for f in dataclasses.fields(kind))
    return names


@dataclass(frozen=True)
class LearnerDetails:
    given_name: str = ""
    family_name: str = ""
    date_of_birth: datetime.date | None = None
    gender: str = ""
    last_known_postcode: str = ""
    title: str = ""
    middle_other_name: str = ""
    preferred_given_name: str = ""
    previous_family_name: str = ""
    family_name_at_16: str = ""
    school_at_16: str = ""
    last_known_address_line1: str = ""
    last_known_address_line2: str = ""
    last_known_address_town: str = ""
    last_known_address_county_or_city: str = ""
    date_of_address_capture: datetime.date | None = None
    place_of_birth: str = ""
    email_address: str = ""
    nationality: str = ""
    scottish_candidate_number: str = ""
    upn: str = ""
    uci: str = ""
    verification_type: str = ""
    other_verification_description: str = ""
    ability_to_share: str = ""
    notes: str = ""

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> LearnerDetails:
        """Build from a mapping, ignoring unknown keys and turning None into blanks."""
        known = _field_names(cls)
        cleaned: dict[str, Any] = {}
        for name, value in values.items():
            if name not in known:
                continue
            if value is None:
                value = None if name in DATE_FIELDS else ""
            cleaned[name] = value
        return cls(**cleaned)

    @classmethod
    def from_learner(cls, learner: Any) -> LearnerDetails:
        return cls(**{name: getattr(learner, name) for name in LEARNER_FIELDS})

    def as_model_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in LEARNER_FIELDS}

    def replace(self, **changes: Any) -> LearnerDetails:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class SearchDetails:
    """What a find by personal details takes: the five mandatory fields and optional ones."""

    given_name: str = ""
    family_name: str = ""
    date_of_birth: datetime.date | None = None
    gender: str = ""
    last_known_postcode: str = ""
    middle_other_name: str = ""
    preferred_given_name: str = ""
    previous_family_name: str = ""
    place_of_birth: str = ""
    email_address: str = ""
    upn: str = ""
    uci: str = ""

    @classmethod
    def from_learner_details(cls, details: LearnerDetails) -> SearchDetails:
        """The search a registration makes first: the same person, by their details."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{name: getattr(details, name) for name in names})
