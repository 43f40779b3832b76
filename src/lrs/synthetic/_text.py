"""Text helpers for the synthetic data: accent folding, the register's name rule, typing slips."""

import re
import unicodedata
from typing import Final

from lrs.learners.prohibited_text import PROHIBITED_NAME_WORDS

# Letters that carry no combining mark in Unicode, so NFD decomposition alone leaves them as is.
_UNDECOMPOSABLE: Final = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ı": "i", "ß": "ss"}
)

# The register's name rule: Unicode letters, with single spaces, hyphens or apostrophes between
# runs of letters. Stricter than the register (no full stops), so every generated name passes.
_NAME: Final = re.compile(r"[^\W\d_]+(?:[ '\-][^\W\d_]+)*")

# The register's own list, so generated names always pass its rules.
PROHIBITED_WORDS: Final = PROHIBITED_NAME_WORDS

MAX_NAME_LENGTH: Final = 35

# Neighbouring keys on a UK QWERTY keyboard, for substitution and insertion slips.
KEYBOARD_NEIGHBOURS: Final[dict[str, str]] = {
    "q": "wa",
    "w": "qeas",
    "e": "wrsd",
    "r": "etdf",
    "t": "ryfg",
    "y": "tugh",
    "u": "yihj",
    "i": "uojk",
    "o": "ipkl",
    "p": "ol",
    "a": "qwsz",
    "s": "awedzx",
    "d": "serfxc",
    "f": "drtgcv",
    "g": "ftyhvb",
    "h": "gyujbn",
    "j": "huiknm",
    "k": "jiolm",
    "l": "kop",
    "z": "asx",
    "x": "zsdc",
    "c": "xdfv",
    "v": "cfgb",
    "b": "vghn",
    "n": "bhjm",
    "m": "njk",
}


def fold_accents(text: str) -> str:
    """Return ``text`` with diacritics removed: ``Siân`` -> ``Sian``, ``Michał`` -> ``Michal``."""
    decomposed = unicodedata.normalize("NFD", text.translate(_UNDECOMPOSABLE))
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", stripped)


def is_acceptable_name(name: str) -> bool:
    """Return True when ``name`` passes the register's rules for a name field.

    Letters, spaces, hyphens and apostrophes only, starting and ending with a letter; at most
    35 characters; no prohibited word such as ``test`` or ``unknown``.
    """
    if not name or len(name) > MAX_NAME_LENGTH or not _NAME.fullmatch(name):
        return False
    words = re.split(r"[ '\-]+", name.casefold())
    return not any(word in PROHIBITED_WORDS for word in words)


def email_part(name: str) -> str:
    """Return ``name`` as lower-case ASCII letters for an email: ``O'Brien`` -> ``obrien``."""
    return "".join(char for char in fold_accents(name).lower() if char.isascii() and char.isalpha())
