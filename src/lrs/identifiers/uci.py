"""Unique Candidate Identifier (UCI): the 13-character exam candidate number used by JCQ boards.

Layout (lrs-domain §2.2): centre number (5 digits), board identifier (1), year of registration
(2), candidate number 0001-9999 (4), check letter (1).

Only all-digit bodies are accepted: the published rule weights digits, and how a letter in
position 6 (Pearson's ``B`` for international centres) would be weighted is not documented.
"""

from typing import Final

from lrs.identifiers._text import is_ascii_digits
from lrs.identifiers.errors import IdentifierError

__all__ = ["is_valid_uci", "uci_check_letter", "validate_uci"]

# The 17-letter table most commonly cited for UCIs; only index 6 (G) is confirmed, by the WJEC
# worked example 681990012058G, so see uci_check_letter's docstring before relying on the others.
_TABLE: Final = "ABCDEFGHKLMRTVWXY"
_WEIGHTS: Final = tuple(range(16, 4, -1))


def uci_check_letter(body12: str) -> str:
    """Return the check letter for the first 12 characters of a UCI.

    Weights 16, 15, ..., 5 are applied to the 12 digits and ``sum mod 17`` indexes the table
    ``ABCDEFGHKLMRTVWXY``. That table is the commonly cited one: it reproduces the WJEC example
    ``681990012058G`` (remainder 6 -> G), but the JCQ's own copy has not been checked.

    Raises :class:`IdentifierError` (``uci_format``) unless ``body12`` is exactly 12 ASCII digits.
    """
    if not isinstance(body12, str) or len(body12) != 12 or not is_ascii_digits(body12):
        raise IdentifierError("UCI check letter needs exactly 12 digits", code="uci_format")
    total = sum(int(digit) * weight for digit, weight in zip(body12, _WEIGHTS, strict=True))
    return _TABLE[total % 17]


def validate_uci(value: object) -> str:
    """Return the UCI stripped and upper-cased, or raise :class:`IdentifierError`."""
    if not isinstance(value, str):
        raise IdentifierError("UCI must be a string", code="uci_type")
    cleaned = value.strip().upper()
    if len(cleaned) != 13:
        raise IdentifierError("UCI must be 13 characters", code="uci_format")
    if not is_ascii_digits(cleaned[:12]):
        raise IdentifierError("UCI characters 1-12 must be digits", code="uci_format")
    if cleaned[8:12] == "0000":
        raise IdentifierError(
            "UCI candidate number (characters 9-12) must be 0001-9999", code="uci_candidate"
        )
    if cleaned[12] != uci_check_letter(cleaned[:12]):
        raise IdentifierError("UCI check letter is wrong", code="uci_check")
    return cleaned


def is_valid_uci(value: object) -> bool:
    """Return True when :func:`validate_uci` would accept ``value``."""
    try:
        validate_uci(value)
    except IdentifierError:
        return False
    return True
