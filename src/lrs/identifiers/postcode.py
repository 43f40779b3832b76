"""UK postcodes: normalisation, format validation and the outward code / sector parts.

Canonical form: upper case, one space before the 3-character inward code (``CV4 9EE``), or
``BFPO n`` for British Forces Post Office numbers. Every canonical form fits the LRS
``LastKnownPostCode`` limit of 9 characters.

Accepted (lrs-domain §2.5, applied to the canonical form):

* ordinary postcodes, outward ``A9``, ``A99``, ``AA9``, ``AA99``, ``A9A`` or ``AA9A`` with the
  Royal Mail letter rules (no Q, V, X first; no I, J, Z second; restricted letters in the third
  and fourth positions), inward a digit and two letters other than C, I, K, M, O, V. The outward
  rule is stricter than the MoJ LRS client's ``[A-Z]{1,2}[0-9R][0-9A-Z]?``, the inward rule is
  the same;
* ``GIR 0AA`` (the old Girobank postcode, the one exception to the letter rules);
* ``BFPO`` followed by 1-4 digits;
* pseudo postcodes ``ZZ99 nXZ`` that stand for "unknown" or "no fixed abode" in ONS and NHS data,
  including :data:`DEFAULT_POSTCODE`.

Irish Eircodes and the overseas territories' four-letter postcodes (``ASCN 1ZZ``, ``STHL 1ZZ``,
...) are not accepted. Gibraltar's ``GX11 1AA`` has the UK shape and so passes: this is a format
check, not a lookup against the postcode address file.
"""

import re
import string
import unicodedata
from typing import Final

from lrs.identifiers.errors import IdentifierError

__all__ = [
    "DEFAULT_POSTCODE",
    "is_default_postcode",
    "is_valid_postcode",
    "normalise_postcode",
    "outward_code",
    "postcode_district",
    "postcode_sector",
    "validate_postcode",
]

DEFAULT_POSTCODE: Final = "ZZ99 9ZZ"
"""Postcode recorded when a learner's postcode is unknown (a ZZ99 pseudo postcode)."""

_INWARD: Final = r"[0-9][ABD-HJLNP-UW-Z]{2}"
_OUTWARD: Final = (
    r"(?:[A-PR-UWYZ][0-9]{1,2}"
    r"|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_ORDINARY: Final = re.compile(rf"{_OUTWARD} {_INWARD}")
_GIROBANK: Final = "GIR 0AA"
_BFPO: Final = re.compile(r"BFPO [0-9]{1,4}")
_BFPO_COMPACT: Final = re.compile(r"BFPO([0-9]{1,4})")
# ZZ99 pseudo postcodes break the ordinary letter rules (Z second, V or C in the inward code).
_PSEUDO: Final = re.compile(r"ZZ99 [0-9][A-Z]Z")

# Only ASCII letters are upper-cased: str.upper would turn some non-ASCII letters into ASCII
# ones (the long s becomes S, the dotless i becomes I) and so make garbage look like a postcode.
_ASCII_UPPER: Final = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)

_SHOWN_LENGTH: Final = 20


def _is_typed_noise(char: str) -> bool:
    """Return True for characters people type or paste around postcodes that carry no meaning."""
    # Category P covers punctuation such as - . , / and typographic dashes and quotes; Cf covers
    # invisible format characters (zero-width space, byte order mark) that arrive via copy-paste.
    category = unicodedata.category(char)
    return char.isspace() or category.startswith("P") or category == "Cf"


# The same test for every ASCII character, as a table for str.translate: almost every postcode
# is ASCII, and one translate costs less than a category look-up per character.
_ASCII_NOISE: Final = {code: None for code in range(128) if _is_typed_noise(chr(code))}


def normalise_postcode(value: str) -> str:
    """Return ``value`` upper-cased, without spaces or punctuation, with one space before the
    last three characters (``" cv49ee "`` -> ``"CV4 9EE"``); ``BFPO`` numbers become ``BFPO n``.

    The result is not validated; see :func:`validate_postcode`. Raises TypeError for non-strings.
    """
    if not isinstance(value, str):
        raise TypeError(f"postcode must be a string, not {type(value).__name__}")
    if value.isascii():
        compact = value.translate(_ASCII_NOISE).translate(_ASCII_UPPER)
    else:
        compact = "".join(char for char in value if not _is_typed_noise(char)).translate(
            _ASCII_UPPER
        )
    bfpo = _BFPO_COMPACT.fullmatch(compact)
    if bfpo:
        # A BFPO number has no inward code, so the last-three-characters rule would split it.
        return f"BFPO {bfpo.group(1)}"
    if len(compact) <= 3:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def _is_canonical_valid(canonical: str) -> bool:
    """Return True when an already normalised postcode has an accepted UK format."""
    return bool(
        canonical == _GIROBANK
        or _ORDINARY.fullmatch(canonical)
        or _BFPO.fullmatch(canonical)
        or _PSEUDO.fullmatch(canonical)
    )


def validate_postcode(value: object) -> str:
    """Return the normalised postcode, or raise :class:`IdentifierError` if it is not UK format."""
    if not isinstance(value, str):
        raise IdentifierError("Postcode must be a string", code="postcode_type")
    canonical = normalise_postcode(value)
    if not canonical:
        raise IdentifierError("A postcode is required", code="postcode_empty")
    if not _is_canonical_valid(canonical):
        shown = value.strip()
        if len(shown) > _SHOWN_LENGTH:
            shown = shown[: _SHOWN_LENGTH - 1] + "…"
        raise IdentifierError(f'"{shown}" is not a valid UK postcode', code="postcode_format")
    return canonical


def is_valid_postcode(value: object) -> bool:
    """Return True when ``value``, once normalised, is a UK postcode in an accepted format."""
    try:
        validate_postcode(value)
    except IdentifierError:
        return False
    return True


def is_default_postcode(value: object) -> bool:
    """Return True when ``value`` is any ZZ99 pseudo postcode, such as :data:`DEFAULT_POSTCODE`."""
    if not isinstance(value, str):
        return False
    return bool(_PSEUDO.fullmatch(normalise_postcode(value)))


def _split(value: object) -> tuple[str, str]:
    """Return the validated (outward, inward) parts; BFPO numbers have neither."""
    canonical = validate_postcode(value)
    if _BFPO.fullmatch(canonical):
        raise IdentifierError(
            "BFPO numbers have no outward code, district or sector", code="postcode_bfpo"
        )
    outward, inward = canonical.split(" ")
    return outward, inward


def outward_code(value: object) -> str:
    """Return the outward code (the part before the space): ``"cv49ee"`` -> ``"CV4"``.

    Raises :class:`IdentifierError` for invalid postcodes and for BFPO numbers.
    """
    return _split(value)[0]


def postcode_district(value: object) -> str:
    """Return the postcode district, which is the outward code (``"CV4"``)."""
    return outward_code(value)


def postcode_sector(value: object) -> str:
    """Return the postcode sector: outward code, a space and the inward digit (``"CV4 9"``).

    Raises :class:`IdentifierError` for invalid postcodes and for BFPO numbers.
    """
    outward, inward = _split(value)
    return f"{outward} {inward[0]}"
