"""Term-frequency adjustment: an exact name agreement weighs by how common the name is."""

import dataclasses
import datetime
import math

import pytest

from lrs.matching.decide import decide, score_candidate
from lrs.matching.estimate import term_frequencies, with_term_frequencies
from lrs.matching.model import DEFAULT_PARAMETERS, MAX_RARITY_BITS, TermFrequencies
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
