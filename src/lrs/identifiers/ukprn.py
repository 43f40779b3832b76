"""UK Provider Reference Number (UKPRN): the 8-digit learning-provider number from the UKRLP.

Accepted range 10000000-99999999, the ILR schema's range (issued numbers so far start with 1).

Do not apply this to every field the LRS calls "UKPRN": the LRS web service types it as a string,
its test organisations use values such as ``TEST0038``, and awarding organisations appear with
6-digit codes (``100060``) or ``UNKNWN`` (lrs-domain §2.3).
"""

from lrs.identifiers._text import is_ascii_digits
from lrs.identifiers.errors import IdentifierError

__all__ = ["is_valid_ukprn", "validate_ukprn"]


def validate_ukprn(value: object) -> str:
    """Return the UKPRN with surrounding whitespace removed, or raise :class:`IdentifierError`."""
    if not isinstance(value, str):
        raise IdentifierError("UKPRN must be a string", code="ukprn_type")
    cleaned = value.strip()
    if len(cleaned) != 8 or not is_ascii_digits(cleaned) or cleaned[0] == "0":
        raise IdentifierError("UKPRN must be 8 digits starting 1-9", code="ukprn_format")
    return cleaned


def is_valid_ukprn(value: object) -> bool:
    """Return True when :func:`validate_ukprn` would accept ``value``."""
    try:
        validate_ukprn(value)
    except IdentifierError:
        return False
    return True
