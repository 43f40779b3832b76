"""Normalisation of names, postcodes and dates before they are compared or indexed.

The rules follow the search tips of the user guide (Appendix B): accents, apostrophes, spaces,
hyphens and case never make two names different ("Siân" is "Sian", "O'Brien" is "OBrien" is
"O Brien"), Mc and Mac are one prefix, and a date of birth may have its day and month swapped or
be recorded as the first of the month.
"""

from __future__ import annotations

import datetime
import functools
import unicodedata

__all__ = [
    "NAME_PARTICLES",
    "canonical_mac",
    "compact_name",
    "dob_variants",
    "is_default_postcode",
    "name_tokens",
    "normalise_gender",
    "normalise_name",
    "normalise_postcode",
    "strip_prefix",
]

# Dropped when they lead a name that has more words: a title typed into the name box is not
# part of the name. A name that is nothing but a title is left alone, so nothing becomes empty.
_TITLES = frozenset(
    {
        "mr",
        "mrs",
        "miss",
        "ms",
        "mx",
        "master",
        "dr",
        "prof",
        "professor",
        "rev",
        "revd",
        "reverend",
        "sir",
        "dame",
        "lady",
        "lord",
        "fr",
    }
)

# Generational suffixes ("Jr", "III") are dropped from the end for the same reason: the tips ask
# for a search "with and without a prefix/suffix".
_SUFFIXES = frozenset({"jr", "jnr", "junior", "sr", "snr", "senior", "ii", "iii", "iv"})

# Prefixes and particles that stand apart in some records ("O Brien", "Van Dyke", "St John").
# They are too common to index on their own, and a surname may be recorded with or without one.
NAME_PARTICLES = frozenset(
    {
        "o",
        "mc",
        "mac",
        "fitz",
        "ap",
        "ab",
        "de",
        "di",
        "da",
        "du",
        "del",
        "della",
        "der",
        "des",
        "dos",
        "le",
        "la",
        "van",
        "von",
        "ten",
        "ter",
        "st",
        "saint",
        "al",
        "el",
        "bin",
        "ben",
        "ibn",
    }
)

# Prefixes that may be glued to the rest of a surname once apostrophes and spaces are gone,
# longest first so "mac" wins over "mc" and "fitz" is tried before shorter ones.
_GLUED_PREFIXES = ("fitz", "mac", "van", "von", "mc", "de", "le", "la", "st", "o")

# Apostrophe-like marks are deleted rather than turned into spaces, so "O'Brien" -> "obrien".
_APOSTROPHES = frozenset("'’‘`´ʼʻʹ′")

# Letters that Unicode does not decompose into a base letter plus an accent.
_LETTER_MAP = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ħ": "h",
        "ı": "i",
        "ŧ": "t",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ß": "ss",
    }
)


# For plain ASCII text, which most names are: apostrophes deleted, other non-letters spaced.
_ASCII_MAP = str.maketrans(
    {
        chr(code): (None if chr(code) in _APOSTROPHES else " ")
        for code in range(128)
        if not chr(code).isalpha()
    }
)


def _normalise_once(text: str) -> str:
    if text.isascii():
        text = text.lower().translate(_ASCII_MAP)
    else:
        # Case-fold before and after decomposition: compatibility forms can decompose to
        # capitals and some capitals fold to a letter plus a combining mark.
        text = unicodedata.normalize("NFKD", text.casefold())
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = text.casefold().translate(_LETTER_MAP)
        text = "".join("" if ch in _APOSTROPHES else (ch if ch.isalpha() else " ") for ch in text)
    tokens = text.split()
    while len(tokens) > 1 and tokens[0] in _TITLES:
        tokens.pop(0)
    while len(tokens) > 1 and tokens[-1] in _SUFFIXES:
        tokens.pop()
    return " ".join(tokens)


@functools.lru_cache(maxsize=65536)
def normalise_name(name: str) -> str:
    """Return ``name`` case-folded, without accents, titles, apostrophes or punctuation.

    Words are separated by single spaces: "Mr Seán O'Brien-Smith" -> "sean obrien smith".
    Cached: names follow a steep popularity curve, so most calls are repeats.
    """
    # Repeat until stable, which makes the function idempotent even for the rare characters
    # whose case folding or decomposition produces something that would change again.
    current = name
    for _ in range(4):
        following = _normalise_once(current)
        if following == current:
            break
        current = following
    return current


def compact_name(name: str) -> str:
    """Return the normalised name without spaces: "O Brien", "O'Brien" and "OBrien" agree."""
    return normalise_name(name).replace(" ", "")


def name_tokens(name: str) -> tuple[str, ...]:
    """Return the words of a normalised name, then the joined form when there is more than one.

    "Smith-Jones" -> ("smith", "jones", "smithjones"), so either part of a double-barrelled name
    and the name written without its hyphen can all be matched.
    """
    words = normalise_name(name).split()
    if len(words) > 1:
        words.append("".join(words))
    return tuple(dict.fromkeys(words))


def canonical_mac(name: str) -> str:
    """Unify the Mac and Mc prefixes of a compact normalised surname.

    "macdonald" and "mcdonald" both become "mcdonald". Only names of six letters or more are
    changed, which keeps short names such as "mace" or "macey" as they are; because the same
    rule runs on both sides of every comparison, a rare false prefix does no harm.
    """
    if len(name) >= 6 and name.startswith("mac"):
        return "mc" + name[3:]
    return name


def strip_prefix(name: str) -> str:
    """Return a compact surname without a leading prefix such as O', Mac, Mc, Fitz or Van.

    The remainder must keep at least three letters; otherwise the name is returned unchanged.
    """
    for prefix in _GLUED_PREFIXES:
        if name.startswith(prefix) and len(name) - len(prefix) >= 3:
            return name[len(prefix) :]
    return name


def normalise_postcode(postcode: str) -> str:
    """Return a UK postcode in upper case with one space before the inward code ("SW1A 1AA").

    Text too short or too long to be a postcode is returned upper-cased without spaces, so that
    it can still be compared for equality.
    """
    compact = postcode.upper().replace(" ", "")
    if not compact.isalnum():
        compact = "".join(ch for ch in compact if ch.isalnum())
    if 5 <= len(compact) <= 7:
        return f"{compact[:-3]} {compact[-3:]}"
    return compact


# The start of every pseudo-postcode (ZZ99 9ZZ, the agreed default, and its kin).
DEFAULT_POSTCODE_AREA = "ZZ99"


def is_default_postcode(postcode: str) -> bool:
    """Tell whether a postcode is a ZZ99 pseudo-postcode, such as the agreed default ZZ99 9ZZ.

    All ZZ99 codes (no fixed abode, overseas, unknown) say nothing about where a person lives.
    """
    return normalise_postcode(postcode).startswith(DEFAULT_POSTCODE_AREA)


@functools.lru_cache(maxsize=16)
def normalise_gender(gender: str) -> str:
    """Return "1" (male), "2" (female) or the unknown codes "0" and "9" as given.

    Anything else, including an empty string, is "0" (not known).
    """
    value = gender.strip().casefold()
    if value in {"1", "m", "male"}:
        return "1"
    if value in {"2", "f", "female"}:
        return "2"
    if value == "9":
        return "9"
    return "0"


def dob_variants(date_of_birth: datetime.date) -> tuple[datetime.date, ...]:
    """Return the date, the date with day and month swapped, and the first of its month.

    The swapped date is included only when it is a valid, different date (day 12 or less and
    not equal to the month); the first of the month only when the day is not already 1.
    """
    variants = [date_of_birth]
    if date_of_birth.day <= 12 and date_of_birth.day != date_of_birth.month:
        variants.append(date_of_birth.replace(day=date_of_birth.month, month=date_of_birth.day))
    if date_of_birth.day != 1:
        variants.append(date_of_birth.replace(day=1))
    return tuple(variants)
