"""The matching model estimated from this register, versioned, and the one searches use.

`fit_matching_model` pairs learners with the other learners their search keys retrieve (the
pairs `decide` weighs: relatives, namesakes, neighbours, and any duplicate records), counts
how the pairs compare and estimates m and u by expectation-maximisation
(`lrs.matching.estimate.fit_unsupervised`), starting from the shipped table. The result is a
new, inactive `MatchingModel` version; `activate` switches searches over to it (or back to the
shipped defaults). docs/adr/0008-matching-model-fitted-to-the-register.md.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator

from django.db import transaction
from django.utils import timezone

from lrs.learners.matching_adapter import (
    active_parameters,
    candidate_rows_for_many,
    parameters_of,
    person_from,
    person_of_row,
)
from lrs.learners.models import Learner, MatchingModel
from lrs.matching import DEFAULT_PARAMETERS, PersonDetails
from lrs.matching.estimate import (
    Pattern,
    comparison_patterns,
    fit_unsupervised,
    term_frequencies,
)

__all__ = [
    "activate",
    "active_parameters",
    "fit_matching_model",
    "parameters_of",
    "weight_report",
]

# Learners whose candidates are fetched in one statement.
_CHUNK = 500

Progress = Callable[[int, int], None]


def _learner_ids(sample: int | None, seed: int) -> list[int]:
    ids = list(
        Learner.objects.filter(master__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    if sample is not None and sample < len(ids):
        ids = sorted(random.Random(seed).sample(ids, sample))  # noqa: S311 - sampling, not security
    return ids


def _register_pairs(
    ids: list[int], progress: Progress | None
) -> Iterator[tuple[PersonDetails, PersonDetails]]:
    """Each learner (as a search) with every other learner its search keys retrieve."""
    for start in range(0, len(ids), _CHUNK):
        chunk = list(Learner.objects.filter(pk__in=ids[start : start + _CHUNK]).order_by("pk"))
        people = [person_from(learner) for learner in chunk]
        for learner, person, rows in zip(
            chunk, people, candidate_rows_for_many(people), strict=True
        ):
            for row in rows:
                if row[0] != learner.pk:
                    yield person, person_of_row(row)
        if progress is not None:
            progress(min(start + _CHUNK, len(ids)), len(ids))


def fit_matching_model(
    *, sample: int | None = None, seed: int = 0, progress: Progress | None = None
) -> MatchingModel:
    """Estimate the model from the register's own candidate pairs; store it, inactive.

    The prior stays the shipped one: it is the chance that a candidate retrieved for a
    *search* is the learner searched for, which pairs within the register cannot tell (they
    are nearly all different people; the prior the fit finds among them is reported in `fit`).
    """
    started = time.perf_counter()
    ids = _learner_ids(sample, seed)
    patterns: Counter[Pattern] = comparison_patterns(_register_pairs(ids, progress))
    result = fit_unsupervised(patterns, start=DEFAULT_PARAMETERS)
    fitted = result.parameters
    # How common each given and family name is, over the whole register (not the sample).
    frequencies = term_frequencies(
        Learner.objects.filter(master__isnull=True)
        .values_list("given_name", "family_name")
        .iterator(chunk_size=10_000)
    )
    stored = MatchingModel.objects.create(
        parameters={
            "m": fitted.m,
            "u": fitted.u,
            "prior": DEFAULT_PARAMETERS.prior,
            "term_frequencies": {name: table.as_data() for name, table in frequencies.items()},
        },
        fit={
            "source": "register: each learner's search keys, other learners retrieved",
            "learners": len(ids),
            "pairs": result.pairs,
            "patterns": result.patterns,
            "iterations": result.iterations,
            "converged": result.converged,
            "expected_matches": round(result.expected_matches, 2),
            "prior_among_register_pairs": fitted.prior,
            "term_frequency_names": frequencies["family_name"].total,
            "seconds": round(time.perf_counter() - started, 1),
        },
    )
    return stored


@transaction.atomic
def activate(version: int | None) -> MatchingModel | None:
    """Make a stored version the one searches use; None goes back to the shipped defaults."""
    MatchingModel.objects.filter(active=True).update(active=False)
    if version is None:
        return None
    model = MatchingModel.objects.select_for_update().get(pk=version)
    model.active = True
    model.activated_at = timezone.now()
    model.save(update_fields=["active", "activated_at"])
    return model


def weight_report(model: MatchingModel) -> list[tuple[str, str, float, float]]:
    """(row, verdict, shipped weight, fitted weight) for every verdict, in bits."""
    fitted = parameters_of(model)
    return [
        (row, verdict, DEFAULT_PARAMETERS.weight(row, verdict), fitted.weight(row, verdict))
        for row, verdicts in fitted.m.items()
        for verdict in verdicts
    ]
