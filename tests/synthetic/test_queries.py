"""Queries with known truth: the mix, and that each variation does exactly what it says."""

import datetime
import random
import re
import unicodedata
from collections import Counter, defaultdict

import pytest

from lrs.identifiers import DEFAULT_POSTCODE, is_valid_postcode
from lrs.synthetic import (
    NEW_PERSON_VARIATIONS,
    Query,
    SyntheticLearner,
    Variation,
    generate_queries,
    generate_register,
)
from lrs.synthetic._data import NICKNAMES
from lrs.synthetic._text import KEYBOARD_NEIGHBOURS
from lrs.synthetic.queries import make_typo, swap_mc_mac

TODAY = datetime.date(2026, 11, 23)
NAME_RULE = re.compile(r"[^\W\d_]+(?:[ '\-][^\W\d_]+)*")
NAME_FIELDS = (
    "given_name",
    "middle_other_name",
    "family_name",
    "preferred_given_name",
    "previous_family_name",
)
ALL_FIELDS = (*NAME_FIELDS, "date_of_birth", "gender", "last_known_postcode", "email_address")

# The fields each change may alter; anything else must be copied from the learner unchanged.
MAY_CHANGE: dict[Variation, set[str]] = {
    Variation.TYPO_GIVEN: {"given_name"},
    Variation.TYPO_FAMILY: {"family_name"},
    Variation.NICKNAME: {"given_name"},
    Variation.SWAPPED_NAMES: {"given_name", "family_name"},
    Variation.MIDDLE_AS_GIVEN: {"given_name", "middle_other_name"},
    Variation.NAME_CHANGE_WITH_PREVIOUS: {"family_name", "previous_family_name"},
    Variation.NAME_CHANGE_NO_PREVIOUS: {"family_name"},
    Variation.MOVED_POSTCODE: {"last_known_postcode"},
    Variation.DEFAULT_POSTCODE: {"last_known_postcode"},
    Variation.SWAPPED_DAY_MONTH: {"date_of_birth"},
    Variation.FIRST_OF_MONTH: {"date_of_birth"},
    Variation.UPPER_CASE: set(NAME_FIELDS),
    Variation.MISSING_MIDDLE: {"middle_other_name"},
    Variation.UNKNOWN_GENDER: {"gender"},
    Variation.ACCENTS_DROPPED: set(NAME_FIELDS),
    Variation.APOSTROPHE_SPACE: {"family_name"},
    Variation.MC_MAC: {"family_name"},
    Variation.HYPHEN_PART: {"family_name"},
}
SINGLE_CHANGES = list(MAY_CHANGE)


def edit_distance(first: str, second: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    rows = [list(range(len(second) + 1))]
    for i, a in enumerate(first, start=1):
        row = [i]
        for j, b in enumerate(second, start=1):
            cost = 0 if a == b else 1
            best = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a == second[j - 2] and first[i - 2] == b:
                best = min(best, rows[-2][j - 2] + 1)
            row.append(best)
        rows.append(row)
    return rows[-1][-1]


def changed_fields(query: Query, learner: SyntheticLearner) -> set[str]:
    return {field for field in ALL_FIELDS if getattr(query, field) != getattr(learner, field)}


def no_accents(text: str) -> str:
    decomposed = unicodedata.normalize(
        "NFD", text.replace("ł", "l").replace("Ł", "L").replace("ı", "i")
    )
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def check_typo(typed: str, registered: str) -> None:
    assert edit_distance(typed.casefold(), registered.casefold()) == 1
    if len(typed) == len(registered):
        diffs = [(a, b) for a, b in zip(typed, registered, strict=True) if a != b]
        if len(diffs) == 1:
            wrong, right = (char.lower() for char in diffs[0])
            assert wrong in KEYBOARD_NEIGHBOURS[right]


def check_change(variation: Variation, query: Query, learner: SyntheticLearner) -> None:
    """Assert that ``query`` is ``learner`` with exactly the single change ``variation``."""
    assert changed_fields(query, learner) <= MAY_CHANGE[variation]
    assert changed_fields(query, learner)
    dob = learner.date_of_birth
    if variation is Variation.TYPO_GIVEN:
        check_typo(query.given_name, learner.given_name)
    elif variation is Variation.TYPO_FAMILY:
        check_typo(query.family_name, learner.family_name)
    elif variation is Variation.NICKNAME:
        assert query.given_name in NICKNAMES[learner.given_name]
    elif variation is Variation.SWAPPED_NAMES:
        assert (query.given_name, query.family_name) == (learner.family_name, learner.given_name)
    elif variation is Variation.MIDDLE_AS_GIVEN:
        first, *rest = learner.middle_other_name.split(" ")
        assert query.given_name == first
        assert query.middle_other_name in (" ".join([learner.given_name, *rest]), " ".join(rest))
    elif variation is Variation.NAME_CHANGE_WITH_PREVIOUS:
        assert query.family_name != learner.family_name
        assert query.previous_family_name == learner.family_name
    elif variation is Variation.NAME_CHANGE_NO_PREVIOUS:
        assert query.family_name != learner.family_name
        assert query.previous_family_name == learner.previous_family_name
    elif variation is Variation.MOVED_POSTCODE:
        assert query.last_known_postcode != DEFAULT_POSTCODE
    elif variation is Variation.DEFAULT_POSTCODE:
        assert query.last_known_postcode == DEFAULT_POSTCODE
    elif variation is Variation.SWAPPED_DAY_MONTH:
        assert dob.day <= 12
        assert dob.day != dob.month
        assert query.date_of_birth == datetime.date(dob.year, dob.day, dob.month)
    elif variation is Variation.FIRST_OF_MONTH:
        assert query.date_of_birth == dob.replace(day=1)
    elif variation is Variation.UPPER_CASE:
        for field in NAME_FIELDS:
            assert getattr(query, field) == getattr(learner, field).upper()
    elif variation is Variation.MISSING_MIDDLE:
        assert query.middle_other_name == ""
    elif variation is Variation.UNKNOWN_GENDER:
        assert learner.gender in ("1", "2")
        assert query.gender in ("0", "9")
    elif variation is Variation.ACCENTS_DROPPED:
        for field in NAME_FIELDS:
            assert getattr(query, field) == no_accents(getattr(learner, field))
            assert getattr(query, field).isascii()
    elif variation is Variation.APOSTROPHE_SPACE:
        assert "'" in learner.family_name
        assert query.family_name in (
            learner.family_name.replace("'", " "),
            learner.family_name.replace("'", ""),
        )
    elif variation is Variation.MC_MAC:
        old, new = learner.family_name, query.family_name
        if old.startswith("Mc"):
            assert new.startswith("Mac")
            assert new[3:] == old[2:]
        else:
            assert old.startswith("Mac")
            assert new.startswith("Mc")
            assert new[2:].casefold() == old[3:].casefold()
    elif variation is Variation.HYPHEN_PART:
        assert query.family_name in learner.family_name.split("-")


def test_same_seed_gives_same_queries(register):
    assert generate_queries(register, 500, seed=3) == generate_queries(register, 500, seed=3)
    assert generate_queries(register, 500, seed=3) != generate_queries(register, 500, seed=4)


def test_queries_are_numbered_from_one(queries):
    assert [query.query_id for query in queries] == list(range(1, len(queries) + 1))


def test_share_of_new_people_follows_new_share(queries):
    new = [query for query in queries if query.true_uln is None]
    assert len(new) == round(0.2 * len(queries))
    assert all(query.variations[0] in NEW_PERSON_VARIATIONS for query in new)


@pytest.mark.parametrize("new_share", [0.0, 1.0])
def test_new_share_extremes(register, new_share):
    queries = generate_queries(register, 300, new_share=new_share)
    assert sum(query.true_uln is None for query in queries) == 300 * new_share


def test_arguments_are_checked(register):
    assert generate_queries(register, 0) == []
    with pytest.raises(ValueError, match="zero or more"):
        generate_queries(register, -1)
    with pytest.raises(ValueError, match="between 0 and 1"):
        generate_queries(register, 10, new_share=1.5)
    with pytest.raises(ValueError, match="empty register"):
        generate_queries([], 10)


def test_an_empty_register_still_gives_new_learners():
    queries = generate_queries([], 20, new_share=1.0)
    assert {query.variations for query in queries} == {(Variation.NEW_LEARNER,)}


def test_mix_is_mostly_zero_to_two_changes(queries):
    rekeyed = [query for query in queries if query.true_uln]
    exact = sum(query.variations == (Variation.EXACT_COPY,) for query in queries)
    combined = [query for query in rekeyed if query.variations[0] is Variation.COMBINED]
    assert 0.17 <= exact / len(queries) <= 0.23
    assert 0.15 <= len(combined) / len(rekeyed) <= 0.25
    assert all(len(query.variations) == 3 for query in combined)
    assert all(len(query.variations) == 1 for query in rekeyed if query not in combined)


def test_every_variation_occurs(queries):
    seen = Counter(variation for query in queries for variation in query.variations)
    assert set(seen) == set(Variation)
    assert all(count >= 20 for count in seen.values()), seen


def test_exact_copies_are_exact(queries, by_uln):
    for query in queries:
        if query.variations == (Variation.EXACT_COPY,):
            assert not changed_fields(query, by_uln[query.true_uln])


@pytest.mark.parametrize("variation", SINGLE_CHANGES, ids=str)
def test_single_change_is_applied_correctly(variation, queries, by_uln):
    matching = [query for query in queries if query.variations == (variation,)]
    assert matching
    for query in matching:
        check_change(variation, query, by_uln[query.true_uln])


def test_combined_changes_touch_only_their_fields(queries, by_uln):
    for query in queries:
        if query.variations[0] is Variation.COMBINED:
            first, second = query.variations[1:]
            assert first != second
            changed = changed_fields(query, by_uln[query.true_uln])
            assert changed
            assert changed <= MAY_CHANGE[first] | MAY_CHANGE[second]


def test_new_learners_are_not_registered(queries, register):
    keys = {(x.given_name, x.family_name, x.date_of_birth) for x in register}
    for query in queries:
        if query.variations == (Variation.NEW_LEARNER,):
            assert query.true_uln is None
            assert (query.given_name, query.family_name, query.date_of_birth) not in keys


def test_new_twins_and_siblings_live_with_a_registered_learner(queries, register):
    keys = {(x.given_name.casefold(), x.family_name.casefold(), x.date_of_birth) for x in register}
    homes = defaultdict(list)
    for learner in register:
        homes[learner.family_name, learner.last_known_postcode].append(learner)
    for query in queries:
        kind = query.variations[0]
        if kind not in (Variation.NEW_TWIN, Variation.NEW_SIBLING):
            continue
        assert query.true_uln is None
        key = (query.given_name.casefold(), query.family_name.casefold(), query.date_of_birth)
        assert key not in keys
        relatives = homes[query.family_name, query.last_known_postcode]
        if kind is Variation.NEW_TWIN:
            assert any(x.date_of_birth == query.date_of_birth for x in relatives)
        else:
            assert any(abs((x.date_of_birth - query.date_of_birth).days) >= 300 for x in relatives)


def test_new_namesakes_share_name_and_birthday_but_not_postcode(queries, register):
    by_key = defaultdict(list)
    for learner in register:
        by_key[learner.given_name, learner.family_name, learner.date_of_birth].append(learner)
    for query in queries:
        if query.variations == (Variation.NEW_NAMESAKE,):
            assert query.true_uln is None
            registered = by_key[query.given_name, query.family_name, query.date_of_birth]
            assert registered
            assert all(x.last_known_postcode != query.last_known_postcode for x in registered)


def test_query_values_are_acceptable_to_the_register(queries):
    for query in queries:
        assert NAME_RULE.fullmatch(query.given_name), query
        assert NAME_RULE.fullmatch(query.family_name), query
        for field in NAME_FIELDS:
            value = getattr(query, field)
            assert len(value) <= 35
            assert not value or NAME_RULE.fullmatch(value)
        assert is_valid_postcode(query.last_known_postcode)
        assert query.gender in ("0", "1", "2", "9")
        years = TODAY.year - query.date_of_birth.year
        assert 13 <= years <= 110


def test_query_set_from_a_streamed_register_seed_is_reproducible():
    register = list(generate_register(2000, seed=21))
    assert generate_queries(register, 200, seed=8) == generate_queries(register, 200, seed=8)


@pytest.mark.parametrize("name", ["Megan", "Gwenllian", "O'Brien", "Morgan-Price", "Siân"])
def test_typo_is_one_keyboard_slip(name):
    rng = random.Random(0)
    for _ in range(200):
        typo = make_typo(name, rng)
        assert typo is not None
        check_typo(typo, name)
        assert NAME_RULE.fullmatch(typo)


def test_typo_needs_three_letters():
    assert make_typo("Li", random.Random(0)) is None


def test_typo_keeps_capitals_in_place():
    rng = random.Random(1)
    for _ in range(200):
        typo = make_typo("McDonald", rng)
        assert typo is not None
        assert typo[0].isupper()
        assert sum(char.isupper() for char in typo) <= 2


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("McDonald", "MacDonald"),
        ("MacLeod", "McLeod"),
        ("Mackenzie", "McKenzie"),
        ("Macmillan", "McMillan"),
        ("Mace", None),
        ("Smith", None),
    ],
)
def test_mc_and_mac_swap(name, other):
    assert swap_mc_mac(name) == other
