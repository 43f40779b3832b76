"""Term-frequency adjustment: an exact name agreement weighs by how common the name is."""

import dataclasses
import datetime
import math

import pytest

from lrs.matching.decide import decide, score_candidate
from lrs.matching.estimate import (
    register_term_frequencies,
    term_frequencies,
    with_term_frequencies,
)
from lrs.matching.model import (
    DEFAULT_PARAMETERS,
    MAX_RARITY_BITS,
    MIN_TERM_FREQUENCY_VALUES,
    TERM_FREQUENCY_FIELDS,
    TermFrequencies,
)
from lrs.matching.types import Candidate, PersonDetails

BIRTHDAY = datetime.date(2008, 3, 5)


def _register() -> list[tuple[str, str]]:
    """100 names: Smith 40 times, Jones 20, Evans 10 and 30 surnames seen once."""
    families = ["Smith"] * 40 + ["Jones"] * 20 + ["Evans"] * 10
    families += [f"Rare{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(30)]
    givens = ["Oliver"] * 50 + [f"Given{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(50)]
    return list(zip(givens, families, strict=True))


def test_counts_keep_values_seen_twice_or_more() -> None:
    table = TermFrequencies.of(["smith", "smith", "jones", "", "evans", "smith"])
    assert table.total == 5
    assert table.sum_of_squares == 9 + 1 + 1
    assert dict(table.counts) == {"smith": 3}


def test_a_common_name_weighs_less_and_a_rare_one_more() -> None:
    table = term_frequencies(_register())["family_name"]
    # sum tf^2 = (1600 + 400 + 100 + 30) / 100^2 = 0.213
    assert table.bits("smith") == pytest.approx(math.log2(0.213 / 0.40))
    assert table.bits("jones") == pytest.approx(math.log2(0.213 / 0.20))
    assert table.bits("smith") < 0 < table.bits("jones") < table.bits("evans")
    # Seen once (or not counted): 0.213 / 0.01 is over 4 bits, capped.
    assert table.bits("rareaa") == MAX_RARITY_BITS
    assert table.bits("never-seen") == MAX_RARITY_BITS


def test_names_are_counted_as_an_exact_comparison_sees_them() -> None:
    tables = term_frequencies([("Oliver", "O'Brien"), ("OLIVER", "OBrien"), ("Siân", "Smith")])
    assert dict(tables["family_name"].counts) == {"obrien": 2}
    assert dict(tables["given_name"].counts) == {"oliver": 2}


def test_term_frequencies_survive_being_stored() -> None:
    table = term_frequencies(_register())["family_name"]
    again = TermFrequencies.from_data(table.as_data())
    assert again == table
    with pytest.raises(ValueError, match="total"):
        TermFrequencies.from_data({"counts": [], "total": 1, "sum_of_squares": 1})


def _person(given: str, family: str, postcode: str = "CF10 1AA") -> PersonDetails:
    return PersonDetails(given, family, BIRTHDAY, "1", postcode)


def test_the_shipped_defaults_weigh_every_name_alike() -> None:
    common = score_candidate(_person("Oliver", "Smith"), Candidate(1, _person("Oliver", "Smith")))
    rare = score_candidate(_person("Oliver", "Rareab"), Candidate(1, _person("Oliver", "Rareab")))
    assert common.score == pytest.approx(rare.score)


def test_an_exact_rare_surname_scores_more_than_an_exact_common_one() -> None:
    params = with_term_frequencies(DEFAULT_PARAMETERS, term_frequencies(_register()))
    moved = "LL57 2DG"  # not the same address: the plain rows weigh the names
    common = score_candidate(
        _person("Oliver", "Smith"), Candidate(1, _person("Oliver", "Smith", moved)), params
    )
    rare = score_candidate(
        _person("Oliver", "Rareab"), Candidate(1, _person("Oliver", "Rareab", moved)), params
    )
    plain = score_candidate(
        _person("Oliver", "Smith"), Candidate(1, _person("Oliver", "Smith", moved))
    )
    table = params.term_frequencies["family_name"]
    assert rare.score - common.score == pytest.approx(table.bits("rareab") - table.bits("smith"))
    # Each adjustment is in its field's evidence, and the evidence adds up to the score.
    family = {item.field: item for item in common.evidence}["family_name"]
    base = {item.field: item for item in plain.evidence}["family_name"]
    assert family.weight == pytest.approx(base.weight + table.bits("smith"))
    assert sum(item.weight for item in common.evidence) == pytest.approx(common.score)
    # decide scores the same way.
    outcome = decide(
        _person("Oliver", "Rareab"),
        [Candidate(1, _person("Oliver", "Rareab", moved))],
        params=params,
    )
    assert outcome.candidates[0].score == pytest.approx(rare.score)


def test_a_context_row_is_not_adjusted() -> None:
    """The given name of someone sharing family name, birthday and address is a twin's row:
    its u is about households, not about how common the name is."""
    params = with_term_frequencies(DEFAULT_PARAMETERS, term_frequencies(_register()))
    query = _person("Oliver", "Smith")
    scored = score_candidate(query, Candidate(1, dataclasses.replace(query)), params)
    given = {item.field: item for item in scored.evidence}["given_name"]
    assert given.weight == pytest.approx(
        params.weight("given_name|same_household_birthday", "exact")
    )


# Dates of birth and postcode districts (issue 13) ---------------------------------------------

COMMON_DAY = datetime.date(2008, 9, 1)
RARE_DAY = datetime.date(2007, 2, 14)


def _places() -> list[tuple[str, str, datetime.date | None, str]]:
    """200 learners: 100 born on COMMON_DAY, 100 on a day each; 120 in CF10, the other 80 in
    a district each; plus one on a ZZ99 pseudo-postcode and one with no postcode."""
    rows: list[tuple[str, str, datetime.date | None, str]] = []
    for i in range(200):
        day = COMMON_DAY if i < 100 else datetime.date(2006, 1, 1) + datetime.timedelta(days=i)
        postcode = f"CF10 {i % 9}AB" if i < 120 else f"B{i} 1AA"
        rows.append((f"Given{i}", f"Family{i}", day, postcode))
    rows.append(("Zed", "Pseudo", RARE_DAY, "ZZ99 3CZ"))
    rows.append(("Nia", "Nowhere", None, ""))
    return rows


def test_dates_and_districts_are_counted_as_an_exact_comparison_sees_them() -> None:
    tables = register_term_frequencies(_places())
    assert set(tables) == set(TERM_FREQUENCY_FIELDS)
    assert tables["date_of_birth"].total == 201  # the learner with no date left out
    assert dict(tables["date_of_birth"].counts) == {COMMON_DAY.isoformat(): 100}
    # Districts: missing and ZZ99 pseudo-postcodes never agree exactly, so are not counted.
    assert tables["postcode_district"].total == 200
    assert dict(tables["postcode_district"].counts) == {"CF10": 120}
    assert tables["given_name"].total == 202


def _dated(given: str, family: str, day: datetime.date, postcode: str) -> PersonDetails:
    return PersonDetails(given, family, day, "1", postcode)


def test_a_rare_date_of_birth_agreeing_weighs_more_than_a_common_one() -> None:
    tables = register_term_frequencies(_places())
    params = with_term_frequencies(DEFAULT_PARAMETERS, tables)
    # Different addresses: the plain date row weighs the date (not the household's).
    common = score_candidate(
        _dated("Oliver", "Smith", COMMON_DAY, "CF10 1AB"),
        Candidate(1, _dated("Oliver", "Smith", COMMON_DAY, "LL57 2DG")),
        params,
    )
    rare = score_candidate(
        _dated("Oliver", "Smith", RARE_DAY, "CF10 1AB"),
        Candidate(1, _dated("Oliver", "Smith", RARE_DAY, "LL57 2DG")),
        params,
    )
    table = tables["date_of_birth"]
    assert table.bits(COMMON_DAY.isoformat()) < 0 < table.bits(RARE_DAY.isoformat())
    # A rare date adds nothing (MAX_RARITY_BITS_BY_TABLE); a common one is weighed down.
    bits = params.term_frequency_bits
    assert bits("date_of_birth", RARE_DAY.isoformat()) == 0.0
    assert bits("date_of_birth", COMMON_DAY.isoformat()) == table.bits(COMMON_DAY.isoformat())
    assert rare.score > common.score
    assert rare.score - common.score == pytest.approx(-table.bits(COMMON_DAY.isoformat()))
    dates = {item.field: item for item in common.evidence}["date_of_birth"]
    assert dates.weight == pytest.approx(
        DEFAULT_PARAMETERS.weight("date_of_birth", "exact") + table.bits(COMMON_DAY.isoformat())
    )


def test_a_postcode_in_a_rare_district_agreeing_weighs_more_than_in_a_common_one() -> None:
    tables = register_term_frequencies(_places())
    params = with_term_frequencies(DEFAULT_PARAMETERS, tables)
    # Different family names: the plain postcode row weighs the address.
    common = score_candidate(
        _dated("Oliver", "Smith", COMMON_DAY, "CF10 1AB"),
        Candidate(1, _dated("Oliver", "Jones", COMMON_DAY, "CF10 1AB")),
        params,
    )
    rare = score_candidate(
        _dated("Oliver", "Smith", COMMON_DAY, "B150 1AA"),
        Candidate(1, _dated("Oliver", "Jones", COMMON_DAY, "B150 1AA")),
        params,
    )
    table = tables["postcode_district"]
    assert table.bits("CF10") < 0 < table.bits("B150")
    assert params.term_frequency_bits("postcode_district", "B150") == 0.0
    assert rare.score > common.score
    assert rare.score - common.score == pytest.approx(-table.bits("CF10"))
    # Only an exact postcode is adjusted: a shared district alone weighs as the table says.
    near = score_candidate(
        _dated("Oliver", "Smith", COMMON_DAY, "B150 1AA"),
        Candidate(1, _dated("Oliver", "Jones", COMMON_DAY, "B150 2ZZ")),
        params,
    )
    postcode = {item.field: item for item in near.evidence}["postcode"]
    assert postcode.verdict != "exact"
    assert postcode.weight == pytest.approx(params.weight("postcode", postcode.verdict))


def test_without_date_and_district_tables_the_weights_are_unchanged() -> None:
    """The shipped defaults carry no tables; a fitted model with names only adjusts names."""
    query = _dated("Oliver", "Smith", RARE_DAY, "B150 1AA")
    record = _dated("Oliver", "Jones", RARE_DAY, "B150 1AA")
    shipped = score_candidate(query, Candidate(1, record))
    names_only = with_term_frequencies(DEFAULT_PARAMETERS, term_frequencies(_register()))
    with_names = score_candidate(query, Candidate(1, record), names_only)
    for scored in (shipped, with_names):
        weights = {item.field: item.weight for item in scored.evidence}
        assert weights["date_of_birth"] == pytest.approx(
            DEFAULT_PARAMETERS.weight("date_of_birth", "exact")
        )
        assert weights["postcode"] == pytest.approx(DEFAULT_PARAMETERS.weight("postcode", "exact"))


def test_a_tiny_register_adjusts_nothing() -> None:
    """Fewer than MIN_TERM_FREQUENCY_VALUES values: the frequencies are chance."""
    few = [(f"G{i}", f"F{i}", COMMON_DAY if i < 5 else RARE_DAY, "CF10 1AB") for i in range(20)]
    tables = register_term_frequencies(few)
    assert tables["date_of_birth"].total < MIN_TERM_FREQUENCY_VALUES
    assert tables["date_of_birth"].bits(COMMON_DAY.isoformat()) == 0.0
    assert tables["date_of_birth"].bits(RARE_DAY.isoformat()) == 0.0
    assert tables["postcode_district"].bits("CF10") == 0.0
