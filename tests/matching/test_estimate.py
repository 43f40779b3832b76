"""Unsupervised estimation (expectation-maximisation) of the model from unlabelled pairs."""

import random
from collections import Counter

import pytest

from lrs.matching.estimate import NOT_FITTED, Pattern, fit_to_register, fit_unsupervised
from lrs.matching.model import DEFAULT_PARAMETERS


def _mixture(matches: int, others: int, seed: int = 3) -> Counter[Pattern]:
    """Pairs whose names agree 90% of the time when matched, 5% when not; dates likewise."""
    rng = random.Random(seed)
    counts: Counter[Pattern] = Counter()
    for same, n in ((True, matches), (False, others)):
        agree = 0.9 if same else 0.05
        for _ in range(n):
            counts[
                (
                    ("given_name", "exact" if rng.random() < agree else "different"),
                    ("family_name", "exact" if rng.random() < agree else "different"),
                    ("date_of_birth", "exact" if rng.random() < agree else "different"),
                    ("postcode", "default_postcode"),
                )
            ] += 1
    return counts


def test_em_recovers_the_mixture_it_was_given() -> None:
    result = fit_unsupervised(_mixture(3000, 7000), start=DEFAULT_PARAMETERS)
    params = result.parameters
    assert result.converged
    assert params.prior == pytest.approx(0.3, abs=0.03)
    assert params.m["family_name"]["exact"] == pytest.approx(0.9, abs=0.05)
    assert params.u["family_name"]["exact"] == pytest.approx(0.05, abs=0.03)


def test_a_pseudo_postcode_keeps_the_shipped_weight() -> None:
    params = fit_unsupervised(_mixture(3000, 7000), start=DEFAULT_PARAMETERS).parameters
    for row, verdict in NOT_FITTED:
        assert params.weight(row, verdict) == pytest.approx(DEFAULT_PARAMETERS.weight(row, verdict))


def test_fixed_u_estimates_m_and_the_prior_only() -> None:
    result = fit_unsupervised(_mixture(3000, 7000), start=DEFAULT_PARAMETERS, fixed_u=True)
    assert result.parameters.u["family_name"] == DEFAULT_PARAMETERS.u["family_name"]
    assert result.parameters.m["family_name"] != DEFAULT_PARAMETERS.m["family_name"]


def test_a_row_the_data_never_shows_keeps_the_starting_values() -> None:
    params = fit_unsupervised(_mixture(300, 700), start=DEFAULT_PARAMETERS).parameters
    assert params.weight("upn", "exact") == pytest.approx(DEFAULT_PARAMETERS.weight("upn", "exact"))


# Learning from the service's own decisions (issue 13 item 4): labelled pairs in EM ---------------

_FAMILY_DIFFERS: Pattern = (
    ("given_name", "exact"),
    ("family_name", "different"),
    ("date_of_birth", "exact"),
)
_NAMESAKES: Pattern = (
    ("given_name", "exact"),
    ("family_name", "exact"),
    ("date_of_birth", "different"),
)


def test_labelled_matches_that_differ_in_family_name_raise_its_m() -> None:
    unlabelled = _mixture(300, 7000)
    without = fit_unsupervised(unlabelled, start=DEFAULT_PARAMETERS)
    labelled = fit_unsupervised(
        unlabelled, start=DEFAULT_PARAMETERS, matches=Counter({_FAMILY_DIFFERS: 40})
    )
    before = without.parameters.m["family_name"]["different"]
    after = labelled.parameters.m["family_name"]["different"]
    assert after > before * 1.5
    # The weight of a differing family name moves up (less negative): people said such pairs
    # were one learner.
    assert labelled.parameters.weight("family_name", "different") > without.parameters.weight(
        "family_name", "different"
    )
    # The fields the labelled pairs agree on gain m too, and u is barely touched.
    assert (
        labelled.parameters.m["date_of_birth"]["exact"]
        >= without.parameters.m["date_of_birth"]["exact"] - 1e-3
    )
    assert labelled.parameters.u["family_name"]["different"] == pytest.approx(
        without.parameters.u["family_name"]["different"], rel=0.02
    )
    assert (labelled.labelled_matches, labelled.labelled_non_matches) == (40, 0)


def test_labelled_non_matches_raise_u_of_what_they_agree_on() -> None:
    unlabelled = _mixture(300, 700)
    without = fit_unsupervised(unlabelled, start=DEFAULT_PARAMETERS)
    labelled = fit_unsupervised(
        unlabelled, start=DEFAULT_PARAMETERS, non_matches=Counter({_NAMESAKES: 200})
    )
    # Namesakes that people said were two learners: agreeing names are commoner among
    # different people than the register's pairs alone showed, so they weigh less.
    for row in ("given_name", "family_name"):
        assert labelled.parameters.u[row]["exact"] > without.parameters.u[row]["exact"]
        assert labelled.parameters.weight(row, "exact") < without.parameters.weight(row, "exact")
    assert labelled.labelled_non_matches == 200


def test_labelled_pairs_are_not_counted_in_the_prior() -> None:
    unlabelled = _mixture(3000, 7000)
    without = fit_unsupervised(unlabelled, start=DEFAULT_PARAMETERS)
    labelled = fit_unsupervised(
        unlabelled, start=DEFAULT_PARAMETERS, matches=Counter({_FAMILY_DIFFERS: 2000})
    )
    assert labelled.pairs == without.pairs == 10_000
    assert labelled.parameters.prior == pytest.approx(without.parameters.prior, abs=0.03)


def test_no_labelled_pairs_is_the_plain_fit() -> None:
    unlabelled = _mixture(3000, 7000)
    plain = fit_unsupervised(unlabelled, start=DEFAULT_PARAMETERS)
    empty = fit_unsupervised(unlabelled, start=DEFAULT_PARAMETERS, matches={}, non_matches={})
    assert empty.parameters.m == plain.parameters.m
    assert empty.parameters.u == plain.parameters.u
    assert empty.parameters.prior == plain.parameters.prior
    assert (empty.labelled_matches, empty.labelled_non_matches) == (0, 0)


def test_labelled_patterns_counts_each_pair_by_its_class() -> None:
    import datetime

    from lrs.matching.estimate import LabelledPair, labelled_patterns
    from lrs.matching.types import PersonDetails

    megan = PersonDetails("Megan", "Pritchard", datetime.date(2009, 4, 12), "2", "CF10 3AT")
    married = PersonDetails("Megan", "Zeller", datetime.date(2009, 4, 12), "2", "CF10 3AT")
    sister = PersonDetails("Carys", "Pritchard", datetime.date(2011, 9, 1), "2", "CF10 3AT")
    matches, non_matches = labelled_patterns(
        [LabelledPair(megan, married, True, "merge"), LabelledPair(megan, sister, False)]
    )
    assert sum(matches.values()) == sum(non_matches.values()) == 1
    (pattern,) = matches
    assert dict(pattern)["family_name"] == "different"
    (other,) = non_matches
    assert dict(other)["family_name"] == "exact"


# The register's own fit (``fit_to_register``): u counted, m from the shipped table and decisions -

_TWINS: Pattern = (
    ("given_name|same_address_birthday", "different"),
    ("family_name", "exact"),
    ("date_of_birth", "exact"),
    ("postcode", "exact"),
)


def test_the_register_fit_counts_u_over_its_pairs_and_keeps_m_and_the_prior() -> None:
    strangers = _mixture(0, 10_000)
    result = fit_to_register(strangers, start=DEFAULT_PARAMETERS)
    params = result.parameters
    assert params.u["family_name"]["exact"] == pytest.approx(0.05, abs=0.01)
    assert params.m == DEFAULT_PARAMETERS.m
    assert params.prior == DEFAULT_PARAMETERS.prior
    assert (result.pairs, result.patterns) == (10_000, len(strangers))
    assert (result.labelled_matches, result.labelled_non_matches) == (0, 0)


def test_a_register_of_relatives_never_makes_a_different_name_count_for_a_match() -> None:
    """EM over pairs with no matches among them takes the nearest relatives for matches (twins
    here) and learns that their different given names hardly count; counted as different
    people, twins make a different given name count against a match even more."""
    relatives: Counter[Pattern] = Counter({_TWINS: 5_000, **_mixture(0, 5_000)})
    params = fit_to_register(relatives, start=DEFAULT_PARAMETERS).parameters
    row = "given_name|same_address_birthday"
    assert params.weight(row, "different") <= DEFAULT_PARAMETERS.weight(row, "different")
    assert params.weight(row, "different") < -10


def test_decided_matches_move_m_in_the_register_fit() -> None:
    before = fit_to_register(_mixture(0, 5_000), start=DEFAULT_PARAMETERS).parameters
    result = fit_to_register(
        _mixture(0, 5_000), start=DEFAULT_PARAMETERS, matches=Counter({_FAMILY_DIFFERS: 400})
    )
    after = result.parameters
    assert after.m["family_name"]["different"] > before.m["family_name"]["different"]
    assert after.u == before.u
    assert (result.labelled_matches, result.labelled_non_matches) == (400, 0)
