"""Our engine in pure Python, without the database: an in-memory blocking index and ``decide``.

The index maps every key of :func:`lrs.matching.learner_keys` to the register positions that
store it, as the ``learner_search_key`` table does in the service. A query looks up each of its
:func:`lrs.matching.query_keys`, and the learners found (chosen by
:func:`lrs.matching.blocking.select_candidates`, as the service chooses them) are scored by
:func:`lrs.matching.decide` with the default configuration and parameters. Retrieval and
decision are timed separately. (``bench/register.py`` times the real database path.)
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence

from bench.matching.data import Case, Record
from bench.matching.metrics import Decision, Outcome, SystemResult
from lrs.matching import (
    DEFAULT_CONFIG,
    DEFAULT_PARAMETERS,
    Candidate,
    MatchKind,
    ModelParameters,
    PersonDetails,
    decide,
    learner_keys,
)
from lrs.matching.blocking import query_key_sets, select_candidates
from lrs.matching.estimate import (
    comparison_patterns,
    fit_to_register,
    fit_unsupervised,
    register_term_frequencies,
    with_term_frequencies,
)

__all__ = ["BlockingIndex", "KeyIndex", "fit_on_searches", "person_details", "run_ours"]

_OUTCOMES = {
    MatchKind.EXACT: Outcome.EXACT,
    MatchKind.POSSIBLE: Outcome.POSSIBLE,
    MatchKind.NONE: Outcome.NONE,
    MatchKind.TOO_MANY: Outcome.TOO_MANY,
}


def person_details(record: Record) -> PersonDetails:
    """Return a record as the matching package's input, as the learners app would build it."""
    return PersonDetails(
        given_name=record.given_name,
        family_name=record.family_name,
        date_of_birth=record.date_of_birth,
        gender=record.gender or "0",
        postcode=record.postcode,
        middle_names=record.middle_names,
        preferred_given_name=record.preferred_given_name,
        previous_family_name=record.previous_family_name,
        place_of_birth=record.place_of_birth,
        email=record.email,
    )


class KeyIndex:
    """The key table of the learners app, in memory: blocking key -> positions of the people
    stored, chosen for a search as the service chooses them (`select_candidates`: large
    buckets of the search tips' variants and crowded firm D buckets keep only learners sharing
    a second key; confirming keys only count as such)."""

    def __init__(self, people: Sequence[PersonDetails]) -> None:
        index: defaultdict[str, list[int]] = defaultdict(list)
        for position, details in enumerate(people):
            for key in learner_keys(details):
                index[key].append(position)
        self.index = dict(index)

    def positions(self, query: PersonDetails) -> set[int]:
        """The positions of the people a search by `query` fetches."""
        keys, firm, confirming = query_key_sets(query)
        found = {key: positions for key in keys | confirming if (positions := self.index.get(key))}
        return select_candidates(found, firm)


class BlockingIndex:
    """An inverted index from blocking key to register positions, built once."""

    def __init__(self, register: Sequence[Record]) -> None:
        self.ids = [record.record_id for record in register]
        self.details = [person_details(record) for record in register]
        # The engine's input for each learner, built once as the service builds it once per
        # row fetched.
        self.offered = [
            Candidate(key=position, details=details)
            for position, details in enumerate(self.details)
        ]
        self.keys = KeyIndex(self.details)

    @property
    def key_count(self) -> int:
        """Number of distinct keys."""
        return len(self.keys.index)

    @property
    def entry_count(self) -> int:
        """Number of (key, learner) entries: rows of the key table in the service."""
        return sum(len(positions) for positions in self.keys.index.values())

    def candidates(self, query: PersonDetails) -> list[Candidate]:
        """Return the registered learners sharing a key with the query, each once, as the
        service chooses them (`KeyIndex.positions`)."""
        offered = self.offered
        return [offered[position] for position in self.keys.positions(query)]


def _decision(
    index: BlockingIndex,
    case: Case,
    candidates: list[Candidate],
    kind: MatchKind,
    shown: Sequence[int],
) -> Decision:
    retrieved = None
    if case.true_id is not None:
        retrieved = any(index.ids[candidate.key] == case.true_id for candidate in candidates)
    return Decision(
        outcome=_OUTCOMES[kind],
        ids=tuple(index.ids[position] for position in shown),
        retrieved_truth=retrieved,
    )


def _load(averages: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in averages)


def fit_on_searches(
    register: Sequence[Record], cases: Sequence[Case]
) -> tuple[ModelParameters, list[str]]:
    """Fit the model without labels to the candidate pairs the searches retrieve.

    The same unlabelled data Splink trains on (register and queries, no truth): every query
    paired with every learner blocking retrieves for it, the comparison vectors counted and
    m and the prior estimated by expectation-maximisation (``fit_unsupervised``), with u
    counted over the register's own pairs as ``lrs fit-matching`` counts it on the live
    register (``fit_to_register``). The searches' pairs hold many matches, so EM can tell them
    from the relatives; the register's pairs hold almost none, so EM over them cannot.
    """
    started = time.perf_counter()
    index = BlockingIndex(register)

    def register_pairs() -> Iterator[tuple[PersonDetails, PersonDetails]]:
        for position, details in enumerate(index.details):
            for candidate in index.candidates(details):
                if candidate.key != position:
                    yield details, candidate.details

    def search_pairs() -> Iterator[tuple[PersonDetails, PersonDetails]]:
        for case in cases:
            query = person_details(case.record)
            for candidate in index.candidates(query):
                yield query, candidate.details

    # Stage 1, as `lrs fit-matching` on the live register: u counted over the register's pairs.
    own = fit_to_register(comparison_patterns(register_pairs()), start=DEFAULT_PARAMETERS)
    start = ModelParameters(
        m=DEFAULT_PARAMETERS.m, u=own.parameters.u, prior=DEFAULT_PARAMETERS.prior
    )
    # Stage 2: m and the search prior from the searches' pairs, u kept.
    result = fit_unsupervised(comparison_patterns(search_pairs()), start=start, fixed_u=True)
    # Term frequencies of names, dates of birth and postcode districts, counted on the register
    # (never on the searches).
    frequencies = register_term_frequencies(
        (details.given_name, details.family_name, details.date_of_birth, details.postcode)
        for details in index.details
    )
    params = with_term_frequencies(result.parameters, frequencies)
    note = (
        f"fitted without labels: u counted over {own.pairs:,} register pairs; m and prior from "
        f"{result.pairs:,} search pairs ({result.patterns:,} patterns, {result.iterations} EM "
        f"iterations{'' if result.converged else ', not converged'}), prior per candidate "
        f"{result.parameters.prior:.4f}, term frequencies of "
        f"{frequencies['given_name'].total:,} given and {frequencies['family_name'].total:,} "
        f"family names, {frequencies['date_of_birth'].total:,} dates of birth and "
        f"{frequencies['postcode_district'].total:,} postcode districts, "
        f"{time.perf_counter() - started:.1f} s"
    )
    return params, [note]


def run_ours(
    register: Sequence[Record],
    cases: Sequence[Case],
    params: ModelParameters = DEFAULT_PARAMETERS,
    name: str = "Ours",
    notes: Sequence[str] = (),
) -> SystemResult:
    """Index the register, then retrieve candidates for and decide every query."""
    started = time.perf_counter()
    index = BlockingIndex(register)
    index_seconds = time.perf_counter() - started

    retrieval_seconds = 0.0
    decide_seconds = 0.0
    # CPU time of this process as well as wall time: on a shared machine the wall time counts
    # the other processes' turns too.
    retrieval_cpu = 0.0
    decide_cpu = 0.0
    considered = 0
    decisions: list[Decision] = []
    load_before = os.getloadavg()
    for case in cases:
        query = person_details(case.record)
        t0 = time.perf_counter()
        c0 = time.process_time()
        candidates = index.candidates(query)
        t1 = time.perf_counter()
        c1 = time.process_time()
        outcome = decide(query, candidates, DEFAULT_CONFIG, params)
        t2 = time.perf_counter()
        c2 = time.process_time()
        retrieval_seconds += t1 - t0
        decide_seconds += t2 - t1
        retrieval_cpu += c1 - c0
        decide_cpu += c2 - c1
        considered += outcome.considered
        shown = [candidate.key for candidate in outcome.candidates]
        decisions.append(_decision(index, case, candidates, outcome.kind, shown))
    load_after = os.getloadavg()

    mean_candidates = considered / len(cases) if cases else 0.0
    return SystemResult(
        name=name,
        decisions=decisions,
        timings={
            "index build (learner_keys for the register)": index_seconds,
            "candidate retrieval (query_keys + look-ups)": retrieval_seconds,
            "scoring and decision (decide)": decide_seconds,
            "candidate retrieval, CPU time of this process": retrieval_cpu,
            "scoring and decision, CPU time of this process": decide_cpu,
        },
        match_seconds=decide_seconds,
        end_to_end_seconds=retrieval_seconds + decide_seconds,
        cpu_match_seconds=decide_cpu,
        cpu_end_to_end_seconds=retrieval_cpu + decide_cpu,
        notes=[
            "load average (1, 5, 15 min) before / after the timed searches: "
            f"{_load(load_before)} / {_load(load_after)}",
            f"index: {index.key_count:,} keys, {index.entry_count:,} entries; "
            f"mean candidates scored per query: {mean_candidates:.1f}",
            f"thresholds: exact >= {DEFAULT_CONFIG.exact_probability}, margin "
            f"{DEFAULT_CONFIG.margin} bits and the safety rules of decide; possible >= "
            f"{DEFAULT_CONFIG.possible_probability}; more than {DEFAULT_CONFIG.max_results} "
            "-> too many",
            *notes,
        ],
    )
