"""The crowded proxy register (`bench/register.py --density-of`)."""

import datetime
from collections import Counter
from collections.abc import Hashable, Sequence

from lrs.identifiers import DEFAULT_POSTCODE
from lrs.synthetic import Variation, generate_queries, generate_register
from lrs.synthetic.density import denser_queries, denser_register, pack_date, pack_postcode
from lrs.synthetic.people import DEFAULT_REFERENCE_DATE, MIN_AGE, years_before

LATEST = years_before(DEFAULT_REFERENCE_DATE, MIN_AGE)


def _per_value(values: Sequence[Hashable]) -> float:
    """The size-biased mean count of a value: how many share a random item's value."""
    counts = Counter(values)
    return sum(count * count for count in counts.values()) / len(values)


def test_dates_are_packed_towards_the_latest_date_of_birth() -> None:
    assert pack_date(LATEST, 10) == LATEST
    assert pack_date(LATEST - datetime.timedelta(days=9), 10) == LATEST
    assert pack_date(LATEST - datetime.timedelta(days=10), 10) == LATEST - datetime.timedelta(1)
    assert pack_date(LATEST - datetime.timedelta(days=3650), 10) == LATEST - datetime.timedelta(365)


def test_postcodes_gather_units_of_a_sector_and_packing_twice_changes_nothing() -> None:
    packed = pack_postcode("CV4 9EZ", 10)
    assert packed.startswith("CV4 9E")
    assert pack_postcode(packed, 10) == packed
    assert pack_postcode(DEFAULT_POSTCODE, 10) == DEFAULT_POSTCODE
    assert pack_postcode("CV4 9EZ", 1) == "CV4 9EZ"
    units = {pack_postcode(f"CV4 9{a}{b}", 10) for a in "ABDEFGHJLN" for b in "PQRSTUWXYZ"}
    assert len(units) == 10


def test_a_denser_register_crowds_dates_and_postcodes_and_keeps_the_rest() -> None:
    plain = list(generate_register(20_000, seed=3, long_tail=True))
    dense = list(denser_register(plain, 10))
    assert [learner.uln for learner in dense] == [learner.uln for learner in plain]
    assert [learner.family_name for learner in dense] == [learner.family_name for learner in plain]
    assert all(learner.date_of_birth <= LATEST for learner in dense)
    crowding = _per_value([x.date_of_birth for x in dense]) / _per_value(
        [x.date_of_birth for x in plain]
    )
    assert 7 < crowding < 13
    by_month = [(x.date_of_birth.year, x.date_of_birth.month) for x in dense]
    plain_months = [(x.date_of_birth.year, x.date_of_birth.month) for x in plain]
    assert 7 < _per_value(by_month) / _per_value(plain_months) < 13
    # Each unit postcode is one of those gathering ten (sparse at 20,000 learners, so the
    # crowding itself is not measurable here).
    assert all(pack_postcode(x.last_known_postcode, 10) == x.last_known_postcode for x in dense)
    assert len({x.last_known_postcode for x in dense}) < len({x.last_known_postcode for x in plain})
    twins = [x for x in plain if x.twin_of]
    dense_by_uln = {x.uln: x for x in dense}
    assert twins
    for twin in twins:
        assert (
            dense_by_uln[twin.uln].date_of_birth == dense_by_uln[twin.twin_of].date_of_birth  # type: ignore[index]
        )


def test_denser_queries_pack_new_learners_and_postcodes_only() -> None:
    register = list(denser_register(generate_register(5_000, seed=4, long_tail=True), 10))
    queries = generate_queries(register, 1_000, seed=5, long_tail=True)
    packed = denser_queries(queries, 10)
    earliest = min(learner.date_of_birth for learner in register)
    new = 0
    for before, after in zip(queries, packed, strict=True):
        assert after.last_known_postcode == pack_postcode(before.last_known_postcode, 10)
        if before.variations == (Variation.NEW_LEARNER,):
            new += 1
            assert after.date_of_birth == pack_date(before.date_of_birth, 10)
            assert earliest <= after.date_of_birth <= LATEST
        else:
            assert after.date_of_birth == before.date_of_birth
    assert new > 20
    assert len(packed) == len(queries)
    assert denser_queries(queries, 1) == queries
