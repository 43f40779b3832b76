"""Ofqual qualification number (QN, also QAN) and the matching 8-character LARS aim reference.

Forms accepted: ``NNN/NNNN/C`` (``600/1166/X``) and the same eight characters without slashes
(``6001166X``, as used for LARS ``LearnAimRef``). The canonical form returned is ``NNN/NNNN/C``.

Check character (lrs-domain §2.4): weight the seven digits 8, 7, ..., 2 and take ``sum mod 11``;
10 is written ``X``. No official statement of this rule was found: it was derived empirically and
holds for all 649 real numbers in the reference data, so treat it as very likely but unconfirmed.
"""

import re
from typing import Final

from lrs.identifiers._text import is_ascii_digits
from lrs.identifiers.errors import IdentifierError

__all__ = ["is_valid_qn", "qn_check_character", "validate_qn"]

_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2)
# [0-9] rather than \d: \d would also match other scripts' digits.
_SLASHED: Final = re.compile(r"[0-9]{3}/[0-9]{4}/[0-9X]")
_COMPACT: Final = re.compile(r"[0-9]{7}[0-9X]")


def qn_check_character(first7: str) -> str:
    """Return the check character (``0``-``9`` or ``X``) for the first seven digits of a QN.

    Raises :class:`IdentifierError` (``qn_format``) unless ``first7`` is exactly 7 ASCII digits.
    """
    if not isinstance(first7, str) or len(first7) != 7 or not is_ascii_digits(first7):
        raise IdentifierError("Qualification number check needs exactly 7 digits", code="qn_format")
    total = sum(int(digit) * weight for digit, weight in zip(first7, _WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_qn(value: object) -> str:
    """Return the QN in canonical ``NNN/NNNN/C`` form, or raise :class:`IdentifierError`."""
    if not isinstance(value, str):
        raise IdentifierError("Qualification number must be a string", code="qn_type")
    cleaned = value.strip().upper()
    if _SLASHED.fullmatch(cleaned):
        compact = cleaned.replace("/", "")
    elif _COMPACT.fullmatch(cleaned):
        compact = cleaned
    else:
        raise IdentifierError(
            "Qualification number must look like NNN/NNNN/C or NNNNNNNC", code="qn_format"
        )
    if compact[7] != qn_check_character(compact[:7]):
        raise IdentifierError("Qualification number check character is wrong", code="qn_check")
    return f"{compact[:3]}/{compact[3:7]}/{compact[7]}"


def is_valid_qn(value: object) -> bool:
    """Return True when :func:`validate_qn` would accept ``value`` (either form)."""
    try:
        validate_qn(value)
    except IdentifierError:
        return False
    return True
