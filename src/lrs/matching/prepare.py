"""Normalised forms of a person's details, computed once and shared by blocking and comparison.

A search scores up to a few hundred candidates, so every string operation that does not depend
on the other side of a comparison is done here, once per ``PersonDetails``, and cached.
"""

from __future__ import annotations

import datetime
import functools
import re
from typing import NamedTuple

import jellyfish

from lrs.matching.nicknames import given_name_keys
from lrs.matching.normalise import (
    DEFAULT_POSTCODE_AREA,
    NAME_PARTICLES,
    canonical_mac,
    normalise_gender,
    normalise_name,
    normalise_postcode,
    strip_prefix,
)
from lrs.matching.types import PersonDetails

__all__ = [
    "PREPARED_CACHE_SIZE",
    "Prepared",
    "compared_district",
    "compared_names",
    "phonetic",
    "prepare_uncached",
    "prepared",
]


@functools.lru_cache(maxsize=65536)
def phonetic(name: str) -> str:
    """Return the Metaphone code of a compact normalised name, or the name if it has none.

    Metaphone is used rather than Soundex or NYSIIS because it codes sounds, not first letters:
    Catherine/Kathryn, Philip/Filip, Stephenson/Stevenson and David/Dafydd share a code, where
    Soundex keeps the first letter and NYSIIS keeps "ph" apart from "v". Names in scripts it
    does not code (Greek, Cyrillic, Chinese) fall back to the name itself.
    """
    code = jellyfish.metaphone(name) if name.isascii() else ""
    return code or name


def _surname_parts(normalised: str) -> tuple[str, ...]:
    """Return the compact whole surname and its words, Mac/Mc unified, particles dropped.

    "O Brien-Smith" -> ("obriensmith", "brien", "smith"); the parts serve the tip about
    double-barrelled names, where either part may have been recorded alone.
    """
    words = normalised.split()
    if not words:
        return ()
    parts = [canonical_mac("".join(words))]
    if len(words) > 1:
        parts.extend(
            canonical_mac(word) for word in words if len(word) >= 2 and word not in NAME_PARTICLES
        )
    return tuple(dict.fromkeys(parts))


def _heads(given_first: str, groups: frozenset[str]) -> tuple[str, ...]:
    """Return at most three name heads that survive a nickname: the first two characters of
    the Metaphone code of the name and of each of its nickname groups (the group's own name).

    Bob gives ("BB", "RB"), Robert ("RB",), Nell ("NL", "EL", "HL") for Eleanor and Helen;
    beyond three the groups first in alphabetical order are kept, so queries and records agree
    on the choice. A name Metaphone does not code (another script) is its own code.
    """
    if not given_first:
        return ()
    heads = [_head(given_first), *(_head(group) for group in sorted(groups))]
    return tuple(dict.fromkeys(head for head in heads if head))[:3]


def _head(name: str) -> str:
    return (phonetic(name) or name)[:2]


class _Given(NamedTuple):
    compact: str
    words: tuple[str, ...]
    first: str
    phonetic: str
    groups: frozenset[str]
    heads: tuple[str, ...]


class _Family(NamedTuple):
    plain: str  # compact as written
    canonical: str  # compact, Mac/Mc unified
    parts: tuple[str, ...]
    phonetic: str
    stripped: str  # canonical without a leading prefix


class _Postcode(NamedTuple):
    normalised: str
    default: bool
    sector: str
    district: str


@functools.lru_cache(maxsize=65536)
def _given(name: str) -> _Given:
    words = tuple(normalise_name(name).split())
    first = words[0] if words else ""
    groups = given_name_keys(name) if words else frozenset()
    return _Given(
        compact="".join(words),
        words=words,
        first=first,
        phonetic=phonetic(first) if first else "",
        groups=groups,
        heads=_heads(first, groups),
    )


@functools.lru_cache(maxsize=65536)
def _family(name: str) -> _Family:
    normalised = normalise_name(name)
    plain = normalised.replace(" ", "")
    canonical = canonical_mac(plain)
    return _Family(
        plain=plain,
        canonical=canonical,
        parts=_surname_parts(normalised),
        phonetic=phonetic(canonical) if canonical else "",
        stripped=strip_prefix(canonical),
    )


@functools.lru_cache(maxsize=65536)
def _postcode(raw: str) -> _Postcode:
    return _split_postcode(normalise_postcode(raw))


def _split_postcode(normalised: str) -> _Postcode:
    """The fields of a postcode already normalised (``normalise_postcode``)."""
    spaced = " " in normalised
    return _Postcode(
        normalised=normalised,
        # is_default_postcode on a normalised postcode (normalising again changes nothing)
        default=normalised.startswith(DEFAULT_POSTCODE_AREA),
        sector=normalised[:-2] if spaced else "",
        district=normalised.partition(" ")[0],
    )


# Text already in the form ``normalise_postcode`` gives a postcode of five to seven letters
# and digits: upper-case ASCII letters and digits, one space before the last three. The
# register stores postcodes so (``learners.validation``), so a candidate's postcode needs no
# normalising; at ten million learners nearly every one misses ``_postcode``'s cache.
_CANONICAL_POSTCODE = re.compile(r"[0-9A-Z]{2,4} [0-9A-Z]{3}")


@functools.lru_cache(maxsize=4096)
def _compact(text: str) -> str:
    return normalise_name(text).replace(" ", "")


@functools.lru_cache(maxsize=256)
def _identifier(text: str) -> str:
    return text.strip().upper().replace(" ", "")


class Prepared(NamedTuple):
    """Precomputed, normalised view of one ``PersonDetails``.

    A named tuple rather than a frozen dataclass: it is built for every candidate of every
    search, and tuples are the cheapest immutable objects to build.
    """

    details: PersonDetails
    given: str  # compact normalised given name ("marysue" for "Mary-Sue")
    given_words: tuple[str, ...]  # its words ("mary", "sue")
    given_first: str  # first word, the name a person is usually called by
    given_phonetic: str
    given_groups: frozenset[str]  # nickname group ids
    given_heads: tuple[str, ...]  # code heads of the given name and of its groups (`_heads`)
    preferred: str
    preferred_groups: frozenset[str]
    middle: str  # compact middle names
    middle_words: tuple[str, ...]
    family: str  # compact, Mac/Mc unified ("mcdonald")
    family_plain: str  # compact as written ("macdonald"), for telling exact from prefix
    family_parts: tuple[str, ...]  # whole and each part of a double-barrelled name
    family_phonetic: str
    family_stripped: str  # without a leading prefix such as O' or Mac
    previous: str  # previous family name, compact, Mac/Mc unified
    previous_parts: tuple[str, ...]
    date_of_birth: datetime.date
    gender: str  # "0", "1", "2" or "9"
    postcode: str  # normalised, with one space; "" when absent
    postcode_default: bool  # a ZZ99 pseudo-postcode
    postcode_sector: str  # outward code and first inward character ("SW1A 1")
    postcode_district: str  # outward code ("SW1A")
    place_of_birth: str
    email: str
    upn: str
    uci: str


def prepare_uncached(details: PersonDetails) -> Prepared:
    """Return the ``Prepared`` form of ``details`` without the cache of ``prepared``."""
    # The cached parts unpacked in their fields' order (``_Given``, ``_Family``): one step,
    # where reading eleven named fields cost as much as both cache look-ups.
    given, given_words, given_first, given_phonetic, given_groups, given_heads = _given(
        details.given_name
    )
    family_plain, family, family_parts, family_phonetic, family_stripped = _family(
        details.family_name
    )
    middle_words = (
        tuple(normalise_name(details.middle_names).split()) if details.middle_names else ()
    )
    postcode = details.postcode
    if _CANONICAL_POSTCODE.fullmatch(postcode):
        # ``_postcode`` of a canonical postcode, without its cache: the text is its own
        # normalised form.
        postcode, postcode_default, postcode_sector, postcode_district = _split_postcode(postcode)
    elif postcode:
        postcode, postcode_default, postcode_sector, postcode_district = _postcode(postcode)
    else:
        postcode_default, postcode_sector, postcode_district = False, "", ""
    if details.preferred_given_name:
        preferred = _given(details.preferred_given_name)
        preferred_compact, preferred_groups = preferred.compact, preferred.groups
    else:
        preferred_compact, preferred_groups = "", _NO_GROUPS
    if details.previous_family_name:
        previous = _family(details.previous_family_name)
        previous_canonical, previous_parts = previous.canonical, previous.parts
    else:
        previous_canonical, previous_parts = "", ()
    # Positional, in the field order of ``Prepared``: a named tuple built from 29 keyword
    # arguments cost as much as all the normalising above (its cached parts are looked up).
    return _new_prepared(
        Prepared,
        (
            details,
            given,
            given_words,
            given_first,
            given_phonetic,
            given_groups,
            given_heads,
            preferred_compact,
            preferred_groups,
            "".join(middle_words),
            middle_words,
            family,
            family_plain,
            family_parts,
            family_phonetic,
            family_stripped,
            previous_canonical,
            previous_parts,
            details.date_of_birth,
            normalise_gender(details.gender),
            postcode,
            postcode_default,
            postcode_sector,
            postcode_district,
            _compact(details.place_of_birth) if details.place_of_birth else "",
            details.email.strip().casefold() if details.email else "",
            _identifier(details.upn) if details.upn else "",
            _identifier(details.uci) if details.uci else "",
        ),
    )


_NO_GROUPS: frozenset[str] = frozenset()
_new_prepared = tuple.__new__

# How many people ``prepared`` keeps. A search prepares its candidates through the cache, so a
# learner retrieved again (a common name, a learner searched twice, the register an in-memory
# index prepared) is not prepared again; sized to hold a register of 100,000 learners with its
# searches (with 16,384, the 5,000 searches of ``bench.matching`` would prepare about 13,800 of
# their 18,912 candidates again; with this size, none). Memory when
# full, measured with tracemalloc on generated learners: about 80 MiB (636 bytes a person)
# when the caller keeps the details too (an in-memory index), about 130 MiB (1,044 bytes)
# when the cache holds the only reference (details built from rows for one search); the
# name and postcode caches above are bounded on their own. Guarded by
# ``tests/matching/test_prepared_cache.py``.
PREPARED_CACHE_SIZE = 131_072


@functools.lru_cache(maxsize=PREPARED_CACHE_SIZE)
def prepared(details: PersonDetails) -> Prepared:
    """Return the cached ``Prepared`` form of ``details``.

    ``prepared.cache_info()`` counts the people prepared (misses) and those found prepared
    (hits); a candidate seen by a second search is a hit.
    """
    return prepare_uncached(details)


def compared_district(postcode: str) -> str:
    """The postcode district (outward code) as an exact postcode comparison sees it
    (``Prepared.postcode_district``); "" for a missing or ZZ99 pseudo-postcode, which never
    agrees exactly."""
    parsed = _postcode(postcode)
    return "" if not parsed.normalised or parsed.default else parsed.district


def compared_names(given_name: str, family_name: str) -> tuple[str, str]:
    """The given and family names as an exact comparison sees them (``Prepared.given`` and
    ``Prepared.family_plain``), for counting how often each occurs (term frequencies)."""
    return _given(given_name).compact, _family(family_name).plain
