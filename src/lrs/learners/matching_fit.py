"""The matching model estimated from this register, versioned, and the one searches use.

`fit_matching_model` pairs learners with the other learners their search keys retrieve (the
pairs `decide` weighs: relatives, namesakes, neighbours, and any duplicate records), counts
how the pairs compare, and estimates u from them and m from the shipped table and the
people's decisions (`lrs.matching.estimate.fit_to_register`, which says why not by
expectation-maximisation). The result is a new, inactive `MatchingModel` version; `activate`
switches searches over to it (or back to the shipped defaults).
docs/adr/0008-matching-model-fitted-to-the-register.md.

The pairs are found as the duplicate finder finds them, not by a search per learner: the
register and its blocking-key table are read once each, every learner is prepared for the
engine once, and forked worker processes (`jobs`) look each learner's search keys up in the
key table held in memory and count its pairs by their compact verdict key
(`compare.comparison_key`). The pairs and their patterns are those of searching for each
learner in turn (tests/learners/test_matching_fit_pairs.py checks it against the search path).

Given labelled pairs (the service's own decisions, gathered by `lrs.challenges.labelled_pairs`:
this layer cannot see batches or challenges), the fit counts them with the class a person gave
them, and `decision_changes` tells how many of them the new version would decide otherwise
than the one searches use now.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import random
import resource
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from lrs.learners.matching_adapter import (
    MATCH_CONFIG,
    MAX_CANDIDATES,
    active_parameters,
    parameters_of,
    register_people,
)
from lrs.learners.models import LearnerMatchKey, MatchingModel
from lrs.matching import (
    DEFAULT_PARAMETERS,
    Candidate,
    MatchKind,
    ModelParameters,
    Prepared,
    decide,
)
from lrs.matching.blocking import prepared_query_keys
from lrs.matching.compare import VerdictKey, comparison_key
from lrs.matching.estimate import (
    LabelledPair,
    Pattern,
    fit_to_register,
    labelled_patterns,
    patterns_of_keys,
    register_term_frequencies,
    with_term_frequencies,
)
from lrs.matching.prepare import prepare_uncached

__all__ = [
    "OUTCOMES",
    "activate",
    "active_parameters",
    "decision_changes",
    "default_jobs",
    "fit_matching_model",
    "pair_outcome",
    "parameters_of",
    "register_patterns",
    "weight_report",
]

# Learners paired per task of a worker process (and per progress report).
_CHUNK = 2000

Progress = Callable[[int, int], None]


def _cpu_with_workers() -> float:
    """CPU time (user + system) of this process and of its finished worker processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class _Phases:
    """Wall time, CPU time (user + system, this process and its worker processes) and peak
    memory of each phase of a fit, for the version's record (`fit["phases"]`) and
    `bench/fit.py`. `workers_peak_mb`: the largest worker process's peak, once there were
    workers (each holds the register it inherited, shared with this process until touched)."""

    def __init__(self) -> None:
        self.phases: dict[str, dict[str, float]] = {}
        self._wall = time.perf_counter()
        self._cpu = _cpu_with_workers()

    def end(self, name: str) -> None:
        wall, cpu = time.perf_counter(), _cpu_with_workers()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        phase = {
            # The phases' order: PostgreSQL's JSON column keeps an object's keys in its own order.
            "step": len(self.phases) + 1,
            "wall": round(wall - self._wall, 2),
            "cpu": round(cpu - self._cpu, 2),
            "peak_mb": round(peak, 1),
        }
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if workers:
            phase["workers_peak_mb"] = round(workers, 1)
        self.phases[name] = phase
        self._wall, self._cpu = wall, cpu


def default_jobs() -> int:
    """Worker processes a fit run from the command line uses by default: one a CPU."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass
class _Register:
    """The register as a fit pairs it, read once: every learner not merged away, prepared
    for the engine once (in id order: a learner's position in `people` and `ids`), and the
    stored blocking keys by hash, with the positions of the learners storing each (one
    position, or a list of them). Forked worker processes inherit it."""

    ids: list[int]
    people: list[Prepared]
    holders: dict[int, int | list[int]]
    # Register pairs a person decided (as learner ids): counted with their label instead.
    labelled: frozenset[frozenset[int]]


# The register of the fit under way, for the worker processes it forks.
_register: _Register | None = None


def _read_people() -> tuple[list[int], list[Prepared]]:
    """Every learner not merged away, in id order, prepared once."""
    ids: list[int] = []
    people: list[Prepared] = []
    for pk, person in register_people():
        ids.append(pk)
        people.append(prepare_uncached(person))
    return ids, people


def _read_holders(ids: list[int]) -> dict[int, int | list[int]]:
    """The blocking-key table in one pass: for each key (by its hash) the positions of the
    learners not merged away that store it.

    Held by hash, as the duplicate finder holds them: a million learners' six million keys
    take a fraction of the memory their text would. Two keys sharing a 64-bit hash would only
    add a candidate pair (a few chances in a million at a million learners).
    """
    position = {pk: index for index, pk in enumerate(ids)}
    holders: dict[int, int | list[int]] = {}
    rows = LearnerMatchKey.objects.values_list("key", "learner_id").order_by()
    for key, learner_id in rows.iterator(chunk_size=20_000):
        index = position.get(learner_id)
        if index is None:
            continue  # merged away: a search leaves it out
        key_hash = hash(key)
        held = holders.get(key_hash)
        if held is None:
            holders[key_hash] = index
        elif isinstance(held, int):
            holders[key_hash] = [held, index]
        else:
            held.append(index)
    return holders


def _count_chunk(positions: list[int]) -> dict[VerdictKey, int]:
    """Pair each learner at these positions (as a search) with every other learner its
    search keys retrieve, and count the pairs by how they compare (`comparison_key`).

    The candidates are those of a search for the learner (`matching_adapter`): learners not
    merged away storing any of its query keys, the first `MAX_CANDIDATES` by id.
    """
    register = _register
    assert register is not None
    ids, people, holders, labelled = (
        register.ids,
        register.people,
        register.holders,
        register.labelled,
    )
    counts: dict[VerdictKey, int] = {}
    for index in positions:
        person = people[index]
        found: set[int] = set()
        for search_key in prepared_query_keys(person):
            held = holders.get(hash(search_key))
            if held is None:
                continue
            if isinstance(held, int):
                found.add(held)
            else:
                found.update(held)
        if len(found) > MAX_CANDIDATES:
            found = set(sorted(found)[:MAX_CANDIDATES])
        found.discard(index)
        if labelled:
            pk = ids[index]
            found = {other for other in found if frozenset((pk, ids[other])) not in labelled}
        for other in found:
            key = comparison_key(person, people[other])
            counts[key] = counts.get(key, 0) + 1
    return counts


def _worker_signals() -> None:
    """A forked worker starts with the default SIGTERM and SIGINT: a handler inherited from
    a worker loop would keep it alive when the pool is terminated."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _chunk_counts(
    queries: list[int], jobs: int, progress: Progress | None, chunk_size: int
) -> Iterator[dict[VerdictKey, int]]:
    """`_count_chunk` of every chunk of the positions in `queries`, by `jobs` forked worker
    processes when above 1, with progress (learners paired, of all) after each chunk."""
    chunks = [queries[start : start + chunk_size] for start in range(0, len(queries), chunk_size)]
    done = 0
    jobs = min(jobs, len(chunks))  # a small register needs no more workers than chunks
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        results: Iterator[dict[VerdictKey, int]] = map(_count_chunk, chunks)
        pool = None
    else:
        # The workers never touch the database: the register is read before they start.
        gc.freeze()  # keep the collector from touching (and so copying) the shared register
        pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_signals)
        results = pool.imap(_count_chunk, chunks)
    try:
        for chunk, counts in zip(chunks, results, strict=True):
            done += len(chunk)
            yield counts
            if progress is not None:
                progress(done, len(queries))
        if pool is not None:
            pool.close()
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
            gc.unfreeze()


def register_patterns(
    queries: list[int],
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    labelled: frozenset[frozenset[int]] = frozenset(),
    register: tuple[list[int], list[Prepared], dict[int, int | list[int]]] | None = None,
    chunk_size: int | None = None,
) -> Counter[Pattern]:
    """The comparison patterns of each learner in `queries` (learner ids, not merged away)
    as a search, with every other learner its search keys retrieve: the pairs a search for
    it would weigh, but for those in `labelled` (learner ids a person decided).

    A pair retrieved from both sides counts twice, once from each: a search compares the
    searched details with the candidate's, and a few verdicts are not symmetric (a swapped
    name, an email address made of the searched names). `register`: `_read_people` and
    `_read_holders` already read (read here otherwise). `chunk_size`: learners a task of a
    worker (and a progress report; `_CHUNK` by default); never more workers than tasks.
    """
    global _register
    if register is None:
        ids, people = _read_people()
        register = (ids, people, _read_holders(ids))
    ids, people, holders = register
    position = {pk: index for index, pk in enumerate(ids)}
    wanted = [position[pk] for pk in queries if pk in position]
    _register = _Register(ids=ids, people=people, holders=holders, labelled=labelled)
    try:
        counts: dict[VerdictKey, int] = {}
        for chunk_counts in _chunk_counts(wanted, jobs, progress, chunk_size or _CHUNK):
            for key, count in chunk_counts.items():
                counts[key] = counts.get(key, 0) + count
        return patterns_of_keys(counts)
    finally:
        _register = None


def _sampled(ids: list[int], sample: int | None, seed: int) -> list[int]:
    if sample is not None and sample < len(ids):
        return sorted(random.Random(seed).sample(ids, sample))  # noqa: S311 - sampling, not security
    return ids


def fit_matching_model(
    *,
    sample: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    labelled: Sequence[LabelledPair] | None = None,
    jobs: int = 1,
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
    ids, people = _read_people()
    queries = _sampled(ids, sample, seed)
    phases.end("reading the register")
    holders = _read_holders(ids)
    phases.end("reading the blocking keys")
    decided = frozenset(frozenset(pair.keys) for pair in labelled or () if pair.keys is not None)
    patterns = register_patterns(
        queries, jobs=jobs, progress=progress, labelled=decided, register=(ids, people, holders)
    )
    del holders
    matches, non_matches = labelled_patterns(labelled or ())
    phases.end("pairing and comparing")
    result = fit_to_register(
        patterns, start=DEFAULT_PARAMETERS, matches=matches, non_matches=non_matches
    )
    fitted = result.parameters
    phases.end("estimation")
    # How common each given and family name, date of birth and postcode district is, over the
    # whole register (not the sample), from the details already read.
    frequencies = register_term_frequencies(
        (
            person.details.given_name,
            person.details.family_name,
            person.details.date_of_birth,
            person.details.postcode,
        )
        for person in people
    )
    del people
    phases.end("term frequencies")
    fit: dict[str, Any] = {
        "source": "register: each learner's search keys, other learners retrieved",
        "learners": len(queries),
        "jobs": jobs,
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
