"""Estimating the model's m and u probabilities from labelled pairs of records.

Apart from ``model`` because estimating compares records (``compare``), and comparing weighs
verdicts with the model's parameters: ``model`` stays at the bottom, imported by both.
``bench.matching.fit`` feeds this with pairs from the synthetic register.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lrs.matching.compare import VerdictKey, comparison_key, prepared_verdicts, verdicts_of_key
from lrs.matching.model import (
    FIELD_VERDICTS,
    MISSING,
    PRIOR_SHARE,
    ModelParameters,
    TermFrequencies,
)
from lrs.matching.prepare import compared_district, compared_names, prepared
from lrs.matching.types import PersonDetails

__all__ = [
    "MIN_PSEUDO_PAIRS",
    "NOT_FITTED",
    "FitResult",
    "LabelledPair",
    "Pattern",
    "comparison_patterns",
    "estimate_parameters",
    "fit_to_register",
    "fit_unsupervised",
    "labelled_patterns",
    "patterns_of_keys",
    "register_term_frequencies",
    "term_frequencies",
    "with_term_frequencies",
]


def estimate_parameters(
    pairs: Iterable[tuple[PersonDetails, PersonDetails, bool]],
    *,
    start: ModelParameters | None = None,
    share: float = 0.0,
) -> ModelParameters:
    """Re-estimate m, u and the prior from labelled pairs ``(query, record, same_person)``.

    Each table row's verdict frequencies are counted among matching pairs (m) and non-matching
    pairs (u). Pairs where a field was not compared do not count for that row. The prior is the
    smoothed share of matching pairs, so sample the pairs the way the prior is meant: random
    pairs for a register-wide prior, pairs from blocking output for a within-block one.

    Without ``start`` the counts get add-one (Laplace) smoothing over the row's verdicts, so no
    weight is infinite. With ``start`` the estimate is the posterior mean under a Dirichlet
    prior centred on ``start``'s m and u, worth ``share`` of the pairs counted in the row: the
    data dominates where it has anything to say, a row it never exercises (a UPN, say) keeps
    ``start``'s values, and a verdict it never shows keeps ``start``'s weight (log2 m/u)
    rather than zero, whatever the numbers of matching and non-matching pairs.
    """
    counts: dict[bool, dict[str, dict[str, int]]] = {
        same: {name: dict.fromkeys(verdicts, 0) for name, verdicts in FIELD_VERDICTS.items()}
        for same in (True, False)
    }
    totals = {True: 0, False: 0}
    for query, record, same in pairs:
        totals[same] += 1
        for _, verdict, row in prepared_verdicts(prepared(query), prepared(record)):
            rows = counts[same].get(row)
            if rows is not None and verdict in rows:
                rows[verdict] += 1

    def smoothed(
        counted: dict[str, dict[str, int]], centre: Mapping[str, Mapping[str, float]] | None
    ) -> dict[str, dict[str, float]]:
        result: dict[str, dict[str, float]] = {}
        for name, rows in counted.items():
            seen = sum(rows.values())
            if centre is None or share <= 0 or name not in centre:
                result[name] = {
                    verdict: (count + 1) / (seen + len(rows)) for verdict, count in rows.items()
                }
                continue
            total = sum(centre[name].get(verdict, 0.0) for verdict in rows)
            pseudo = share * seen
            result[name] = {
                verdict: (count + pseudo * centre[name].get(verdict, 0.0) / total) / (seen + pseudo)
                if seen
                else centre[name].get(verdict, 0.0) / total
                for verdict, count in rows.items()
            }
        return result

    prior = (totals[True] + 1) / (totals[True] + totals[False] + 2)
    return ModelParameters(
        m=smoothed(counts[True], start.m if start else None),
        u=smoothed(counts[False], start.u if start else None),
        prior=prior,
    )


# Unsupervised estimation (issue 13) ------------------------------------------------------------

Pattern = tuple[tuple[str, str], ...]
"""A comparison vector: the (model row, verdict) of every field compared, "missing" left out."""

# The fewest pairs the starting table counts for in a row, however few pairs the data puts there:
# a register with a handful of duplicates must not turn m into the accident of those few.
MIN_PSEUDO_PAIRS = 50.0


@dataclass(frozen=True, slots=True)
class FitResult:
    """The parameters an unsupervised fit arrived at, and how it got there."""

    parameters: ModelParameters
    pairs: int
    patterns: int
    iterations: int
    converged: bool
    expected_matches: float
    # Pairs whose class a person decided, counted with a fixed posterior (see fit_unsupervised).
    labelled_matches: int = 0
    labelled_non_matches: int = 0


@dataclass(frozen=True, slots=True)
class LabelledPair:
    """Two records whose class a person decided: one learner (``same``) or two.

    ``source`` says which decision (for the report); ``keys`` are the two register entries
    compared when both are on the register, so the fit can leave that pair out of the
    unlabelled ones (a pair counts once, with the class it was given).
    """

    query: PersonDetails
    record: PersonDetails
    same: bool
    source: str = ""
    keys: tuple[int, int] | None = None


def comparison_patterns(pairs: Iterable[tuple[PersonDetails, PersonDetails]]) -> Counter[Pattern]:
    """Count the comparison vectors of unlabelled candidate pairs ``(query, record)``.

    Pairs that compare the same way are one pattern with a count, so expectation-maximisation
    works on a few thousand patterns rather than millions of pairs.
    """
    counts: dict[VerdictKey, int] = {}
    for query, record in pairs:
        key = comparison_key(prepared(query), prepared(record))
        counts[key] = counts.get(key, 0) + 1
    return patterns_of_keys(counts)


def patterns_of_keys(counts: Mapping[VerdictKey, int]) -> Counter[Pattern]:
    """Pairs counted by their ``VerdictKey`` (``compare.comparison_key``), counted by pattern.

    A pair's key is cheaper to build and hash than its pattern; a register's millions of pairs
    have a few thousand distinct keys, each turned into its pattern once.
    """
    patterns: Counter[Pattern] = Counter()
    for key, count in counts.items():
        patterns[_pattern(verdicts_of_key(key))] += count
    return patterns


def labelled_patterns(
    pairs: Iterable[LabelledPair],
) -> tuple[Counter[Pattern], Counter[Pattern]]:
    """Count the comparison vectors of labelled pairs: (those of matches, those of non-matches)."""
    matches: Counter[Pattern] = Counter()
    non_matches: Counter[Pattern] = Counter()
    for pair in pairs:
        pattern = _pattern(prepared_verdicts(prepared(pair.query), prepared(pair.record)))
        (matches if pair.same else non_matches)[pattern] += 1
    return matches, non_matches


# Verdicts that stand for a value not given (a ZZ99 pseudo-postcode) rather than a comparison:
# left out of the fit like "missing", and kept at the starting table's weight. Fitted, the ZZ99
# row took +4 bits on generated data (its learners on ZZ99 were nearly all the ones searched
# for) and made a namesake born the same day an automatic match.
NOT_FITTED = frozenset(
    {("postcode", "default_postcode"), ("postcode|same_family", "default_postcode")}
)


def _pattern(verdicts: list[tuple[str, str, str]]) -> Pattern:
    return tuple(
        (row, verdict)
        for _field, verdict, row in verdicts
        if verdict != MISSING
        and (row, verdict) not in NOT_FITTED
        and len(FIELD_VERDICTS.get(row, ())) > 1
    )


def fit_unsupervised(
    patterns: Mapping[Pattern, int],
    *,
    start: ModelParameters,
    share: float = PRIOR_SHARE,
    max_iterations: int = 100,
    tolerance: float = 1e-5,
    fixed_u: bool = False,
    matches: Mapping[Pattern, int] | None = None,
    non_matches: Mapping[Pattern, int] | None = None,
) -> FitResult:
    """Estimate m, u and the prior from unlabelled candidate pairs by expectation-maximisation.

    The pairs are a mixture of matches (share ``prior``) and non-matches; with the fields
    taken as independent given the class (the context rows of ``model`` carry the dependence
    that matters), each iteration

    * E: gives each pattern its posterior probability of being a match under the current
      m, u and prior;
    * M: re-counts each row's verdicts among matches (weighted by that probability) for m and
      among non-matches (weighted by its complement) for u, and the prior as the expected
      share of matches.

    It starts from ``start`` (the shipped table), so the match class is the one the table
    means. Each row's counts are smoothed towards ``start`` as ``estimate_parameters`` does,
    worth ``share`` of the row's expected pairs and never fewer than ``MIN_PSEUDO_PAIRS``: a
    row the data never exercises (UPN, say) keeps ``start``'s values. The pairs must be the
    ones blocking retrieves, as ``decide`` weighs them: the prior is then per candidate.

    ``fixed_u`` keeps ``start``'s u and estimates m and the prior only: the second stage when
    u came from pairs known to be nearly all different people (the register's own pairs), as
    Splink estimates u from random pairs and m by EM.

    ``matches`` and ``non_matches`` are labelled pairs (a person decided them: the service's
    own decisions), by pattern. They are observations whose posterior is known, so the E-step
    leaves them at 1 (matches) or 0 (non-matches) instead of computing it: each iteration adds
    their counts to m's (matches) or u's (non-matches) side of the M-step, the standard
    semi-supervised EM (Nigam et al. 2000; fastLink's and Splink's training from labels). They
    pull the estimate towards what people decided, weighed like any other pair of the row,
    and they keep pulling while the unlabelled posteriors move. They are left out of the
    prior: they were chosen by the decisions themselves (a person saw them because the engine
    hesitated), not sampled the way the candidate pairs are.
    """
    items = [(pattern, float(count)) for pattern, count in patterns.items() if count > 0]
    fixed = [
        (pattern, float(count), True) for pattern, count in (matches or {}).items() if count > 0
    ] + [
        (pattern, float(count), False)
        for pattern, count in (non_matches or {}).items()
        if count > 0
    ]
    total = sum(count for _, count in items)
    m = {row: dict(values) for row, values in start.m.items()}
    u = {row: dict(values) for row, values in start.u.items()}
    prior = min(max(start.prior, 1e-6), 1.0 - 1e-6)
    converged = False
    iteration = 0
    expected = 0.0
    for iteration in range(1, max_iterations + 1):  # noqa: B007
        m_counts: dict[str, dict[str, float]] = {
            row: dict.fromkeys(verdicts, 0.0) for row, verdicts in FIELD_VERDICTS.items()
        }
        u_counts: dict[str, dict[str, float]] = {
            row: dict.fromkeys(verdicts, 0.0) for row, verdicts in FIELD_VERDICTS.items()
        }
        expected = 0.0
        prior_log = math.log(prior) - math.log1p(-prior)
        for pattern, count in items:
            log_odds = prior_log
            for row, verdict in pattern:
                log_odds += math.log(m[row][verdict]) - math.log(u[row][verdict])
            match = _logistic(log_odds)
            expected += count * match
            for row, verdict in pattern:
                m_counts[row][verdict] += count * match
                u_counts[row][verdict] += count * (1.0 - match)
        for pattern, count, same in fixed:
            side = m_counts if same else u_counts
            for row, verdict in pattern:
                side[row][verdict] += count
        new_m = _smoothed_rows(m_counts, start.m, share)
        new_u = u if fixed_u else _smoothed_rows(u_counts, start.u, share)
        new_prior = (expected + 1.0) / (total + 2.0)
        change = max(
            abs(new_prior - prior),
            *(abs(new_m[r][v] - m[r][v]) for r in new_m for v in new_m[r]),
            *(abs(new_u[r][v] - u[r][v]) for r in new_u for v in new_u[r]),
        )
        m, u, prior = new_m, new_u, new_prior
        if change < tolerance:
            converged = True
            break
    for row, verdict in NOT_FITTED:
        if row in m and verdict in m[row]:
            m[row][verdict] = start.m[row][verdict]
            u[row][verdict] = start.u[row][verdict]
    return FitResult(
        parameters=ModelParameters(m=m, u=u, prior=prior),
        pairs=int(total),
        patterns=len(items),
        iterations=iteration,
        converged=converged,
        expected_matches=expected,
        labelled_matches=int(sum(count for _, count, same in fixed if same)),
        labelled_non_matches=int(sum(count for _, count, same in fixed if not same)),
    )


def fit_to_register(
    patterns: Mapping[Pattern, int],
    *,
    start: ModelParameters,
    share: float = PRIOR_SHARE,
    matches: Mapping[Pattern, int] | None = None,
    non_matches: Mapping[Pattern, int] | None = None,
) -> FitResult:
    """Estimate u from the register's own candidate pairs and m from the people's decisions.

    ``patterns`` are the register's pairs: each learner with the other learners its search
    keys retrieve. A register holds almost no duplicates (finding them is what searches and the
    duplicate finder are for), so its pairs are counted as different people, as Splink counts
    u over random pairs: u is how often two different people retrieved together agree, on this
    register's names, dates and addresses. m stays ``start``'s, moved by the pairs a person
    decided were one learner (``matches``); ``non_matches`` count with the register's pairs.
    Each row is smoothed towards ``start`` as ``fit_unsupervised`` smooths it, and the prior is
    ``start``'s: register pairs cannot tell how often a search's candidate is the learner.

    Not expectation-maximisation over the register's pairs: with next to no matches among them,
    EM's "match" class fills with the nearest non-matches, twins, siblings and namesakes, and
    learns that a different given name or postcode hardly counts. On 100,000 synthetic
    learners, m and u by EM over the register's pairs auto-matched 69 of 5,000 searches to the
    wrong person (59 % of new namesakes) and 60 % of the right ones; u counted here, m shipped:
    1 wrong, 94.7 % right (``bench.matching``: the shipped table 0 and 91.4 %). EM needs pairs
    with many matches among them, such as a set's searches (``bench.matching``'s fitted column).
    """
    register = Counter({pattern: count for pattern, count in patterns.items() if count > 0})
    different = register + Counter(non_matches or {})
    counted = fit_unsupervised({}, start=start, share=share, matches=matches, non_matches=different)
    # A row no decided match shows keeps the shipped m exactly (smoothing would renormalise it).
    decided_rows = {row for pattern in matches or {} for row, _ in pattern}
    m = {
        row: dict(values) if row in decided_rows else dict(start.m.get(row, values))
        for row, values in counted.parameters.m.items()
    }
    return FitResult(
        parameters=ModelParameters(m=m, u=counted.parameters.u, prior=start.prior),
        pairs=sum(register.values()),
        patterns=len(register),
        iterations=0,
        converged=True,
        expected_matches=0.0,
        labelled_matches=counted.labelled_matches,
        labelled_non_matches=counted.labelled_non_matches - sum(register.values()),
    )


def _logistic(log_odds: float) -> float:
    if log_odds >= 0:
        return 1.0 / (1.0 + math.exp(-min(log_odds, 700.0)))
    odds = math.exp(max(log_odds, -700.0))
    return odds / (1.0 + odds)


def _smoothed_rows(
    counted: Mapping[str, Mapping[str, float]],
    centre: Mapping[str, Mapping[str, float]],
    share: float,
) -> dict[str, dict[str, float]]:
    result: dict[str, dict[str, float]] = {}
    for row, counts in counted.items():
        seen = sum(counts.values())
        reference = centre.get(row, {})
        norm = sum(reference.get(verdict, 0.0) for verdict in counts) or 1.0
        pseudo = max(share * seen, MIN_PSEUDO_PAIRS)
        result[row] = {
            verdict: (count + pseudo * reference.get(verdict, 0.0) / norm) / (seen + pseudo)
            for verdict, count in counts.items()
        }
        # A verdict the table never weighs (zero in ``start``) must still be finite.
        floor = 1e-9
        result[row] = {verdict: max(value, floor) for verdict, value in result[row].items()}
    return result


def term_frequencies(names: Iterable[tuple[str, str]]) -> dict[str, TermFrequencies]:
    """Count the register's given and family names ``(given_name, family_name)`` as an exact
    comparison sees them: the term-frequency tables of ``TERM_FREQUENCY_FIELDS``.

    Counted on the register the model serves, never on the searches: like u, how common a
    name is is a property of the people registered.
    """
    given: list[str] = []
    family: list[str] = []
    for given_name, family_name in names:
        given_value, family_value = compared_names(given_name, family_name)
        given.append(given_value)
        family.append(family_value)
    return {
        "given_name": TermFrequencies.of(given),
        "family_name": TermFrequencies.of(family),
    }


def register_term_frequencies(
    rows: Iterable[tuple[str, str, datetime.date | None, str]],
) -> dict[str, TermFrequencies]:
    """Count the register's ``(given_name, family_name, date_of_birth, postcode)`` in one pass:
    the four term-frequency tables of ``TERM_FREQUENCY_FIELDS``.

    Names as ``term_frequencies`` counts them; dates of birth as ISO dates; postcodes by their
    district (outward code), missing and ZZ99 pseudo-postcodes left out, as an exact postcode
    comparison never weighs them.
    """
    given: list[str] = []
    family: list[str] = []
    dates: list[str] = []
    districts: list[str] = []
    for given_name, family_name, date_of_birth, postcode in rows:
        given_value, family_value = compared_names(given_name, family_name)
        given.append(given_value)
        family.append(family_value)
        dates.append(date_of_birth.isoformat() if date_of_birth is not None else "")
        districts.append(compared_district(postcode or ""))
    return {
        "given_name": TermFrequencies.of(given),
        "family_name": TermFrequencies.of(family),
        "date_of_birth": TermFrequencies.of(dates),
        "postcode_district": TermFrequencies.of(districts),
    }


def with_term_frequencies(
    params: ModelParameters, frequencies: Mapping[str, TermFrequencies]
) -> ModelParameters:
    """``params`` with the register's term frequencies attached."""
    return ModelParameters(
        m=params.m, u=params.u, prior=params.prior, term_frequencies=dict(frequencies)
    )
