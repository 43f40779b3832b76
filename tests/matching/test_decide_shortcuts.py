"""``decide``'s shortcuts change no decision.

``decide`` tells most candidates below the "possible" threshold by their score, asking the
logistic function only near the cut-off (``_possible_band``). The candidates it keeps must be
exactly those ``params.probability(score) >= config.possible_probability`` keeps.
"""

import math

from hypothesis import given
from hypothesis import strategies as st

from lrs.matching.decide import DEFAULT_CONFIG, _possible_band
from lrs.matching.model import DEFAULT_PARAMETERS, ModelParameters


def _kept_by_band(score: float, possible: float, params: ModelParameters) -> bool:
    below, above = _possible_band(possible, params.prior_bits)
    return score >= above or (score > below and params.probability(score) >= possible)


def _cutoff(possible: float, params: ModelParameters) -> float:
    return math.log2(possible / (1.0 - possible)) - params.prior_bits


@given(offset=st.floats(min_value=-1e-5, max_value=1e-5))
def test_scores_next_to_the_cut_off_are_kept_as_the_probability_keeps_them(offset: float) -> None:
    possible = DEFAULT_CONFIG.possible_probability
    score = _cutoff(possible, DEFAULT_PARAMETERS) + offset
    assert _kept_by_band(score, possible, DEFAULT_PARAMETERS) == (
        DEFAULT_PARAMETERS.probability(score) >= possible
    )


@given(
    score=st.floats(min_value=-2000.0, max_value=2000.0),
    possible=st.floats(min_value=0.0, max_value=1.0),
    prior=st.floats(min_value=1e-9, max_value=0.999),
)
def test_any_score_threshold_and_prior_keep_the_same_candidates(
    score: float, possible: float, prior: float
) -> None:
    params = ModelParameters(m=DEFAULT_PARAMETERS.m, u=DEFAULT_PARAMETERS.u, prior=prior)
    assert _kept_by_band(score, possible, params) == (params.probability(score) >= possible)
