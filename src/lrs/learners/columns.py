"""The real service's field names (as in batch and import files) and ours."""

from __future__ import annotations

import datetime
import re

# Real service name -> LearnerDetails field.
COLUMN_TO_FIELD: dict[str, str] = {
    "Title": "title",
    "GivenName": "given_name",
    "MiddleOtherName": "middle_other_name",
    "MiddleNames": "middle_other_name",
    "FamilyName": "family_name",
    "PreferredGivenName": "preferred_given_name",
    "PreviousFamilyName": "previous_family_name",
    "FamilyNameAtAge16": "family_name_at_16",
    "SchoolAtAge16": "school_at_16",
    "LastKnownAddressLine1": "last_known_address_line1",
    "LastKnownAddressLine2": "last_known_address_line2",
    "LastKnownAddressTown": "last_known_address_town",
    "LastKnownAddressCountyOrCity": "last_known_address_county_or_city",
    "LastKnownPostCode": "last_known_postcode",
    "DateOfAddressCapture": "date_of_address_capture",
    "DateOfBirth": "date_of_birth",
    "PlaceOfBirth": "place_of_birth",
    "Gender": "gender",
    "EmailAddress": "email_address",
    "Nationality": "nationality",
    "ScottishCandidateNumber": "scottish_candidate_number",
    "UPN": "upn",
    "UCI": "uci",
    "VerificationType": "verification_type",
    "OtherVerificationDescription": "other_verification_description",
    "AbilityToShare": "ability_to_share",
    "PrivacyNoticeSeen": "ability_to_share",
    "Notes": "notes",
}

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y%m%d")


_DATE_SHAPES = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/-]\d{1,2}[/-]\d{4}|\d{8}")


def has_date_form(value: str) -> bool:
    """Whether the value is written in a date form `parse_date` reads (real date or not)."""
    return _DATE_SHAPES.fullmatch(value.strip()) is not None


def parse_date(value: str) -> datetime.date | None:
    """A date in ISO (YYYY-MM-DD) or British (DD/MM/YYYY) form; None when blank or unreadable."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    return None
