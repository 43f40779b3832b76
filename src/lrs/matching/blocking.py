"""Blocking keys: which registered learners are worth scoring for a search.

Each registered learner stores a handful of short keys (one database row per key). A search
computes its own keys and retrieves every learner sharing at least one. Recall comes from two
things: the query generates the variants the search tips ask a person to try by hand (user
guide, Appendix B), and no key needs every field, so a learner is found when any one of several
combinations survives. Selectivity comes from every key pairing a name-like part with a
date-like or place-like part.

Key kinds. Bucket sizes were measured on the project's synthetic register (``lrs.synthetic``)
at 1,000,000 learners: Welsh-heavy surnames (Jones, Williams, Davies each about 1.4%) and births
bunched at about 240 a day, so denser than the 183 a day of a million spread over 15 years.
"Mean" is the size-biased mean, the bucket a random learner's key lands in.

``D:<dob>|<family code head>``
    Date of birth and the first two characters of the Metaphone code of the family name (Mac/Mc
    unified), stored for the whole family name, each part of a double-barrelled one and the
    previous family name. Finds a learner whatever happened to the given name: nicknames,
    typos, middle name used as given name, missing middle names. Two code characters rather
    than one letter divide the bucket by about three and survive the commonest family-name
    slips (vowels, doubled letters, ph/f: Stephenson/Stevenson). Mean 4.9, largest 30.
``G:<dob>|<given phonetic>``
    Date of birth and Metaphone code of the first given name (and of the preferred given name).
    Finds a learner whatever happened to the family name: a name change without the previous
    name, a prefix dropped (O'Brien/Brien), typos in the family name. Mean 2.7, largest 20.
``N:<dob>|<nickname group>``
    Date of birth and a nickname group id (Bob and Robert share "robert"). Finds a learner known
    by a nickname whose family name also changed. Mean 3.4, largest 19.
``F:<family phonetic>|<yyyy-mm>|<given head>|<gender>``
    Metaphone code of the family name (or a part, or the previous name), birth month, a
    nickname-proof head of the given name (the first two characters of the Metaphone code of
    the name and of each nickname group it belongs to: Bob is stored under "BB" and "RB", as
    Robert is under "RB"), and the gender, "1" or "2" (a learner whose gender is not known or
    not specified stores both, and a search giving no gender looks both up). Finds a learner
    whose recorded day of birth differs, in particular a search on the first of the month for
    a learner recorded on the true day (the reverse of the "first of the month" tip, which the
    date variants cover), and a day mistyped. With the given name's initial in place of its
    head and without the gender, a bucket held a mean of 3.2 learners, largest 26, on the
    1M register; with them 1.14, largest 10 (at 10M, 2.38, largest 58; 5.83 and 87 with the
    gender but the initial). The searches they cost: a day mistyped and a move with, at once,
    the other gender recorded or a slip in the given name that changes its code's first two
    characters.
``P:<postcode>|<dob>``
    Postcode and date of birth. Finds a learner whose names were both recorded differently; also
    brings twins into view so that the decision step can keep them apart. Mean 1.0, largest 3.
``Q:<postcode>|<family phonetic>``
    Postcode and family name code: the household. Finds a learner whose date of birth was
    recorded wrongly beyond the swaps above (for example a 1 January stand-in for an unknown
    date). Mean 1.8, largest 8. Never made for a missing or ZZ99 default postcode, whose bucket
    would be huge; a search by the default postcode ("default postcode" tip) relies on the
    other kinds.
``A:<postcode area>|<family code>|<given code>``
    The first two characters of the postcode (the area, "CF" or "SW", or "B1" for a one-letter
    area) with the Metaphone codes of the family name and of the first given name (each stored
    for the family name, each part and the previous family name, and for the given and the
    preferred name). Finds a learner whose date of birth was recorded wholly wrong and whose
    postcode was mistyped or changed within the area: no other key survives both (FEBRL's
    corrupted duplicates, whose birth date is replaced and postcode digits swapped, were the
    largest group of learners never retrieved). Mean 1.04, largest 6 on 200,000 learners with
    the long tail of names; a search looks up the first two family forms with the first two
    given forms only.
``K:<dob>|<family phonetic>``
    Date of birth and the whole Metaphone code of the family name (each part and the previous
    family name too). A confirming key only: it never brings a learner in on its own, but counts
    as the second key that keeps a learner from a bounded bucket (below). It is what a search
    whose given name is unrecognisable (a middle name used as given name, a slip in its first
    letter, another name altogether) shares with the learner besides the D key when the
    postcode has changed too.
``U:<upn>``, ``C:<uci>``, ``E:<email digest>``
    Identifiers given by the learner; a bucket holds one learner, or a family sharing an email
    (mean 1.1, largest 7). The email is stored as a short digest: the key column holds 64
    characters.

A learner stores about 7 keys besides its K keys, about 8 with them (8.2 rows a learner on the
1M synthetic register with the long tail of names). A search of that register retrieved a
median of 24 candidates (90th percentile 51, largest 104) across all its keys.

Query-side variants (tips served): dates of birth with day and month swapped and the first of
the month ("swap month and day", "first of the month"); family names from the previous family
name ("swap previous name") and from the given name, with given names from the family name
("swap given name and family name"); given names from the preferred name and middle names
("preferred name", "middle name as given name"); each part of a double-barrelled name; Mac/Mc,
accents, apostrophes, hyphens and spaces are normalised away ("prefix", "double-barrelled").
Every variant list is capped and built in priority order, so a query never produces more than
``MAX_QUERY_KEYS`` keys and always includes the keys of the details exactly as given.

At national density. A register of 10,000,000 learners holds about ten times as many learners
per date of birth as one of a million, so the date keys' buckets grow about tenfold (the
postcode keys barely: a unit postcode and a date, or a household, stay rare). About half of a
search's (key, learner) pairs come from the search tips' variants, above all the other dates
tried (day and month swapped, the first of the month), which are there for a detail recorded
wrongly. `query_key_sets` marks the keys of the details as given as firm; `select_candidates`
keeps every learner under a firm key or in a bucket of at most ``MAX_OPEN_BUCKET``, and from a
larger bucket of a variant only the learners found under a second key as well: the learner
looked for agrees on that other date and on a name (D, G and N keys of the same date), the
postcode (P) or the month (F); a learner whose names were swapped round shares both the D and
the G key of the swap. On the proxy of ``bench/register.py --density-of`` (300,000 learners at
the density of 3,000,000, 2,000 synthetic searches, in memory) this cut the candidates fetched
from a mean of 54 (95th percentile 138) to 31 (67) and kept the learner searched for in every
one of the 1,600 re-keyed searches that reached it before.

A second key must say something else: the G and N keys of one date both say the given name
(a Robert born that day is under G:<date>|RBRT and N:<date>|robert alike), so they count as
one (`key_evidence`). The learner looked for under another date shares its D key too, or its P
key; the Roberts born on the swapped date with other family names and addresses, the largest
share of a crowded search's candidates kept by two keys, share only those two.

The firm D bucket (a date of birth and two letters of a family name's code: every Jones,
Jenkins and Johnson born that day) is the largest left at national density, about 40 learners;
a firm D bucket of more than ``MAX_FIRM_BUCKET`` is bounded the same way. Whatever happened to
the given name, the learner looked for shares a second key with such a search: a nickname the N
key, a slip after the first letter the F key, the same address the P, Q and A keys, and
otherwise the date with the family name's whole code, the K key (stored for that purpose alone,
about one row a learner). The other firm kinds (G, N, F and the rest) stay whole: bounding G as
well lost learners with a mistyped family name who had moved. Measured on 300,000 learners at
the density of 10,000,000 (in memory): candidates per search p50/p95 55/171 before, 29/99 after,
with the same 2,397 of 2,400 re-keyed synthetic searches reaching the learner looked for; of
1,500 searches with a slip in the given name's first letter and a move to another postcode area,
all 1,500 before and after (924 with the D bucket bounded and no K key); of 906 with the middle
name as given name and such a move, all 906. Still lost when the D bucket is crowded: a given
name unrecognisable, a family name whose code changed but not its first two letters, and a move,
all three at once.

The F keys with the given name's code head and the gender, and the G and N keys counted as one
second key (December 2026), measured by ``bench/blocking_recall.py`` (300,000 learners, in
memory, 2,000 searches of each kind; before -> after). At the density of 10,000,000 the query
generator's re-keyed learners fetched p50/p95/mean 30/98/38.1 candidates before and 25/61/28.4
after, at the density of 1,000,000 14/35/15.5 and 13/32/14.6, the same 1,599 of 1,600 reaching
the learner looked for. What it cost, all of it in searches with two or three details wrong
at once (10M density, then 1M): a day mistyped with a move and a slip in the given name, 98.5%
-> 82.0% and 81.5%; a slip in the given name with day and month swapped and a move, 98.9% ->
85.4% and 99.3% -> 95.9%; a family name changed without the previous one, day and month swapped
and a move, 91.7% -> 79.3% (at 1M 99.9% before and after); a day mistyped with the other gender
recorded, 100% -> 99.3%. A day mistyped with a move, alone or with the gender not known, and a
slip in the given name, the middle name given, a family name slipped or changed, each with a
move, are all found as before.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Collection, Mapping
from collections.abc import Set as AbstractSet
from typing import NamedTuple

from lrs.matching.normalise import dob_variants
from lrs.matching.prepare import Prepared, phonetic, prepared
from lrs.matching.types import PersonDetails

__all__ = [
    "BOUNDED_FIRM_KINDS",
    "CONFIRMING_KIND",
    "GIVEN_NAME_EVIDENCE",
    "GIVEN_NAME_KINDS",
    "MAX_FIRM_BUCKET",
    "MAX_OPEN_BUCKET",
    "MAX_QUERY_KEYS",
    "QueryKeys",
    "keeps_bucket",
    "key_evidence",
    "learner_keys",
    "prepared_learner_keys",
    "prepared_query_key_sets",
    "prepared_query_keys",
    "query_key_sets",
    "query_keys",
    "select_candidates",
]

MAX_QUERY_KEYS = 64

# A bucket of another date's keys (`select_candidates`) with more learners than this keeps only
# those sharing a second key with the search. At 1,000,000 learners a bucket a search lands in
# holds a few learners (see above), so this bounds only national-density buckets.
MAX_OPEN_BUCKET = 8

# A firm D bucket (`select_candidates`) with more learners than this keeps only those sharing a
# second key with the search. At 1,000,000 learners a D bucket holds about 5 (largest 30), at
# 10,000,000 about 40.
MAX_FIRM_BUCKET = 16

# Kinds of key and what `select_candidates` does with them: the firm keys of BOUNDED_FIRM_KINDS
# are bounded at MAX_FIRM_BUCKET, and a CONFIRMING_KIND key only ever counts as a second key.
BOUNDED_FIRM_KINDS = frozenset({"D"})
CONFIRMING_KIND = "K"

# Kinds of key that count together as one second key (`select_candidates`): the given name's.
GIVEN_NAME_KINDS = frozenset({"G", "N"})
GIVEN_NAME_EVIDENCE = "G"

# The genders (`normalise_gender`) the F keys split their buckets by.
_KNOWN_GENDERS = ("1", "2")

# Keys are stored in a 64-character column; name codes are cut to this length so that even a
# long name in a script Metaphone does not code (kept as written) fits.
_MAX_CODE_LENGTH = 20

# Caps on the variant lists of a query. With three dates of birth, two birth months and at most
# three given-name heads the count can reach D 3*5 + G 3*4 + N 3*3 + F 2*2*3 + P 3 + Q 5 +
# A 2*2 + U, C, E 3 = 63 (the F keys twice over for a gender not known); the final cut at
# MAX_QUERY_KEYS only ever drops trailing variants.
_MAX_FAMILY_FORMS = 5
_MAX_MONTH_FAMILY_FORMS = 2
_MAX_GIVEN_FORMS = 4
_MAX_GROUPS = 3
# Family and given forms a search pairs with its postcode area (the details as given, the
# second family part or previous name, the preferred name).
_MAX_AREA_FORMS = 2


@functools.lru_cache(maxsize=65536)
def _code(name: str) -> str:
    return phonetic(name)[:_MAX_CODE_LENGTH]


def _email_digest(email: str) -> str:
    # Addresses can be longer than the key column; a digest keeps the key short and keeps the
    # address itself out of the index.
    return hashlib.blake2b(email.encode(), digest_size=10).hexdigest()


def _first_unique(items: list[str], limit: int) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))[:limit]


class _FamilyCodes(NamedTuple):
    codes: tuple[str, ...]  # of the family forms, for the household keys
    own: tuple[str, ...]  # of the person's own family names, for the month keys
    heads: tuple[str, ...]  # two characters of each family form's code


@functools.lru_cache(maxsize=65536)
def _family_codes(
    family_forms: tuple[str, ...], own_forms: tuple[str, ...], own_limit: int
) -> _FamilyCodes:
    """The codes `_build` pairs with dates, months and postcodes; cached, as family names
    repeat across a register (a bulk import works out the keys of millions of learners)."""
    return _FamilyCodes(
        codes=tuple(_first_unique([_code(form) for form in family_forms], _MAX_FAMILY_FORMS)),
        # The month keys pair the person's own family names with their own given-name heads
        # only (not the swapped-name variants), which keeps their number down; D and G cover a
        # swap.
        own=tuple(_first_unique([_code(form) for form in own_forms], own_limit)),
        # Two characters of the family name's code: vowel slips, Mac/Mc, ph/f and th/t all keep
        # them.
        heads=tuple(dict.fromkeys(_code(form)[:2] for form in family_forms)),
    )


def _build(
    person: Prepared,
    dates: tuple[datetime.date, ...],
    family_forms: list[str],
    given_forms: list[str],
    groups: list[str],
    month_family_limit: int,
    area_limit: int,
) -> list[str]:
    """Return keys in priority order, so that truncating the list loses only rare variants.

    First the keys of the details as given (first date), then identifiers, then the month keys,
    then the area keys, then the keys of the other dates and the household keys.
    """
    iso_dates = [date.isoformat() for date in dates]
    months = list(dict.fromkeys(date[:7] for date in iso_dates))
    family_codes, own_family_codes, family_heads = _family_codes(
        tuple(family_forms), (*person.family_parts, *person.previous_parts), month_family_limit
    )
    postcode = person.postcode.replace(" ", "")[:_MAX_CODE_LENGTH]
    usable_postcode = bool(postcode) and not person.postcode_default

    def date_keys(date: str) -> list[str]:
        keys = [f"D:{date}|{head}" for head in family_heads]
        keys.extend(f"G:{date}|{_code(form)}" for form in given_forms)
        keys.extend(f"N:{date}|{group}" for group in groups)
        if usable_postcode:
            keys.append(f"P:{postcode}|{date}")
        return keys

    keys = date_keys(iso_dates[0])
    if person.upn:
        keys.append(f"U:{person.upn[:_MAX_CODE_LENGTH]}")
    if person.uci:
        keys.append(f"C:{person.uci[:_MAX_CODE_LENGTH]}")
    if person.email:
        keys.append(f"E:{_email_digest(person.email)}")
    if not person.given and not person.family and not person.preferred:
        # Given, family and preferred names normalised to nothing (punctuation only): fall back
        # to the birth date so the learner can still be found, at the cost of a broad bucket
        # for such rare records.
        keys.extend(f"X:{date}" for date in iso_dates)
    genders = _key_genders(person)
    for month in months:
        keys.extend(
            f"F:{code}|{month}|{head}|{gender}"
            for code in own_family_codes
            for head in person.given_heads
            for gender in genders
        )
    if usable_postcode:
        area = postcode[:2]
        keys.extend(
            f"A:{area}|{code}|{_code(form)}"
            for code in own_family_codes[:area_limit]
            for form in given_forms[:area_limit]
        )
    for date in iso_dates[1:]:
        keys.extend(date_keys(date))
    if usable_postcode:
        keys.extend(f"Q:{postcode}|{code}" for code in family_codes)
    return keys


def learner_keys(details: PersonDetails) -> frozenset[str]:
    """Return the keys to store for a registered learner."""
    return prepared_learner_keys(prepared(details))


def prepared_learner_keys(person: Prepared) -> frozenset[str]:
    """``learner_keys`` of a person already prepared."""
    family_forms = _first_unique(
        [*person.family_parts, *person.previous_parts], 2 * _MAX_FAMILY_FORMS
    )
    given_forms = _first_unique([person.given_first, person.preferred], _MAX_GIVEN_FORMS)
    groups = sorted(person.given_groups | person.preferred_groups)
    keys = _build(
        person,
        (person.date_of_birth,),
        family_forms,
        given_forms,
        groups,
        2 * _MAX_FAMILY_FORMS,
        2 * _MAX_FAMILY_FORMS,
    )
    keys.extend(_confirming_keys(person))
    return frozenset(keys)


def _confirming_keys(person: Prepared) -> list[str]:
    """The K keys (`CONFIRMING_KIND`) of a person: the date of birth with the whole code of each
    of their own family names, as a learner stores them and a search looks them up."""
    date = person.date_of_birth.isoformat()
    codes = _first_unique(
        [_code(form) for form in (*person.family_parts, *person.previous_parts)],
        2 * _MAX_FAMILY_FORMS,
    )
    return [f"{CONFIRMING_KIND}:{date}|{code}" for code in codes]


def _key_genders(person: Prepared) -> tuple[str, ...]:
    """The genders the F keys carry: the person's own, or both when it is not known or
    not specified ("0", "9"), so that a learner or a search of unknown gender meets either."""
    if person.gender in _KNOWN_GENDERS:
        return (person.gender,)
    return _KNOWN_GENDERS


def query_keys(details: PersonDetails) -> frozenset[str]:
    """Return the keys to look up for a search, including the search-tip variants."""
    return prepared_query_keys(prepared(details))


def prepared_query_keys(person: Prepared) -> frozenset[str]:
    """``query_keys`` of a person already prepared (the duplicate finder prepares each
    learner once)."""
    return prepared_query_key_sets(person).keys


class QueryKeys(NamedTuple):
    """A search's keys (``query_keys``) and, among them, the firm ones: the keys of the details
    as given (date of birth, names, postcode, identifiers). The rest are the search tips'
    variants: the other dates tried (day and month swapped, the first of the month) and their
    months, given and family names swapped round, middle names as given name; their large
    buckets are bounded (`select_candidates`), as are large firm D buckets.

    ``confirming``: the K keys (the date as given with the family names' whole codes), looked
    up beside ``keys`` by a search only to confirm a learner from a bounded bucket; they are
    not among ``keys``, so that the duplicate finder, which takes every learner sharing a key,
    does not retrieve by them."""

    keys: frozenset[str]
    firm: frozenset[str]
    confirming: frozenset[str] = frozenset()


def query_key_sets(details: PersonDetails) -> QueryKeys:
    """``query_keys`` with the firm keys among them marked (see `QueryKeys`)."""
    return prepared_query_key_sets(prepared(details))


def prepared_query_key_sets(person: Prepared) -> QueryKeys:
    """``query_key_sets`` of a person already prepared."""
    family_forms = _first_unique(
        [*person.family_parts, *person.previous_parts, person.given_first, person.given],
        _MAX_FAMILY_FORMS,
    )
    swapped_given = person.family_parts[0] if person.family_parts else ""
    given_forms = _first_unique(
        [person.given_first, person.preferred, swapped_given, *person.middle_words],
        _MAX_GIVEN_FORMS,
    )
    groups = [
        *sorted(person.given_groups),
        *sorted(person.preferred_groups - person.given_groups),
    ][:_MAX_GROUPS]
    dates = dob_variants(person.date_of_birth)
    keys = frozenset(
        list(
            dict.fromkeys(
                _build(
                    person,
                    dates,
                    family_forms,
                    given_forms,
                    groups,
                    _MAX_MONTH_FAMILY_FORMS,
                    _MAX_AREA_FORMS,
                )
            )
        )[:MAX_QUERY_KEYS]
    )
    # Firm: the keys of the details as given (date, names, their nickname groups), without the
    # other dates or the names swapped round or taken from the middle names.
    firm = _build(
        person,
        dates[:1],
        _first_unique([*person.family_parts, *person.previous_parts], _MAX_FAMILY_FORMS),
        _first_unique([person.given_first, person.preferred], _MAX_GIVEN_FORMS),
        groups,
        _MAX_MONTH_FAMILY_FORMS,
        _MAX_AREA_FORMS,
    )
    return QueryKeys(keys, keys.intersection(firm), frozenset(_confirming_keys(person)))


def select_candidates(found: Mapping[str, Collection[int]], firm: AbstractSet[str]) -> set[int]:
    """The learners worth scoring among those `found` under a search's keys (key -> learner
    ids, the confirming keys included): every learner under a firm key (`QueryKeys`) or in a
    bucket of at most ``MAX_OPEN_BUCKET``, and, from a larger bucket of another date's keys or
    a firm D bucket of more than ``MAX_FIRM_BUCKET``, only the learners that share a second key
    with the search, one that says something else (`key_evidence`: a G and an N key both say
    the given name). A confirming (K) key counts only as such a second key.

    The keys of the other dates tried are there for a date recorded wrongly, and the learner
    looked for then agrees on that other date and on the names as well (D, G and N keys of the
    same date, P with the postcode, F with the month): two keys. The strangers who share one
    such key only (born on the first of the month, say, with a family name of the same two
    code letters) are most of what a search at national density would fetch and score: on a
    register of 10,000,000 learners about 2,300 share each date of birth. The firm D key is
    there for a given name recorded differently, and the learner then shares another key as
    well (module docstring).
    """
    selected: set[int] = set()
    evidence: dict[int, set[str]] = {}
    for key, ids in found.items():
        if keeps_bucket(key, len(ids), firm):
            selected.update(ids)
        token = key_evidence(key)
        for learner in ids:
            evidence.setdefault(learner, set()).add(token)
    selected.update(learner for learner, tokens in evidence.items() if len(tokens) >= 2)
    return selected


def key_evidence(key: str) -> str:
    """What a key shared with the search says about a learner, for `select_candidates`' count
    of second keys: the key itself, except that every G and N key says one thing, the given
    name (born on that date and called John: the G and the N key of a John, or a Jon, agree
    together or not at all)."""
    return GIVEN_NAME_EVIDENCE if key[0] in GIVEN_NAME_KINDS else key


def keeps_bucket(key: str, size: int, firm: AbstractSet[str]) -> bool:
    """Whether every learner under `key`, a bucket of `size` learners, is kept
    (`select_candidates`); otherwise only those found under a second key are."""
    kind = key[0]
    if kind == CONFIRMING_KIND:
        return False
    if key in firm:
        return kind not in BOUNDED_FIRM_KINDS or size <= MAX_FIRM_BUCKET
    return size <= MAX_OPEN_BUCKET
