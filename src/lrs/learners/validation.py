"""Field rules of the learner record (DESIGN 3.2), with one clear message per field."""

from __future__ import annotations

import dataclasses
import datetime
import functools
import operator
import re
import unicodedata
from typing import Any

from confusable_homoglyphs import confusables
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from lrs.core.errors import ValidationFailed
from lrs.core.identifier_messages import identifier_message
from lrs.identifiers import IdentifierError, validate_postcode, validate_uci, validate_upn
from lrs.learners.choices import AbilityToShare, Gender, VerificationType
from lrs.learners.details import LearnerDetails, SearchDetails
from lrs.learners.prohibited_text import PLACEHOLDER_NAMES, PROHIBITED_NAME_WORDS

MIN_AGE = 13
MAX_AGE = 110
UPN_MAX_AGE = 16  # a UPN is recorded only for learners under 16

_GENDERS = frozenset(Gender.values)
_VERIFICATION_TYPES = frozenset(VerificationType.values)
_ABILITY_TO_SHARE = frozenset(AbilityToShare.values)
_EMAIL_VALIDATOR = EmailValidator()

NAME_FIELDS = (
    "given_name",
    "family_name",
    "middle_other_name",
    "preferred_given_name",
    "previous_family_name",
    "family_name_at_16",
)
MAX_LENGTHS: dict[str, int] = {
    "title": 35,
    "given_name": 35,
    "middle_other_name": 35,
    "family_name": 35,
    "preferred_given_name": 35,
    "previous_family_name": 35,
    "family_name_at_16": 35,
    "school_at_16": 254,
    "last_known_address_line1": 50,
    "last_known_address_line2": 50,
    "last_known_address_town": 50,
    "last_known_address_county_or_city": 50,
    "place_of_birth": 35,
    "email_address": 254,
    "nationality": 3,
    "scottish_candidate_number": 9,
    "other_verification_description": 50,
    "notes": 1000,
}

_LENGTH_LIMITS = tuple(MAX_LENGTHS.items())

_NAME_ALLOWED = re.compile(r"^[^\W\d_]+(?:[ \-'’‘.][^\W\d_]*)*[.]?$", re.UNICODE)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
_NAME_WORD_BREAK = re.compile(r"[ \-.']+")


@functools.lru_cache(maxsize=65536)
def _clean_text(value: str) -> str:
    """Trim, collapse internal whitespace and use composed Unicode (Siân stays Siân).

    NFKC folds compatibility forms into the letters they stand for (fullwidth "Ｇwenllian" is
    "Gwenllian", a ligature "ﬁ" is "fi"), so a name can't look the same yet differ.
    Cached: names, postcodes and codes repeat across the rows of a bulk import.
    """
    if not value:
        return ""
    if not value.isascii():  # ASCII text is already in NFKC form
        value = unicodedata.normalize("NFKC", value)
    return " ".join(value.split())


def name_problem(value: str) -> str | None:
    """Why a name is not acceptable, or None."""
    if not value.strip():
        return _("Enter a name that contains at least one letter.")
    if "".join(value.translate(_APOSTROPHES).casefold().split()) in PLACEHOLDER_NAMES:
        return _not_allowed()
    if not _NAME_ALLOWED.match(value):
        return _("A name can only contain letters, spaces, hyphens, apostrophes and full stops.")
    if is_lookalike(value):
        return _(
            "The name mixes letters from different alphabets that look alike (for example a "
            "Cyrillic С in a Latin name). Type the name again in one alphabet."
        )
    words = _NAME_WORD_BREAK.split(value.translate(_APOSTROPHES).casefold())
    if any(word in PROHIBITED_NAME_WORDS for word in words if word):
        return _not_allowed()
    return None


def _not_allowed() -> str:
    return _("The name contains text that is not allowed. Use the learner's legal name.")


def is_lookalike(value: str) -> bool:
    """Whether a name mixes scripts with letters confusable across them (Unicode TR39 data).

    "Сarys" with a Cyrillic С reads as "Carys" but would not match her: refused. A name in one
    script (Гвенллиан, 李娜, Ελένη) is legal, as are Latin names with accents.
    """
    if value.isascii():
        return False
    return bool(confusables.is_dangerous(value))


def age_on(date_of_birth: datetime.date, today: datetime.date) -> int:
    years = today.year - date_of_birth.year
    if (today.month, today.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


class _Collector:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            count = len(self.errors)
            raise ValidationFailed(
                _("There is a problem with %(count)d field(s): %(fields)s.")
                % {"count": count, "fields": ", ".join(self.errors)},
                field_errors=self.errors,
            )


@functools.lru_cache(maxsize=65536)
def _acceptable_name(value: str) -> bool:
    """Whether `name_problem` finds nothing wrong with the name. Cached: names follow a steep
    popularity curve, so a bulk import checks the same ones again and again. Whether a name is
    acceptable does not depend on the language; the message, when there is one, is worked out
    again by `name_problem` in the caller's."""
    return name_problem(value) is None


def _check_names(values: dict[str, Any], errors: _Collector, *, mandatory: tuple[str, ...]) -> None:
    for field in NAME_FIELDS:
        if field not in values:
            continue
        value = values[field]
        if not value:
            if field in mandatory:
                label = _("given name") if field == "given_name" else _("family name")
                errors.add(field, _("Enter the learner's %(label)s.") % {"label": label})
            continue
        if _acceptable_name(value):
            continue
        problem = name_problem(value)
        if problem:
            errors.add(field, problem)


def _check_lengths(values: dict[str, Any], errors: _Collector) -> None:
    for field, limit in _LENGTH_LIMITS:
        value = values.get(field)
        if value and isinstance(value, str) and len(value) > limit:
            errors.add(
                field,
                _("Must be %(limit)d characters or fewer (you entered %(length)d).")
                % {"limit": limit, "length": len(value)},
            )


def _check_date_of_birth(
    values: dict[str, Any], errors: _Collector, today: datetime.date
) -> int | None:
    dob = values.get("date_of_birth")
    if dob is None:
        errors.add("date_of_birth", _("Enter the learner's date of birth."))
        return None
    if dob > today:
        errors.add("date_of_birth", _("Date of birth must be in the past."))
        return None
    age = age_on(dob, today)
    if not MIN_AGE <= age <= MAX_AGE:
        errors.add(
            "date_of_birth",
            _(
                "The learner must be aged between %(min)d and %(max)d "
                "(this date makes them %(age)d)."
            )
            % {"min": MIN_AGE, "max": MAX_AGE, "age": age},
        )
    return age


def _check_postcode(values: dict[str, Any], errors: _Collector) -> None:
    postcode = values.get("last_known_postcode", "")
    if not postcode:
        errors.add(
            "last_known_postcode",
            _("Enter the learner's last known postcode, or ZZ99 9ZZ if it cannot be obtained."),
        )
        return
    try:
        values["last_known_postcode"] = validate_postcode(postcode)
    except IdentifierError:
        errors.add(
            "last_known_postcode",
            _("Enter a real UK postcode, like CV4 9EE, or ZZ99 9ZZ if it is not known."),
        )


def _check_gender(values: dict[str, Any], errors: _Collector) -> None:
    if values.get("gender") not in _GENDERS:
        errors.add(
            "gender",
            _("Choose a gender: 0 not known, 1 male, 2 female or 9 not specified."),
        )


def _check_identifiers(values: dict[str, Any], errors: _Collector, age: int | None) -> None:
    if values.get("upn"):
        try:
            values["upn"] = validate_upn(values["upn"])
        except IdentifierError as exc:
            errors.add("upn", identifier_message(exc))
        else:
            if age is not None and age >= UPN_MAX_AGE:
                errors.add("upn", _("A UPN can only be recorded for learners aged under 16."))
    if values.get("uci"):
        try:
            values["uci"] = validate_uci(values["uci"])
        except IdentifierError as exc:
            errors.add("uci", identifier_message(exc))


def _check_email(values: dict[str, Any], errors: _Collector) -> None:
    email = values.get("email_address", "")
    if not email:
        return
    if email.strip().casefold() in {"none", "n/a", "na", "null", "unknown"}:
        errors.add(
            "email_address",
            _("Leave the email address blank if the learner has none; do not write 'none'."),
        )
        return
    try:
        _EMAIL_VALIDATOR(email)
    except ValidationError:
        errors.add("email_address", _("Enter an email address like name@example.com."))


_FIELD_NAMES: dict[type, tuple[str, ...]] = {
    kind: tuple(f.name for f in dataclasses.fields(kind))
    for kind in (LearnerDetails, SearchDetails)
}


_FIELD_GETTERS = {kind: operator.attrgetter(*names) for kind, names in _FIELD_NAMES.items()}


def _clean_values(details: LearnerDetails | SearchDetails) -> dict[str, Any]:
    names = _FIELD_NAMES[type(details)]
    return _cleaned(dict(zip(names, _FIELD_GETTERS[type(details)](details), strict=True)))


def _cleaned(values: dict[str, Any]) -> dict[str, Any]:
    for name, value in values.items():
        if value and isinstance(value, str):
            values[name] = value.strip() if name == "notes" else _clean_text(value)
    return values


# Every LearnerDetails field with its default, in field order (`validate_learner_values`).
LEARNER_DEFAULTS: dict[str, Any] = {f.name: f.default for f in dataclasses.fields(LearnerDetails)}


def validate_learner_details(
    details: LearnerDetails, *, today: datetime.date | None = None
) -> LearnerDetails:
    """The details cleaned (trimmed, postcode normalised); else ValidationFailed listing all."""
    return _validated(_clean_values(details), today)


def validate_learner_values(
    values: dict[str, Any], *, today: datetime.date | None = None
) -> LearnerDetails:
    """`validate_learner_details` of `LearnerDetails(**values)`, without building the details
    twice (a bulk import validates millions). `values` holds every LearnerDetails field, as
    `LEARNER_DEFAULTS` and then the row's own, and is cleaned in place."""
    return _validated(_cleaned(values), today)


def _validated(values: dict[str, Any], today: datetime.date | None) -> LearnerDetails:
    today = today or datetime.date.today()  # noqa: DTZ011 - a calendar date in local time
    errors = _Collector()
    _check_names(values, errors, mandatory=("given_name", "family_name"))
    _check_lengths(values, errors)
    age = _check_date_of_birth(values, errors, today)
    _check_gender(values, errors)
    _check_postcode(values, errors)
    _check_identifiers(values, errors, age)
    _check_email(values, errors)
    if values.get("verification_type") not in _VERIFICATION_TYPES:
        errors.add("verification_type", _("Choose how the learner's identity was verified."))
    elif values["verification_type"] == VerificationType.OTHER:
        if not values.get("other_verification_description"):
            errors.add(
                "other_verification_description",
                _("Describe the verification document when the verification type is Other."),
            )
    elif values.get("other_verification_description"):
        errors.add(
            "other_verification_description",
            _("Only give a verification description when the verification type is Other."),
        )
    if values.get("ability_to_share") not in _ABILITY_TO_SHARE:
        errors.add(
            "ability_to_share",
            _("Say whether the learner has seen the privacy notice: 1 yes or 0 no."),
        )
    capture = values.get("date_of_address_capture")
    if capture is not None and capture > today:
        errors.add(
            "date_of_address_capture", _("Date of address capture must not be in the future.")
        )
    errors.raise_if_any()
    return LearnerDetails(**values)


def validate_search_details(
    details: SearchDetails, *, today: datetime.date | None = None
) -> SearchDetails:
    """Check the five mandatory search fields and any optional ones."""
    today = today or datetime.date.today()  # noqa: DTZ011 - a calendar date in local time
    values = _clean_values(details)
    errors = _Collector()
    _check_names(values, errors, mandatory=("given_name", "family_name"))
    _check_lengths(values, errors)
    age = _check_date_of_birth(values, errors, today)
    _check_gender(values, errors)
    _check_postcode(values, errors)
    _check_identifiers(values, errors, age)
    _check_email(values, errors)
    errors.raise_if_any()
    return SearchDetails(**values)
