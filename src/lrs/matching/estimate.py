"""Estimating the model's m and u probabilities from labelled pairs of records.

Apart from ``model`` because estimating compares records (``compare``), and comparing weighs
verdicts with the model's parameters: ``model`` stays at the bottom, imported by both.
``bench.matching.fit`` feeds this with pairs from the synthetic register.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lrs.matching.compare import prepared_verdicts
from lrs.matching.model import FIELD_VERDICTS, ModelParameters
from lrs.matching.prepare import prepared
from lrs.matching.types import PersonDetails

__all__ = ["estimate_parameters"]


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
