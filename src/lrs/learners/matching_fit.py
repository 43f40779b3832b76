"""The matching model estimated from this register, versioned, and the one searches use.

`fit_matching_model` pairs learners with the other learners their search keys retrieve (the
pairs `decide` weighs: relatives, namesakes, neighbours, and any duplicate records), counts
how the pairs compare, and estimates u from them and m from the shipped table and the
people's decisions (`lrs.matching.estimate.fit_to_register`, which says why not by
expectation-maximisation). The result is a new, inactive `MatchingModel` version; `activate`
switches searches over to it (or back to the shipped defaults).
docs/adr/0008-matching-model-fitted-to-the-register.md.

Given labelled pairs (the service's own decisions, gathered by `lrs.challenges.labelled_pairs`:
this layer cannot see batches or challenges), the fit counts them with the class a person gave
them, and `decision_changes` tells how many of them the new version would decide otherwise
than the one searches use now.
"""

from __future__ import annotations

import random
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from lrs.learners.matching_adapter import (
    MATCH_CONFIG,
    active_parameters,
    candidate_rows_for_many,
    parameters_of,
    person_from,
    person_of_row,
)
from lrs.learners.models import Learner, MatchingModel
from lrs.matching import (
    DEFAULT_PARAMETERS,
    Candidate,
    MatchKind,
    ModelParameters,
    PersonDetails,
    decide,
)
from lrs.matching.estimate import (
    LabelledPair,
    Pattern,
    comparison_patterns,
    fit_to_register,
    labelled_patterns,
    register_term_frequencies,
    with_term_frequencies,
)

__all__ = [
    "OUTCOMES",
    "activate",
    "active_parameters",
    "decision_changes",
    "fit_matching_model",
    "pair_outcome",
    "parameters_of",
    "weight_report",
]

# Learners whose candidates are fetched in one statement.
_CHUNK = 500

Progress = Callable[[int, int], None]


class _Phases:
    """Wall time, CPU time (user + system, this process) and peak memory of each phase of a
    fit, for the version's record (`fit["phases"]`) and `bench/fit.py`."""

    def __init__(self) -> None:
        self.phases: dict[str, dict[str, float]] = {}
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def end(self, name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.phases[name] = {
            "wall": round(wall - self._wall, 2),
            "cpu": round(cpu - self._cpu, 2),
            "peak_mb": round(peak, 1),
        }
        self._wall, self._cpu = wall, cpu


def _learner_ids(sample: int | None, seed: int) -> list[int]:
    ids = list(
        Learner.objects.filter(master__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    if sample is not None and sample < len(ids):
        ids = sorted(random.Random(seed).sample(ids, sample))  # noqa: S311 - sampling, not security
    return ids


def _register_pairs(
    ids: list[int], progress: Progress | None, labelled: frozenset[frozenset[int]] = frozenset()
) -> Iterator[tuple[PersonDetails, PersonDetails]]:
    """Each learner (as a search) with every other learner its search keys retrieve, but for
    the pairs in `labelled` (a person decided them: they count with their label instead)."""
    for start in range(0, len(ids), _CHUNK):
        chunk = list(Learner.objects.filter(pk__in=ids[start : start + _CHUNK]).order_by("pk"))
        people = [person_from(learner) for learner in chunk]
        for learner, person, rows in zip(
            chunk, people, candidate_rows_for_many(people), strict=True
        ):
            for row in rows:
                if row[0] != learner.pk and frozenset((learner.pk, row[0])) not in labelled:
                    yield person, person_of_row(row)
        if progress is not None:
            progress(min(start + _CHUNK, len(ids)), len(ids))


def fit_matching_model(
    *,
    sample: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    labelled: Sequence[LabelledPair] | None = None,
) -> MatchingModel:
    """Estimate the model from the register's own candidate pairs; store it, inactive.

    The prior stays the shipped one: it is the chance that a candidate retrieved for a
    *search* is the learner searched for, which pairs within the register cannot tell (they
    are nearly all different people).

    `labelled` (None: a fit without decisions): pairs a person decided, counted as matches or
    non-matches (`fit_to_register`); a register pair among them is left out of the register's
    pairs. The version records how many were used, by source, and
    how the labelled pairs would be decided by it and by the parameters in use now
    (`decision_changes`).
    """
    started = time.perf_counter()
    phases = _Phases()
    ids = _learner_ids(sample, seed)
    phases.end("learner ids")
    decided = frozenset(frozenset(pair.keys) for pair in labelled or () if pair.keys is not None)
    patterns: Counter[Pattern] = comparison_patterns(_register_pairs(ids, progress, decided))
    matches, non_matches = labelled_patterns(labelled or ())
    phases.end("pairing and comparing")
    result = fit_to_register(
        patterns, start=DEFAULT_PARAMETERS, matches=matches, non_matches=non_matches
    )
    fitted = result.parameters
    phases.end("estimation")
    # How common each given and family name, date of birth and postcode district is, over the
    # whole register (not the sample).
    frequencies = register_term_frequencies(
        Learner.objects.filter(master__isnull=True)
        .values_list("given_name", "family_name", "date_of_birth", "last_known_postcode")
        .iterator(chunk_size=10_000)
    )
    phases.end("term frequencies")
    fit: dict[str, Any] = {
        "source": "register: each learner's search keys, other learners retrieved",
        "learners": len(ids),
        "estimation": "u counted over the register's pairs; m shipped, moved by decisions",
        "pairs": result.pairs,
        "patterns": result.patterns,
        "term_frequency_names": frequencies["family_name"].total,
        "term_frequency_tables": {
            name: {"values": table.total, "kept": len(table.counts)}
            for name, table in frequencies.items()
        },
    }
    if labelled is not None:
        sources = Counter(
            f"{pair.source}:{'match' if pair.same else 'non_match'}" for pair in labelled
        )
        fit["source"] += "; and the service's own decisions (labelled pairs)"
        fit["labelled"] = {
            "matches": result.labelled_matches,
            "non_matches": result.labelled_non_matches,
            "register_pairs_left_out": len(decided),
            "by_source": dict(sorted(sources.items())),
        }
        version, current = active_parameters()
        new = with_term_frequencies(
            ModelParameters(m=fitted.m, u=fitted.u, prior=DEFAULT_PARAMETERS.prior),
            frequencies,
        )
        fit["decisions"] = {"compared_with": version, **decision_changes(labelled, current, new)}
        phases.end("labelled decisions compared")
    fit["seconds"] = round(time.perf_counter() - started, 1)
    fit["phases"] = phases.phases
    stored = MatchingModel.objects.create(
        parameters={
            "m": fitted.m,
            "u": fitted.u,
            "prior": DEFAULT_PARAMETERS.prior,
            "term_frequencies": {name: table.as_data() for name, table in frequencies.items()},
        },
        fit=fit,
    )
    return stored


# A pair's outcome as a search for one learner with the other as its only candidate would give
# it: an automatic match, a possible match a person reviews, or none.
OUTCOMES = ("auto-match", "review", "no match")
_OUTCOME_OF = {
    MatchKind.EXACT: "auto-match",
    MatchKind.POSSIBLE: "review",
    MatchKind.TOO_MANY: "review",
    MatchKind.NONE: "no match",
}


def pair_outcome(pair: LabelledPair, params: ModelParameters) -> str:
    """How `params` decide the pair: a search for `pair.query` retrieving `pair.record` alone,
    with the searches' thresholds and hard rules (`decide`)."""
    outcome = decide(pair.query, [Candidate(key=0, details=pair.record)], MATCH_CONFIG, params)
    return _OUTCOME_OF[outcome.kind]


def decision_changes(
    labelled: Sequence[LabelledPair], current: ModelParameters, new: ModelParameters
) -> dict[str, Any]:
    """How the labelled pairs are decided by the parameters in use now and by new ones.

    Returns the pairs, how many the two decide differently, and for the labelled matches and
    non-matches apart: the outcomes under each ("current", "new": {outcome: pairs}) and the
    changes ("review -> auto-match": pairs). A labelled match moving to auto-match, or a
    labelled non-match moving away from it, is the new version agreeing more with people.
    """
    tallies: dict[str, dict[str, Any]] = {
        label: {
            "pairs": 0,
            "current": dict.fromkeys(OUTCOMES, 0),
            "new": dict.fromkeys(OUTCOMES, 0),
            "changes": {},
        }
        for label in ("matches", "non_matches")
    }
    changed = 0
    for pair in labelled:
        before, after = pair_outcome(pair, current), pair_outcome(pair, new)
        tally = tallies["matches" if pair.same else "non_matches"]
        tally["pairs"] += 1
        tally["current"][before] += 1
        tally["new"][after] += 1
        if before != after:
            changed += 1
            move = f"{before} -> {after}"
            tally["changes"][move] = tally["changes"].get(move, 0) + 1
    return {"pairs": len(labelled), "decided_differently": changed, **tallies}


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
