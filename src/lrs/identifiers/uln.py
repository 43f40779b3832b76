"""Unique Learner Number (ULN): the 10-digit learner identifier issued by the LRS.

Check digit rule (lrs-domain §1, confirmed by two independent implementations): weight the first
nine digits 10, 9, ..., 2 and sum them; with ``R = sum mod 11`` the number is invalid when
``R == 0``, otherwise the tenth digit must be ``10 - R``.

Policy for this register:

* ``9999999999`` (:data:`TEMPORARY_ULN`) is the ILR's placeholder for "ULN not yet known". It fails
  the checksum anyway, and :func:`validate_uln` rejects it with its own error code so callers can
  explain why.
* A ULN beginning with ``0`` is never issued here (:func:`generate_uln`, :func:`is_issuable_uln`),
  because the ILR rejects numeric ULNs below 1000000000. Validation itself follows the pure
  checksum, so ``is_valid_uln("0000000042")`` is True: such a value is well formed, just not one
  this register would hand out.
"""

import operator
import random
import secrets
from typing import Final

from lrs.identifiers._text import is_ascii_digits
from lrs.identifiers.errors import IdentifierError

__all__ = [
    "TEMPORARY_ULN",
    "generate_uln",
    "is_issuable_uln",
    "is_valid_uln",
    "uln_check_digit",
    "validate_uln",
]

TEMPORARY_ULN: Final = "9999999999"
"""The ILR's temporary ULN; never a real learner's number and not valid for this register."""

_WEIGHTS: Final = (10, 9, 8, 7, 6, 5, 4, 3, 2)

# One shared OS-entropy generator: issued ULNs must not be predictable from earlier ones, which a
# seeded Mersenne Twister (the ``random`` module default) would allow.
_SYSTEM_RANDOM: Final[random.Random] = secrets.SystemRandom()


def uln_check_digit(first9: str) -> int | None:
    """Return the check digit for the first nine ULN digits, or None when none is possible.

    Raises :class:`IdentifierError` (``uln_format``) unless ``first9`` is exactly nine ASCII digits.
    """
    if len(first9) != len(_WEIGHTS) or not is_ascii_digits(first9):
        raise IdentifierError("ULN check digit needs exactly 9 digits", code="uln_format")
    total: int = sum(map(operator.mul, map(int, first9), _WEIGHTS))
    remainder = total % 11
    if remainder == 0:
        return None
    return 10 - remainder


def validate_uln(value: object) -> str:
    """Return the ULN with surrounding whitespace removed, or raise :class:`IdentifierError`."""
    if not isinstance(value, str):
        raise IdentifierError("ULN must be a string", code="uln_type")
    cleaned = value.strip()
    if len(cleaned) != 10 or not is_ascii_digits(cleaned):
        raise IdentifierError("ULN must be 10 digits", code="uln_format")
    if cleaned == TEMPORARY_ULN:
        raise IdentifierError(
            "ULN 9999999999 is the temporary ULN, not a learner's number", code="uln_temporary"
        )
    expected = uln_check_digit(cleaned[:9])
    if expected is None:
        raise IdentifierError(
            "ULN is not valid: no check digit exists for its first nine digits", code="uln_check"
        )
    if int(cleaned[9]) != expected:
        raise IdentifierError("ULN check digit is wrong", code="uln_check")
    return cleaned


def is_valid_uln(value: object) -> bool:
    """Return True when :func:`validate_uln` accepts ``value``; a leading 0 is allowed here."""
    try:
        validate_uln(value)
    except IdentifierError:
        return False
    return True


def is_issuable_uln(value: object) -> bool:
    """Return True when ``value`` is a valid ULN this register could issue (first digit 1-9)."""
    return is_valid_uln(value) and isinstance(value, str) and value.strip()[0] != "0"


def generate_uln(rng: random.Random | None = None) -> str:
    """Return a random valid ULN whose first digit is 1-9.

    ``rng`` exists so tests can pass a seeded generator; by default the operating system's
    entropy source is used so issued numbers cannot be guessed. Uniqueness against the register
    is the caller's job.
    """
    source = _SYSTEM_RANDOM if rng is None else rng
    while True:
        # randrange over [10**8, 10**9) gives nine digits without a leading zero.
        first9 = str(source.randrange(100_000_000, 1_000_000_000))
        check = uln_check_digit(first9)
        # About 1 in 11 prefixes has remainder 0 and no check digit: draw again.
        if check is not None:
            return f"{first9}{check}"
