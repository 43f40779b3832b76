import dataclasses
import datetime
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.matching.blocking import (
    GIVEN_NAME_EVIDENCE,
    MAX_FIRM_BUCKET,
    MAX_OPEN_BUCKET,
    MAX_QUERY_KEYS,
    key_evidence,
    learner_keys,
    query_key_sets,
    query_keys,
    select_candidates,
)
from lrs.matching.prepare import prepared
from lrs.matching.types import PersonDetails

LEARNER = PersonDetails(
    given_name="Robert",
    family_name="McDonald-Jones",
    date_of_birth=datetime.date(2008, 3, 5),
    gender="1",
    postcode="CF10 1AA",
    middle_names="James Owen",
    previous_family_name="Price",
)


def retrieved(query: PersonDetails, learner: PersonDetails) -> bool:
    return bool(query_keys(query) & learner_keys(learner))


def vary(**changes: object) -> PersonDetails:
    return dataclasses.replace(LEARNER, **changes)  # type: ignore[arg-type]


# Each search differs from LEARNER the way a search tip, a data-entry slip or a life event
# makes it differ; each must still retrieve LEARNER.
VARIATIONS: dict[str, PersonDetails] = {
    "as registered": LEARNER,
    "typo in given name": vary(given_name="Rboert"),
    "typo in first letter of given name": vary(given_name="Tobert"),
    "typo in family name": vary(family_name="McDonlad-Jones"),
    "typo in first letter of family name": vary(family_name="NcDonald-Jones"),
    "nickname": vary(given_name="Bob"),
    "swapped given and family": vary(given_name="McDonald-Jones", family_name="Robert"),
    "middle name as given": vary(given_name="James", middle_names=""),
    "new family name, no previous": vary(family_name="Williams", previous_family_name=""),
    "new family name with previous": vary(
        family_name="Williams", previous_family_name="McDonald-Jones"
    ),
    "search by previous family name": vary(family_name="Price", previous_family_name=""),
    "moved house": vary(postcode="LL57 2DG"),
    "default postcode": vary(postcode="ZZ99 9ZZ"),
    "no postcode": vary(postcode=""),
    "day and month swapped": vary(date_of_birth=datetime.date(2008, 5, 3)),
    "accents and case": vary(given_name="RÓBERT", family_name="mcdonald-jones"),
    "apostrophes and spaces": vary(family_name="Mc Donald Jones"),
    "mac for mc": vary(family_name="MacDonald-Jones"),
    "first part of double-barrelled only": vary(family_name="McDonald"),
    "second part of double-barrelled only": vary(family_name="Jones"),
    "no hyphen": vary(family_name="McDonaldJones"),
    "missing middle names": vary(middle_names=""),
    "unknown gender": vary(gender="0"),
    "nickname and moved house": vary(given_name="Bob", postcode="LL57 2DG"),
    "typo and swapped day and month": vary(
        given_name="Robret", date_of_birth=datetime.date(2008, 5, 3)
    ),
    "nickname and swapped day and month": vary(
        given_name="Bobby", date_of_birth=datetime.date(2008, 5, 3)
    ),
    "name change and moved house": vary(
        family_name="Williams", previous_family_name="", postcode="LL57 2DG"
    ),
    "phonetic family name and moved house": vary(
        family_name="MacDonnald-Joanes", postcode="SA1 1AA"
    ),
    "preferred name as given, default postcode": vary(given_name="Robbie", postcode="ZZ99 9ZZ"),
    "day typo, same household": vary(date_of_birth=datetime.date(2008, 3, 15)),
    "middle name as given and moved house": vary(
        given_name="Owen", middle_names="", postcode="LL57 2DG"
    ),
    "typo in first letter of given name and moved house": vary(
        given_name="Tobert", postcode="LL57 2DG"
    ),
    "day typo and moved house": vary(date_of_birth=datetime.date(2008, 3, 15), postcode="LL57 2DG"),
    "unknown gender, day typo and moved house": vary(
        gender="0", date_of_birth=datetime.date(2008, 3, 15), postcode="LL57 2DG"
    ),
}


@pytest.mark.parametrize("query", VARIATIONS.values(), ids=VARIATIONS.keys())
def test_learner_is_retrieved_despite(query: PersonDetails) -> None:
    assert retrieved(query, LEARNER)


def crowded(query: PersonDetails, learner: PersonDetails) -> dict[str, list[int]]:
    """The buckets a search finds on a crowded register: under each of its keys (the
    confirming ones included), learner 0 (`learner`) when it stores the key, and more than
    MAX_FIRM_BUCKET strangers, each under that key alone."""
    stored = learner_keys(learner)
    keys, _firm, confirming = query_key_sets(query)
    found = {}
    for number, key in enumerate(sorted(keys | confirming)):
        strangers = [1000 * (number + 1) + i for i in range(MAX_FIRM_BUCKET + 5)]
        found[key] = ([0] if key in stored else []) + strangers
    return found


@pytest.mark.parametrize("query", VARIATIONS.values(), ids=VARIATIONS.keys())
def test_learner_is_chosen_from_crowded_buckets_despite(query: PersonDetails) -> None:
    assert 0 in select_candidates(crowded(query, LEARNER), query_key_sets(query).firm)


def test_crowded_buckets_keep_only_learners_sharing_two_keys_but_firm_non_date_name_keys() -> None:
    """Crowded buckets of the other dates, firm D buckets and confirming keys' buckets keep
    only the learners sharing a second key; the other firm buckets are kept whole."""
    keys, firm, confirming = query_key_sets(LEARNER)
    found = crowded(LEARNER, LEARNER)
    chosen = select_candidates(found, firm)
    for key, ids in found.items():
        strangers = set(ids) - {0}
        if key in firm and not key.startswith("D:"):
            assert strangers <= chosen, key
        else:
            assert not strangers & chosen, key
    assert 0 in chosen
    # The learner searched for is under several keys of the given date (D, G, N, P).
    assert len(firm) < len(keys)
    assert confirming
    assert not confirming & keys


def test_firm_date_and_family_bucket_is_whole_up_to_its_bound() -> None:
    _keys, firm, _confirming = query_key_sets(LEARNER)
    date_key = min(key for key in firm if key.startswith("D:"))
    at_bound = {date_key: list(range(1, MAX_FIRM_BUCKET + 1))}
    assert select_candidates(at_bound, firm) == set(range(1, MAX_FIRM_BUCKET + 1))
    over = {date_key: list(range(1, MAX_FIRM_BUCKET + 2))}
    assert select_candidates(over, firm) == set()


@pytest.mark.parametrize("given_name", ["Owen", "Tobert"])
def test_unrecognisable_given_name_is_confirmed_in_a_crowded_date_and_family_bucket(
    given_name: str,
) -> None:
    """A search giving the learner's middle name as given name, or a slip in its first letter,
    at a new address, shares only the firm D key among the retrieving keys and, on a crowded
    register, is kept by the K key: the date of birth with the family name's whole code."""
    query = vary(given_name=given_name, middle_names="", postcode="LL57 2DG")
    keys, firm, confirming = query_key_sets(query)
    shared = (keys | confirming) & learner_keys(LEARNER)
    assert {key[0] for key in shared} == {"D", "K"}
    assert 0 in select_candidates(crowded(query, LEARNER), firm)


def test_a_confirming_key_alone_keeps_no_learner() -> None:
    _keys, firm, confirming = query_key_sets(LEARNER)
    (key, *_rest) = sorted(confirming)
    assert select_candidates({key: [1, 2]}, firm) == set()
    assert select_candidates({key: [1, 2], min(firm): [2, 3]}, firm) == {2, 3}


def test_each_family_name_stores_a_confirming_key_the_search_looks_up() -> None:
    stored = {key for key in learner_keys(LEARNER) if key.startswith("K:")}
    # McDonald-Jones, McDonald, Jones and the previous name Price.
    assert len(stored) == 4
    assert all(key.startswith("K:2008-03-05|") for key in stored)
    assert query_key_sets(LEARNER).confirming == stored


def _month_keys(details: PersonDetails) -> set[str]:
    return {key for key in learner_keys(details) if key.startswith("F:")}


def test_month_keys_carry_the_gender_and_both_genders_when_it_is_not_known() -> None:
    """The F keys (family name, birth month, given initial) are split by gender, which halves
    the month buckets that grow tenfold at national density; a learner whose gender is not
    known or not specified stores both, so that a search giving either finds them."""
    male = _month_keys(LEARNER)
    assert male
    assert all(key.endswith("|1") for key in male)
    assert all(key.endswith("|2") for key in _month_keys(vary(gender="2")))
    both = male | {key.removesuffix("|1") + "|2" for key in male}
    assert _month_keys(vary(gender="0")) == both
    assert _month_keys(vary(gender="9")) == both


def test_a_day_typo_with_a_move_is_found_by_the_month_key_of_a_gender_that_agrees() -> None:
    """Only the month key survives a mistyped day of birth with a move to another area: it
    finds the learner when the genders agree or either is not known, not when the other
    gender is recorded (the cost of splitting the month keys by gender)."""
    moved = {"date_of_birth": datetime.date(2008, 3, 15), "postcode": "LL57 2DG"}
    shared = query_keys(vary(**moved)) & learner_keys(LEARNER)
    assert shared
    assert {key[0] for key in shared} == {"F"}
    assert retrieved(vary(**moved, gender="0"), LEARNER)
    assert retrieved(vary(**moved, gender="9"), LEARNER)
    assert retrieved(vary(**moved), vary(gender="0"))
    assert not retrieved(vary(**moved, gender="2"), LEARNER)
    # With the same address or the day right, other keys find them whatever the gender.
    assert retrieved(vary(date_of_birth=datetime.date(2008, 3, 15), gender="2"), LEARNER)
    assert retrieved(vary(postcode="LL57 2DG", gender="2"), LEARNER)


@pytest.mark.parametrize(
    ("given_name", "heads"),
    [
        ("Bob", ("BB", "RB")),
        ("Robert", ("RB",)),
        ("Nell", ("NL", "EL", "HL")),
        ("Zoë", ("S",)),
        ("", ()),
    ],
)
def test_month_keys_carry_the_code_heads_of_the_given_name_and_its_nickname_groups(
    given_name: str, heads: tuple[str, ...]
) -> None:
    assert prepared(vary(given_name=given_name)).given_heads == heads
    stored = {key.split("|")[2] for key in _month_keys(vary(given_name=given_name))}
    assert stored == set(heads)


def test_a_day_typo_with_a_move_is_found_by_the_head_of_the_given_name_code() -> None:
    """The month key is all a mistyped day with a move shares: it finds the learner through a
    slip past the first two characters of the given name's code (Robret, Roberto) or a
    nickname (Bob), not through a slip that changes them (Rpbert, coded RPBRT)."""
    moved = {"date_of_birth": datetime.date(2008, 3, 15), "postcode": "LL57 2DG"}
    for given_name in ("Robret", "Roberto", "Bob"):
        assert retrieved(vary(**moved, given_name=given_name), LEARNER), given_name
    assert not retrieved(vary(**moved, given_name="Rpbert"), LEARNER)


def test_a_given_name_counts_once_as_a_second_key() -> None:
    """In crowded buckets of another date, the G and N keys of that date say one thing (a
    Robert born that day): a learner sharing both is not kept; one sharing the G key and the
    date-and-family D key is (the learner searched for, with day and month swapped)."""
    keys, firm, _confirming = query_key_sets(LEARNER)
    given, nickname, family = "G:2008-05-03|RBRT", "N:2008-05-03|robert", "D:2008-05-03|MK"
    assert {given, nickname, family} <= keys - firm
    assert key_evidence(given) == key_evidence(nickname) == GIVEN_NAME_EVIDENCE
    assert key_evidence(family) == family
    crowd = MAX_OPEN_BUCKET + 1
    found = {
        given: [1, 2, *range(100, 100 + crowd)],
        nickname: [1, *range(200, 200 + crowd)],
        family: [2, *range(300, 300 + crowd)],
    }
    assert select_candidates(found, firm) == {2}
    # Two keys of another kind still count twice: two family-name heads of the same date.
    heads = {"D:2008-05-03|MK": [3, *range(400, 400 + crowd)], "D:2008-05-03|JN": [3, 9]}
    assert select_candidates(heads, firm) == {3, 9}


def test_small_buckets_are_kept_whole() -> None:
    keys, firm, _confirming = query_key_sets(LEARNER)
    other = sorted(keys - firm)
    found = {other[0]: list(range(1, MAX_OPEN_BUCKET + 1)), other[1]: [50, 51]}
    assert select_candidates(found, firm) == {*range(1, MAX_OPEN_BUCKET + 1), 50, 51}


def test_firm_keys_are_those_of_the_date_as_given() -> None:
    keys, firm, _confirming = query_key_sets(LEARNER)
    assert firm < keys
    assert any(key.startswith("D:2008-03-05|") for key in firm)
    assert not any("2008-05-03" in key or "2008-03-01" in key for key in firm)
    assert any("2008-05-03" in key for key in keys - firm)
    # Names swapped round and middle names as given name are variants too.
    assert "D:2008-03-05|MK" in firm
    assert "D:2008-03-05|RB" in keys - firm
    assert "G:2008-03-05|RBRT" in firm
    assert "G:2008-03-05|JMS" in keys - firm


@given(st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2015, 12, 31)))
def test_query_key_sets_agree_with_query_keys(date_of_birth: datetime.date) -> None:
    details = vary(date_of_birth=date_of_birth)
    keys, firm, _confirming = query_key_sets(details)
    assert keys == query_keys(details)
    assert firm <= keys
    assert any(key.startswith(f"D:{date_of_birth.isoformat()}|") for key in firm)


def test_search_by_true_date_finds_a_learner_recorded_on_the_first_of_the_month() -> None:
    recorded = vary(date_of_birth=datetime.date(2008, 3, 1), postcode="SA1 1AA")
    assert retrieved(vary(date_of_birth=datetime.date(2008, 3, 17)), recorded)


def test_search_on_the_first_of_the_month_finds_the_true_date() -> None:
    recorded = vary(date_of_birth=datetime.date(2008, 3, 17))
    assert retrieved(vary(date_of_birth=datetime.date(2008, 3, 1), postcode="SA1 1AA"), recorded)


def test_preferred_name_recorded_on_the_learner_is_indexed() -> None:
    recorded = vary(given_name="Llewellyn", preferred_given_name="Llew")
    query = vary(given_name="Llew", family_name="Pritchard", previous_family_name="")
    assert retrieved(query, recorded)


def test_unrelated_person_is_not_retrieved() -> None:
    stranger = PersonDetails(
        "Sian", "Hughes", datetime.date(1999, 11, 23), "2", "LL57 2DG", middle_names="Mair"
    )
    assert not retrieved(stranger, LEARNER)


def test_no_key_is_a_bare_date_of_birth() -> None:
    """A birth date alone would hold about 180 learners at a million."""
    for key in learner_keys(LEARNER) | query_keys(LEARNER) | query_key_sets(LEARNER).confirming:
        kind, _, value = key.partition(":")
        assert kind in {"D", "G", "N", "F", "P", "Q", "A", "K", "U", "C", "E"}
        if kind in {"D", "G", "N", "P", "K"}:
            assert re.search(r"\d{4}-\d{2}-\d{2}", value)
            assert "|" in value
        if kind == "F":
            assert re.fullmatch(r"[A-Z0-9]+\|\d{4}-\d{2}\|[A-Z0-9]{1,2}\|[12]", value), key
        if kind == "A":
            area, family, given_code = value.split("|")
            assert len(area) == 2, key
            assert family, key
            assert given_code, key


def test_default_postcode_makes_no_postcode_keys() -> None:
    """ZZ99 9ZZ is shared by everyone without a postcode; a key on it would be huge."""
    for details in (vary(postcode="ZZ99 9ZZ"), vary(postcode="zz993vz"), vary(postcode="")):
        keys = learner_keys(details) | query_keys(details)
        assert not [key for key in keys if key[0] in {"P", "Q", "A"}]


@pytest.mark.parametrize(
    "postcode",
    ["CF10 1AB", "CF01 1AA", "CF10 1AA"],
    ids=["inward code mistyped", "district digits swapped", "same postcode"],
)
def test_a_wholly_wrong_birth_date_is_survived_by_the_area_key(postcode: str) -> None:
    """FEBRL-style duplicates: the birth date replaced and the postcode mistyped. Only the area
    key (postcode area with both names' codes) is shared."""
    query = vary(date_of_birth=datetime.date(1995, 7, 22), postcode=postcode, middle_names="")
    assert retrieved(query, LEARNER)
    shared = query_keys(query) & learner_keys(LEARNER)
    if postcode != LEARNER.postcode:
        assert {key[0] for key in shared} == {"A"}


def test_the_area_key_needs_both_names() -> None:
    """A namesake in the same area with another given name, born another day, stays out."""
    sibling = vary(
        given_name="Gareth", date_of_birth=datetime.date(2011, 9, 30), postcode="CF14 4XY"
    )
    assert not [key for key in query_keys(sibling) & learner_keys(LEARNER) if key[0] == "A"]


def test_identifiers_make_their_own_keys() -> None:
    details = vary(upn="A123456789012", uci="1234567890ABC", email="Rob@Example.org")
    keys = learner_keys(details)
    assert "U:A123456789012" in keys
    assert "C:1234567890ABC" in keys
    assert learner_keys(vary(email="rob@example.org")) & keys


def test_keys_fit_the_64_character_column() -> None:
    details = vary(
        given_name="Ω" * 80,
        family_name="Щ" * 80,
        postcode="X" * 40,
        email="a" * 200 + "@example.org",
        upn="U" * 40,
        uci="C" * 40,
    )
    assert max(len(key) for key in learner_keys(details) | query_keys(details)) <= 64


def test_query_with_every_variant_stays_within_the_key_budget() -> None:
    busy = PersonDetails(
        given_name="Mary-Jane Elizabeth",
        family_name="Ap Rhys-Fitzgerald Smith",
        date_of_birth=datetime.date(2008, 3, 5),
        gender="2",
        postcode="CF10 1AA",
        middle_names="Alexandra Catherine Margaret",
        preferred_given_name="Lizzie",
        previous_family_name="MacDonald-Jones Evans",
        email="m@example.org",
        upn="A123456789012",
        uci="1234567890ABC",
    )
    assert len(query_keys(busy)) <= MAX_QUERY_KEYS


names = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZâéïôŵŷ' -"),
    min_size=0,
    max_size=30,
)
people = st.builds(
    PersonDetails,
    given_name=names,
    family_name=names,
    date_of_birth=st.dates(datetime.date(1900, 1, 1), datetime.date(2020, 12, 31)),
    gender=st.sampled_from(["0", "1", "2", "9"]),
    postcode=st.sampled_from(["", "ZZ99 9ZZ", "CF10 1AA", "sw1a1aa", "M1 1AE"]),
    middle_names=names,
    preferred_given_name=names,
    previous_family_name=names,
    email=st.sampled_from(["", "x@example.org"]),
    upn=st.sampled_from(["", "A123456789012"]),
    uci=st.sampled_from(["", "1234567890ABC"]),
)


@given(people)
def test_a_learner_is_always_retrieved_by_their_own_details(details: PersonDetails) -> None:
    assert learner_keys(details) & query_keys(details)


@given(people)
def test_query_keys_are_bounded(details: PersonDetails) -> None:
    assert len(query_keys(details)) <= MAX_QUERY_KEYS


@pytest.mark.parametrize(
    ("searched", "recorded"),
    [
        ("Bob", "Robert"),
        ("Nell", "Helen"),
        ("Nell", "Eleanor"),
        ("Ted", "Edward"),
        ("Sandy", "Alexandra"),
    ],
)
def test_first_of_the_month_search_survives_a_nickname(searched: str, recorded: str) -> None:
    learner = vary(
        given_name=recorded, date_of_birth=datetime.date(2008, 3, 17), postcode="SA1 1AA"
    )
    query = vary(given_name=searched, date_of_birth=datetime.date(2008, 3, 1))
    assert retrieved(query, learner)


def test_first_of_the_month_search_by_one_part_of_a_double_barrelled_name() -> None:
    learner = vary(date_of_birth=datetime.date(2008, 3, 17), postcode="SA1 1AA")
    query = vary(family_name="Jones", date_of_birth=datetime.date(2008, 3, 1))
    assert retrieved(query, learner)


@pytest.mark.parametrize(
    ("searched", "recorded"),
    [
        ("Stevenson", "Stephenson"),
        ("Jnoes", "Jones"),
        ("Thomson", "Thompson"),
        ("MacKay", "McKay"),
        ("Smyth", "Smith"),
    ],
)
def test_family_name_slips_keep_the_date_and_family_key(searched: str, recorded: str) -> None:
    """The D key survives common family-name slips even when the given name differs too."""
    learner = vary(given_name="Robert", family_name=recorded)
    query = vary(given_name="Bob", family_name=searched, preferred_given_name="")
    shared = query_keys(query) & learner_keys(learner)
    assert any(key.startswith("D:") for key in shared)
