"""Unique Pupil Number (UPN): the 13-character pupil identifier used by English schools.

Layout: check letter, LA number (3 digits), DfE establishment number (4), year (2), serial (3).
A temporary UPN replaces the last serial digit with a letter.

Check letter (lrs-domain §2.1): with the 23-letter alphabet ``ABCDEFGHJKLMNPQRTUVWXYZ`` (I, O and
S omitted) numbered 0-22, multiply the value of each of characters 2-13 by its position (2-13),
where a digit's value is itself and a letter's value is its alphabet index; the check letter is
the alphabet letter at ``sum mod 23``.

The error messages are the wording DfE validation services use ("UPN invalid (...)").
"""

from typing import Final

from lrs.identifiers._text import is_ascii_digits
from lrs.identifiers.errors import IdentifierError
from lrs.identifiers.la_codes import RECOGNISED_LA_CODES

__all__ = ["is_temporary_upn", "is_valid_upn", "upn_check_letter", "validate_upn"]

_ALPHABET: Final = "ABCDEFGHJKLMNPQRTUVWXYZ"


def _is_body(body12: str) -> bool:
    """Return True when ``body12`` is 11 digits followed by a digit or an alphabet letter."""
    return (
        len(body12) == 12
        and is_ascii_digits(body12[:11])
        and (is_ascii_digits(body12[11]) or body12[11] in _ALPHABET)
    )


def upn_check_letter(body12: str) -> str:
    """Return the check letter (character 1) for UPN characters 2-13.

    Raises :class:`IdentifierError` (``upn_format``) unless ``body12`` is 11 digits followed by a
    digit or one of the 23 permitted letters (upper-case).
    """
    if not isinstance(body12, str) or not _is_body(body12):
        raise IdentifierError(
            "UPN check letter needs 11 digits then a digit or permitted letter", code="upn_format"
        )
    total = 0
    for position, char in enumerate(body12, start=2):
        value = int(char) if char.isdigit() else _ALPHABET.index(char)
        total += value * position
    return _ALPHABET[total % 23]


def validate_upn(value: object) -> str:
    """Return the UPN stripped and upper-cased, or raise :class:`IdentifierError`."""
    if not isinstance(value, str):
        raise IdentifierError("UPN must be a string", code="upn_type")
    cleaned = value.strip().upper()
    if len(cleaned) != 13:
        raise IdentifierError("UPN invalid (must be 13 characters)", code="upn_format")
    # The structural checks come first: a check letter is only meaningful over a well-formed body.
    if not is_ascii_digits(cleaned[4:12]):
        raise IdentifierError("UPN invalid (characters 5-12 not all numeric)", code="upn_numeric")
    last = cleaned[12]
    if not (is_ascii_digits(last) or last in _ALPHABET):
        raise IdentifierError(
            "UPN invalid (character 13 not a recognised value)", code="upn_char13"
        )
    if cleaned[1:4] not in RECOGNISED_LA_CODES:
        raise IdentifierError(
            "UPN invalid (characters 2-4 not a recognised LA code)", code="upn_la"
        )
    if cleaned[0] != upn_check_letter(cleaned[1:]):
        raise IdentifierError("UPN invalid (wrong check letter at character 1)", code="upn_check")
    return cleaned


def is_valid_upn(value: object) -> bool:
    """Return True when :func:`validate_upn` would accept ``value``."""
    try:
        validate_upn(value)
    except IdentifierError:
        return False
    return True


def is_temporary_upn(value: object) -> bool:
    """Return True when ``value`` is a valid temporary UPN (a letter in character 13)."""
    try:
        cleaned = validate_upn(value)
    except IdentifierError:
        return False
    return cleaned[12].isalpha()
