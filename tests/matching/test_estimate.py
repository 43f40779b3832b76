"""Unsupervised estimation (expectation-maximisation) of the model from unlabelled pairs."""

import random
from collections import Counter

import pytest

from lrs.matching.estimate import NOT_FITTED, Pattern, fit_unsupervised
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
