"""Field comparators: each turns a pair of values into a verdict and its weight.

The per-field functions take ``Prepared`` forms (see ``prepare.prepared``) so the normalising
work is done once per person, not once per pair. Names are compared together because some tips
cross fields: given and family names swapped, a middle or preferred name used as the given name,
a previous family name used as the family name.
"""

from __future__ import annotations

import datetime
import functools

from rapidfuzz.distance import OSA, DamerauLevenshtein, JaroWinkler

from lrs.matching.model import DEFAULT_PARAMETERS, MISSING, ModelParameters
from lrs.matching.normalise import canonical_mac
from lrs.matching.prepare import Prepared, prepared
from lrs.matching.types import FieldEvidence, PersonDetails

__all__ = [
    "VerdictKey",
    "adjusted",
    "compare",
    "compare_date_of_birth",
    "compare_email",
    "compare_family_name",
    "compare_gender",
    "compare_given_name",
    "compare_middle_names",
    "compare_place_of_birth",
    "compare_postcode",
    "compare_previous_family_name",
    "compare_uci",
    "compare_upn",
    "compare_verdicts",
    "comparison_key",
    "date_of_birth_verdict",
    "gender_verdict",
    "key_after_names",
    "middle_names_verdict",
    "name_verdicts",
    "prepared_verdicts",
    "term_frequency_bits",
    "verdicts_after_names",
    "verdicts_of_key",
]

# Verdicts after which swapped given and family names are not even considered.
_GIVEN_AGREES = frozenset(
    {
        "exact",
        "preferred_name",
        "nickname",
        "part",
        "middle_as_given",
        "typo",
        "one_edit",
        "initial",
    }
)
_FAMILY_AGREES = frozenset(
    {
        "exact",
        "prefix",
        "without_prefix",
        "part",
        "previous_family_name",
        "phonetic",
        "typo",
        "one_edit",
    }
)
# Jaro-Winkler similarity from which two names that are no recognised variant of each other
# are "similar" (the given-name band of ADR 0003, now used for family names too).
_SIMILAR = 0.85
# Family verdicts that make two people look like relatives, whose postcodes and birthdays agree
# far more often than those of strangers.
_FAMILY_SHARED = frozenset(
    {"exact", "prefix", "without_prefix", "part", "previous_family_name", "swapped_names"}
)


def _is_typo(first: str, second: str) -> bool:
    """One edit apart (two for long names), with the same first letter.

    The first letter must agree because names that differ only there (Mason/Jason, Ella/Bella)
    are typically different names, often given to twins, not slips of the keyboard.
    """
    if not first or not second or first[0] != second[0]:
        return False
    shortest = min(len(first), len(second))
    if shortest < 5:
        return False
    limit = 2 if shortest >= 8 else 1
    return OSA.distance(first, second, score_cutoff=limit) <= limit


def _edits(first: str, second: str, *, unrestricted: bool = False) -> int:
    """Damerau-Levenshtein distance, 3 standing for "3 or more".

    Beyond the same-first-letter slips of ``_is_typo``: a first letter mistyped (Ilam/Liam) or
    a short name one key off (Kye/Kyle) is one edit; two edits need five letters on both sides,
    since two edits turn most shorter names into others.

    The optimal string alignment distance by default; ``unrestricted`` counts a transposition
    next to another slip as two edits (Braithwaite keyed Braitahite, Girdler keyed Giredr, Toseland
    keyed Toselda: a letter dropped or doubled beside two swapped), which optimal string
    alignment counts as three. FEBRL's corruption model makes such pairs; among the generator's
    586 family names it adds one pair of real names (Paterson/Pearson) to the 236 already two
    edits apart.
    """
    shortest = min(len(first), len(second))
    if shortest < 3:
        return 3
    if unrestricted:
        distance = DamerauLevenshtein.distance(first, second, score_cutoff=2)
    else:
        distance = OSA.distance(first, second, score_cutoff=2)
    if distance == 2 and shortest < 5:
        return 3
    return min(distance, 3)


def _edit_verdict(first: str, second: str, *, same_start: bool = False) -> str:
    """ "one_edit", "two_edits" or "" (further apart, or too short to tell).

    With ``same_start`` the first letters must agree, or be the first two swapped (Ilam/Liam):
    given names differing in their first letter (Mason/Jason, Ella/Bella, Ava/Eva) are other
    names, often twins', not slips.
    """
    if same_start and first[:1] != second[:1] and first[:2] != second[1::-1]:
        return ""
    distance = _edits(first, second)
    return "one_edit" if distance == 1 else "two_edits" if distance == 2 else ""


def _family_two_edits(first: str, second: str) -> bool:
    """Two family names two slips apart (Damerau-Levenshtein, transpositions unrestricted),
    five letters or more, starting alike: the same first letter, the first two swapped, or the
    first letter dropped or added (Ritchards for Pritchard).

    Two real surnames two keys apart that start with different letters are two names, not a
    slip of the keyboard: Baker/Walker, Anderson/Henderson, Blake/Clarke, Barton/Martin (123
    of the 237 pairs of the generator's family names two edits apart). Counted as slips they
    explained a different family name, which then no longer stopped an exact match (issue 13).
    A slip of the first letter alone is one edit ("typo").
    """
    if not (
        first[:1] == second[:1]
        or first[:2] == second[1::-1]
        or first[:1] == second[1:2]
        or second[:1] == first[1:2]
    ):
        return False
    return _edits(first, second, unrestricted=True) == 2


def _given_straight(query: Prepared, record: Prepared) -> str:
    if not query.given or not record.given:
        return MISSING
    if query.given == record.given:
        return "exact"
    if (query.preferred and query.preferred in (record.given, record.preferred)) or (
        record.preferred and record.preferred == query.given
    ):
        return "preferred_name"
    if query.given_first == record.given_first:
        return "part"
    # A nickname group shared, the preferred names' groups included (most have none, so the
    # unions are rarely built).
    query_groups = query.given_groups
    if query.preferred_groups:
        query_groups = query_groups | query.preferred_groups
    record_groups = record.given_groups
    if record.preferred_groups:
        record_groups = record_groups | record.preferred_groups
    if not query_groups.isdisjoint(record_groups):
        return "nickname"
    if (
        query.given_first in record.middle_words
        or record.given_first in query.middle_words
        or query.given_first in record.given_words[1:]
        or record.given_first in query.given_words[1:]
    ):
        return "middle_as_given"
    if _is_typo(query.given_first, record.given_first) or _is_typo(query.given, record.given):
        return "typo"
    # Two recognised names a key or two apart (Mason/Jason, Jon/Joan) are two names, often
    # twins', not a slip: they fall to the levels below.
    two_names = bool(query.given_groups) and bool(record.given_groups)
    edits = "" if two_names else _edit_verdict(query.given, record.given, same_start=True)
    if edits == "one_edit":
        return edits
    if query.given_phonetic == record.given_phonetic:
        return "phonetic"
    if edits:
        return edits
    if (len(query.given_first) == 1 or len(record.given_first) == 1) and (
        query.given_first[0] == record.given_first[0]
    ):
        return "initial"
    if JaroWinkler.similarity(query.given, record.given) >= _SIMILAR:
        return "similar"
    return "different"


def _family_straight(query: Prepared, record: Prepared) -> str:
    if not query.family or not record.family:
        return MISSING
    if query.family_plain == record.family_plain:
        return "exact"
    if query.family == record.family:
        return "prefix"
    if query.family_stripped == record.family_stripped:
        return "without_prefix"
    if set(query.family_parts) & set(record.family_parts):
        return "part"
    if (record.previous_parts and set(query.family_parts) & set(record.previous_parts)) or (
        query.previous_parts and set(query.previous_parts) & set(record.family_parts)
    ):
        return "previous_family_name"
    if query.family_phonetic == record.family_phonetic:
        return "phonetic"
    if _is_typo(query.family, record.family) or (
        len(query.family) >= 4
        and len(record.family) >= 4
        and OSA.distance(query.family, record.family, score_cutoff=1) <= 1
    ):
        return "typo"
    # One edit of four letters or more is "typo" above; of three (Lee/Lea), "one_edit".
    if _edits(query.family_plain, record.family_plain) == 1:
        return "one_edit"
    if _family_two_edits(query.family_plain, record.family_plain):
        return "two_edits"
    if JaroWinkler.similarity(query.family_plain, record.family_plain) >= _SIMILAR:
        return "similar"
    return "different"


def name_verdicts(query: Prepared, record: Prepared) -> tuple[str, str]:
    """Return the (given name, family name) verdicts, detecting names entered the wrong way round.

    Swapped names need both crossings to agree (query given = record family and query family =
    record given, allowing one keying error on one side), so one coincidence is not enough.
    """
    given = _given_straight(query, record)
    family = _family_straight(query, record)
    if given in _GIVEN_AGREES or family in _FAMILY_AGREES:
        return _partly_swapped(query, record, given, family)
    if not (query.given and query.family and record.given and record.family):
        return given, family
    given_as_family = (
        canonical_mac(query.given) in record.family_parts
        or canonical_mac(query.given_first) in record.family_parts
    )
    family_as_given = any(part in (record.given, record.given_first) for part in query.family_parts)
    if given_as_family and family_as_given:
        return "swapped_names", "swapped_names"
    nearly = (given_as_family and _is_typo(query.family, record.given)) or (
        family_as_given and _is_typo(canonical_mac(query.given), record.family)
    )
    if nearly:
        return "swapped_names", "swapped_names"
    return _partly_swapped(query, record, given, family)


def _partly_swapped(query: Prepared, record: Prepared, given: str, family: str) -> tuple[str, str]:
    """A partial swap: one field holds the other side's name in the other field (the family
    name typed into the given-name field as well, or the given name into the family-name
    field) while the other field agrees. Only a "different" verdict is replaced; one
    coincidence with the other field disagreeing too is no swap (Stephenson Harris is not
    Robert Stephenson)."""
    if not (query.given and query.family and record.given and record.family):
        return given, family
    if (
        given == "different"
        and family in _FAMILY_AGREES
        and (
            canonical_mac(query.given) in record.family_parts
            or canonical_mac(query.given_first) in record.family_parts
        )
    ):
        return "partly_swapped", family
    if (
        family == "different"
        and given in _GIVEN_AGREES
        and any(part in (record.given, record.given_first) for part in query.family_parts)
    ):
        return given, "partly_swapped"
    return given, family


def date_of_birth_verdict(query: Prepared, record: Prepared) -> str:
    """Compare dates of birth, recognising the slips listed in the search tips."""
    q, r = query.date_of_birth, record.date_of_birth
    if q == r:
        return "exact"
    if q.day == r.month and q.month == r.day and q.year == r.year:
        return "swapped_day_month"
    if q.year == r.year and q.month == r.month:
        return "first_of_month" if 1 in (q.day, r.day) else "same_month_year"
    if q.day == r.day and q.month == r.month and abs(q.year - r.year) == 1:
        return "year_off_by_one"
    if OSA.distance(_digits(q), _digits(r), score_cutoff=1) <= 1:
        return "one_digit"
    return "different"


@functools.lru_cache(maxsize=65536)
def _digits(date: datetime.date) -> str:
    """The date as eight digits (YYYYMMDD), for telling a one-digit slip; a register's birth
    dates are a few thousand days, so each is written out once."""
    return date.strftime("%Y%m%d")


def gender_verdict(query: Prepared, record: Prepared) -> str:
    """Genders: agree, disagree, or missing when either side is not known or not specified."""
    # "0" (not known) and "9" (not specified) carry no information.
    if query.gender in {"0", "9"} or record.gender in {"0", "9"}:
        return MISSING
    return "agree" if query.gender == record.gender else "disagree"


def _postcode_verdict(query: Prepared, record: Prepared) -> str:
    if not query.postcode or not record.postcode:
        return MISSING
    if query.postcode_default or record.postcode_default:
        return "default_postcode"
    if query.postcode == record.postcode:
        return "exact"
    sector = query.postcode_sector
    if sector and sector == record.postcode_sector:
        return "same_sector"
    if query.postcode_district == record.postcode_district:
        return "same_district"
    if _one_character_apart(query.postcode.replace(" ", ""), record.postcode.replace(" ", "")):
        return "one_character"
    return "different"


def _one_character_apart(first: str, second: str) -> bool:
    """One character substituted, inserted, dropped, or two neighbours swapped: a keying slip.

    Outside the sector and district a near-miss is not an address nearby but a slip of the
    keyboard (CF10 3AT keyed as CF10 3TA, or 2612 as 2621 in a four-digit postcode).
    """
    return OSA.distance(first, second, score_cutoff=1) <= 1


def middle_names_verdict(query: Prepared, record: Prepared) -> str:
    """Middle names, when both sides have them: exact, reordered, part or different."""
    if not query.middle or not record.middle:
        return MISSING
    if query.middle == record.middle:
        return "exact"
    if {*query.given_words, *query.middle_words} == {*record.given_words, *record.middle_words}:
        return "reordered"
    if set(query.middle_words) & set(record.middle_words):
        return "part"
    query_initials = [word[0] for word in query.middle_words]
    record_initials = [word[0] for word in record.middle_words]
    one_side_initials = all(len(w) == 1 for w in query.middle_words) or all(
        len(w) == 1 for w in record.middle_words
    )
    if one_side_initials and query_initials == record_initials:
        return "part"
    return "different"


def _equal_verdict(first: str, second: str) -> str:
    if not first or not second:
        return MISSING
    return "exact" if first == second else "different"


def _place_verdict(query: Prepared, record: Prepared) -> str:
    first, second = query.place_of_birth, record.place_of_birth
    if not first or not second:
        return MISSING
    if first == second:
        return "exact"
    if JaroWinkler.similarity(first, second) >= 0.9:
        return "similar"
    return "different"


def compare_given_name(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Given names: exact, nickname, preferred or middle name, typo, phonetic, swapped..."""
    return params.evidence("given_name", name_verdicts(query, record)[0])


def compare_family_name(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Family names: exact, Mac/Mc, prefix, double-barrelled part, previous name, typo..."""
    return params.evidence("family_name", name_verdicts(query, record)[1])


def compare_date_of_birth(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Dates of birth: exact, day/month swapped, first of month, near, one digit, different."""
    return _evidence_of(query, record, params, "date_of_birth")


def compare_gender(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Gender: agree, disagree, or missing when either side is not known or not specified."""
    return params.evidence("gender", gender_verdict(query, record))


def compare_postcode(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Postcodes: exact, same sector, same district, one character apart, default ZZ99..."""
    return _evidence_of(query, record, params, "postcode")


def compare_middle_names(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Middle names, when both sides have them: exact, reordered, partly, different."""
    return params.evidence("middle_names", middle_names_verdict(query, record))


def compare_previous_family_name(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Previous family names, when both sides have them."""
    return params.evidence("previous_family_name", _equal_verdict(query.previous, record.previous))


def compare_place_of_birth(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Places of birth, when both sides have them."""
    return params.evidence("place_of_birth", _place_verdict(query, record))


def compare_email(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Email addresses, case-insensitively, when both sides have them."""
    return _evidence_of(query, record, params, "email")


def compare_upn(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Unique Pupil Numbers: agreement is near proof, disagreement strong evidence against."""
    return params.evidence("upn", _equal_verdict(query.upn, record.upn))


def compare_uci(
    query: Prepared, record: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> FieldEvidence:
    """Unique Candidate Identifiers, as for UPNs."""
    return params.evidence("uci", _equal_verdict(query.uci, record.uci))


def _given_row(given: str, postcode: str, date_of_birth: str, *, same_family: bool) -> str:
    """Return the model row of the given name, by who else shares the birthday.

    Born the same day and sharing the family name and address: a twin, whose given name is
    almost never the same and sometimes near (Albie/Alfie). Sharing family name and birthday
    elsewhere: a namesake or a stranger with a common surname. Sharing address and birthday
    under another family name: a neighbour, rarely of the same given name, or the learner
    after a name change. Swapped names are weighed as one event in the plain row.
    """
    if given == "swapped_names" or date_of_birth != "exact":
        return "given_name"
    if same_family:
        if postcode == "exact":
            return "given_name|same_household_birthday"
        return "given_name|same_family_birthday"
    if postcode == "exact":
        return "given_name|same_address_birthday"
    return "given_name"


def prepared_verdicts(query: Prepared, record: Prepared) -> list[tuple[str, str, str]]:
    """Return (field, verdict, model row) for two prepared people.

    The model row is the field name, or for a field whose evidence depends on others,
    ``field|context`` (see ``model``). The order is family name, postcode given the family
    name, date of birth given both, given name given all three, so no field's weight depends
    on a field that depends on it.
    """
    given, family = name_verdicts(query, record)
    return verdicts_after_names(query, record, given, family)


def verdicts_after_names(
    query: Prepared, record: Prepared, given: str, family: str
) -> list[tuple[str, str, str]]:
    """``prepared_verdicts`` with the names' verdicts (``name_verdicts``) already known."""
    postcode = _postcode_verdict(query, record)
    date_of_birth = date_of_birth_verdict(query, record)
    verdicts = _core_verdicts(given, family, postcode, date_of_birth, gender_verdict(query, record))
    # Optional fields count only when both sides have them (each verdict is "missing"
    # otherwise, so it is not worked out). Most people have none of them: a search compares
    # every candidate, so the checks come before the calls.
    if query.middle and record.middle:
        verdicts.append(("middle_names", middle_names_verdict(query, record), "middle_names"))
    if query.previous and record.previous:
        previous = "exact" if query.previous == record.previous else "different"
        verdicts.append(("previous_family_name", previous, "previous_family_name"))
    if query.place_of_birth and record.place_of_birth:
        verdicts.append(("place_of_birth", _place_verdict(query, record), "place_of_birth"))
    if query.upn and record.upn:
        verdicts.append(("upn", "exact" if query.upn == record.upn else "different", "upn"))
    if query.uci and record.uci:
        verdicts.append(("uci", "exact" if query.uci == record.uci else "different", "uci"))
    if query.email and record.email:
        email = "exact" if query.email == record.email else "different"
        verdicts.append(("email", email, _email_row(query)))
    return verdicts


def _core_verdicts(
    given: str, family: str, postcode: str, date_of_birth: str, gender: str
) -> list[tuple[str, str, str]]:
    """The (field, verdict, model row) of the five fields every comparison has, whose model
    rows depend on each other's verdicts: shared by ``verdicts_after_names`` (a search) and
    ``verdicts_of_key`` (the fit), so the two cannot weigh a pair differently."""
    same_family = family in _FAMILY_SHARED
    same_household = same_family and postcode == "exact"
    return [
        ("given_name", given, _given_row(given, postcode, date_of_birth, same_family=same_family)),
        # Swapped names are one event seen from both fields: the given-name row weighs it, and
        # the family row, certain to say the same once the given name has, weighs nothing.
        (
            "family_name",
            family,
            "family_name|names_swapped" if given == "swapped_names" else "family_name",
        ),
        (
            "date_of_birth",
            date_of_birth,
            "date_of_birth|same_household" if same_household else "date_of_birth",
        ),
        ("gender", gender, "gender"),
        ("postcode", postcode, "postcode|same_family" if same_family else "postcode"),
    ]


VerdictKey = tuple[str, str, str, str, str, str, str, str, str, str, str, str]
"""``prepared_verdicts`` as twelve plain strings (``comparison_key``): the verdicts of the
given name, family name, postcode, date of birth, gender, middle names, previous family name,
place of birth, UPN, UCI and email, and the email's model row ("" when no email is compared).
Cheap to build and hash: the matching fit counts millions of pairs by it and turns each
distinct key back into rows once (``verdicts_of_key``)."""


def comparison_key(query: Prepared, record: Prepared) -> VerdictKey:
    """``prepared_verdicts`` as a ``VerdictKey``: ``verdicts_of_key`` gives the rows back."""
    given, family = name_verdicts(query, record)
    return key_after_names(query, record, given, family)


def key_after_names(query: Prepared, record: Prepared, given: str, family: str) -> VerdictKey:
    """``comparison_key`` with the names' verdicts (``name_verdicts``) already known; the
    verdicts are those ``verdicts_after_names`` gives (tests/learners/test_matching_fit_pairs.py
    checks ``verdicts_of_key`` of it against ``prepared_verdicts``)."""
    email = MISSING
    if query.email and record.email:
        email = "exact" if query.email == record.email else "different"
    return (
        given,
        family,
        _postcode_verdict(query, record),
        date_of_birth_verdict(query, record),
        gender_verdict(query, record),
        middle_names_verdict(query, record) if query.middle and record.middle else MISSING,
        _equal_verdict(query.previous, record.previous),
        _place_verdict(query, record),
        _equal_verdict(query.upn, record.upn),
        _equal_verdict(query.uci, record.uci),
        email,
        "" if email == MISSING else _email_row(query),
    )


def verdicts_of_key(key: VerdictKey) -> list[tuple[str, str, str]]:
    """The (field, verdict, model row) list of ``prepared_verdicts`` from its ``VerdictKey``:
    the model rows depend only on the verdicts (and the email's row, kept in the key)."""
    (
        given,
        family,
        postcode,
        date_of_birth,
        gender,
        middle,
        previous,
        place,
        upn,
        uci,
        email,
        email_row,
    ) = key
    verdicts = _core_verdicts(given, family, postcode, date_of_birth, gender)
    # Optional fields count only when both sides have them.
    optional = (
        ("middle_names", middle),
        ("previous_family_name", previous),
        ("place_of_birth", place),
        ("upn", upn),
        ("uci", uci),
    )
    verdicts.extend((name, verdict, name) for name, verdict in optional if verdict != MISSING)
    if email != MISSING:
        verdicts.append(("email", email, email_row))
    return verdicts


def term_frequency_bits(
    params: ModelParameters, record: Prepared, verdicts: list[tuple[str, str, str]]
) -> dict[str, float]:
    """The term-frequency adjustment of each exact agreement on a name, the date of birth or
    the postcode (weighed by its district's frequency), in bits, by field.

    Empty unless ``params`` holds the register's term frequencies (a fitted model); the
    shipped defaults weigh every exact value alike. The value is the record's, which an exact
    verdict makes the searched value too. A table ``params`` lacks adjusts nothing.

    Only the plain rows are adjusted. A context row ("given_name|same_family_birthday") is
    the chance of agreeing given that other fields agree already, which is about relatives
    and namesakes, not about how common the name is: adjusted there, a rare name shared by a
    namesake born the same day elsewhere took +5 bits and became an automatic match.
    """
    if not params.term_frequencies:
        return {}
    adjustments: dict[str, float] = {}
    for field, verdict, row in verdicts:
        if verdict != "exact" or row != field:
            continue
        if field == "given_name":
            adjustments[field] = params.term_frequency_bits(field, record.given)
        elif field == "family_name":
            adjustments[field] = params.term_frequency_bits(field, record.family_plain)
        elif field == "date_of_birth":
            adjustments[field] = params.term_frequency_bits(field, record.date_of_birth.isoformat())
        elif field == "postcode":
            # The district's frequency stands for the postcode's: a postcode in a district few
            # learners live in is shared by fewer strangers.
            adjustments[field] = params.term_frequency_bits(
                "postcode_district", record.postcode_district
            )
    return adjustments


def email_from_names(person: Prepared) -> bool:
    """Whether the person's email address is made of their given and family names alone
    (``robert.jones@...``): a namesake may have it too, so it proves no more than the names."""
    return _email_row(person) == "email|from_names"


def _email_row(person: Prepared) -> str:
    """Return the model row of an email address: made of the person's names only, or not.

    ``robert.jones@...`` says little beyond the names themselves: a namesake at the same
    provider may well have chosen it too. Anything else (digits, initials, nicknames) is
    personal. Judged on the searched side; an equal address is the same on both.
    """
    local = person.email.partition("@")[0]
    if not local or any(character.isdigit() for character in local):
        return "email"
    letters = "".join(character for character in local if character.isalpha())
    first, family = person.given_first, person.family_plain
    return "email|from_names" if letters in {first + family, family + first} else "email"


def _evidence_of(
    query: Prepared, record: Prepared, params: ModelParameters, field: str
) -> FieldEvidence:
    for name, verdict, row in prepared_verdicts(query, record):
        if name == field:
            return params.evidence(row, verdict, field)
    return FieldEvidence(field, MISSING, 0.0)


def compare_verdicts(query: PersonDetails, record: PersonDetails) -> list[tuple[str, str]]:
    """Return (field, verdict) for the five key fields and every optional field both sides have."""
    return [
        (field, verdict)
        for field, verdict, _ in prepared_verdicts(prepared(query), prepared(record))
    ]


def compare(
    query: PersonDetails, record: PersonDetails, params: ModelParameters = DEFAULT_PARAMETERS
) -> tuple[FieldEvidence, ...]:
    """Return the weighted evidence for every compared field (term frequencies included)."""
    record_prepared = prepared(record)
    verdicts = prepared_verdicts(prepared(query), record_prepared)
    adjust = term_frequency_bits(params, record_prepared, verdicts)
    return tuple(
        adjusted(params.evidence(row, verdict, field), adjust) for field, verdict, row in verdicts
    )


def adjusted(evidence: FieldEvidence, adjustments: dict[str, float]) -> FieldEvidence:
    """``evidence`` with its field's term-frequency adjustment added to its weight."""
    bits = adjustments.get(evidence.field)
    if not bits:
        return evidence
    return FieldEvidence(
        evidence.field,
        evidence.verdict,
        evidence.weight + bits,
        evidence.searched,
        evidence.recorded,
    )
