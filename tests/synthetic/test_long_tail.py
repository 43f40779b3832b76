"""The long tail of names (``generate_register(long_tail=True)``, issue 16): determinism, the
register's name rules, and the shape of national name statistics the tables are tuned to."""

from collections import Counter

import pytest

from lrs.synthetic import SyntheticLearner, generate_queries, generate_register
from lrs.synthetic._data import BOYS, FAMILY, GIRLS
from lrs.synthetic.people import FAMILY_TABLES, GIVEN_TABLES, WeightedTable, long_tail_tables
from tests.synthetic.test_people import NAME_FIELDS, name_is_acceptable

SIZE = 100_000


@pytest.fixture(scope="module")
def long_tail() -> list[SyntheticLearner]:
    return list(generate_register(SIZE, seed=3, long_tail=True))


@pytest.fixture(scope="module")
def compact() -> list[SyntheticLearner]:
    return list(generate_register(SIZE, seed=3))


def _shares(table: WeightedTable) -> list[float]:
    return list(table.shares().values())


def test_same_seed_gives_same_long_tail_register(long_tail: list[SyntheticLearner]) -> None:
    assert list(generate_register(2000, seed=3, long_tail=True)) == long_tail[:2000]


def test_long_tail_names_pass_the_register_rules(long_tail: list[SyntheticLearner]) -> None:
    for learner in long_tail:
        for field in NAME_FIELDS:
            value = getattr(learner, field)
            assert not value or name_is_acceptable(value), (field, value)


def test_given_names_have_the_shape_of_baby_name_statistics(
    long_tail: list[SyntheticLearner], compact: list[SyntheticLearner]
) -> None:
    """ONS baby names: the commonest boys' name about 1.5-2% of boys, the top 100 names about
    half of them, thousands of names in all. The listed names alone give the top name twice
    that and the top 100 nearly three quarters, with a few hundred names."""

    def boys(register: list[SyntheticLearner]) -> Counter[str]:
        return Counter(learner.given_name for learner in register if learner.gender == "1")

    tail, short = boys(long_tail), boys(compact)
    total = sum(tail.values())
    assert tail.most_common(1)[0][1] / total < 0.025
    assert 0.35 < sum(count for _, count in tail.most_common(100)) / total < 0.55
    assert len(tail) > 5000
    assert short.most_common(1)[0][1] / sum(short.values()) > 0.035
    assert len(short) < 500


def test_family_names_have_a_long_tail(
    long_tail: list[SyntheticLearner], compact: list[SyntheticLearner]
) -> None:
    """Smith stays about 1% of learners (about 1.3% of people in England and Wales) while
    distinct family names run to many thousands, where the lists alone give about 2,000
    (with double-barrelled names)."""
    families = Counter(learner.family_name for learner in long_tail)
    assert 0.007 < families["Smith"] / SIZE < 0.015
    assert len(families) > 3 * len(Counter(learner.family_name for learner in compact))


def test_long_tail_tables_make_shared_names_several_times_rarer() -> None:
    """The chance that two learners of one context share a name (the sum of squared shares),
    which sets how many namesakes born the same day a register holds: several times smaller
    with the long tail, for given and for family names."""
    given, families = long_tail_tables()
    for gender in ("1", "2"):
        short = sum(p * p for p in _shares(GIVEN_TABLES["general_england", gender]))
        tail = sum(p * p for p in _shares(given["general_england", gender]))
        assert tail < short / 2.5
    short = sum(p * p for p in _shares(FAMILY_TABLES["general_england"]))
    tail = sum(p * p for p in _shares(families["general_england"]))
    assert tail < short / 2.5


def test_same_name_same_birthday_namesakes_are_fewer(
    long_tail: list[SyntheticLearner], compact: list[SyntheticLearner]
) -> None:
    """Learners sharing given name, family name and date of birth with another. Both registers
    hold the same share of deliberate namesakes (about 0.3% of households copy an earlier
    learner), which dominate at this size; the chance ones are what the long tail cuts."""

    def groups(register: list[SyntheticLearner]) -> Counter[object]:
        return Counter(
            (learner.given_name.casefold(), learner.family_name.casefold(), learner.date_of_birth)
            for learner in register
        )

    def namesakes(register: list[SyntheticLearner]) -> int:
        return sum(size * (size - 1) for size in groups(register).values())

    assert namesakes(long_tail) < namesakes(compact)
    # With the long tail an earlier learner is copied as a namesake at most once, so no block
    # of namesakes builds up (the short lists copy with replacement, as before).
    assert max(groups(long_tail).values()) <= 3


def test_new_people_in_queries_take_names_from_the_same_tables(
    long_tail: list[SyntheticLearner], compact: list[SyntheticLearner]
) -> None:
    listed = {name for pools in (BOYS, GIRLS) for names in pools.values() for name in names}

    def unlisted(register: list[SyntheticLearner], *, tail: bool) -> int:
        queries = generate_queries(register, 500, seed=4, long_tail=tail)
        return sum(1 for q in queries if q.true_uln is None and q.given_name not in listed)

    assert unlisted(compact, tail=False) == 0
    assert unlisted(long_tail, tail=True) > 0


def test_long_tail_family_names_extend_the_british_list() -> None:
    _, families = long_tail_tables()
    names = families["general_england"].items
    assert set(FAMILY["british"]) <= set(names)
    assert len(names) > 15_000
