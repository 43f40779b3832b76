"""Fit the model's m and u probabilities on generated data, and measure decisions against truth.

Usage, from the repository's root (prints the Python table that ``lrs/matching/model.py`` holds
as its reviewed defaults)::

    python -m bench.matching.fit --learners 100000 --queries 20000 --seed 101
    python -m bench.matching.fit --learners 100000 --queries 5000 --seed 21 --evaluate

The register is generated with ``--seed`` and the queries with ``--seed + 1`` (``lrs.synthetic``),
so fitting and evaluating on different seeds never share a learner or a query. Every query is
run through the blocking keys against an in-memory index, exactly as the learners app retrieves
candidates from its key table, and each retrieved candidate becomes one labelled pair: the
query's true learner is a match, every other candidate a non-match. The u probabilities are
therefore conditioned on "retrieved by blocking", which is what ``decide`` sees, and the prior
is the share of retrieved candidates that are the one searched for.

Pure Python, no Django. It lives with the benchmarks, not in ``lrs.matching``: the engine never
imports the synthetic generator that feeds it here.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from lrs.matching.blocking import learner_keys, query_keys
from lrs.matching.decide import decide
from lrs.matching.estimate import estimate_parameters
from lrs.matching.model import FIELD_VERDICTS, JUDGEMENT_PARAMETERS, PRIOR_SHARE, ModelParameters
from lrs.matching.types import Candidate, MatchKind, MatchOutcome, PersonDetails
from lrs.synthetic import Query, SyntheticLearner, generate_queries, generate_register

__all__ = [
    "BlockingIndex",
    "Evaluation",
    "evaluate",
    "format_table",
    "labelled_pairs",
    "learner_details",
    "learner_person",
    "main",
    "query_details",
]


def learner_person(learner: SyntheticLearner) -> PersonDetails:
    """The matching engine's view of a generated learner, with every field keys are made from
    (`bench/names.py` and `bench/register.py --blocks-only` count their keys)."""
    return PersonDetails(
        given_name=learner.given_name,
        family_name=learner.family_name,
        date_of_birth=learner.date_of_birth,
        gender=learner.gender,
        postcode=learner.last_known_postcode,
        middle_names=learner.middle_other_name,
        preferred_given_name=learner.preferred_given_name,
        previous_family_name=learner.previous_family_name,
        place_of_birth=learner.place_of_birth,
        email=learner.email_address,
    )


def learner_details(learner: SyntheticLearner) -> PersonDetails:
    """Return the matching engine's view of a generated learner, as the fit compares it: without
    the place of birth (as it always has, so that its figures stay comparable)."""
    return replace(learner_person(learner), place_of_birth="")


def query_details(query: Query) -> PersonDetails:
    """Return the matching engine's view of a generated search."""
    return PersonDetails(
        given_name=query.given_name,
        family_name=query.family_name,
        date_of_birth=query.date_of_birth,
        gender=query.gender,
        postcode=query.last_known_postcode,
        middle_names=query.middle_other_name,
        preferred_given_name=query.preferred_given_name,
        previous_family_name=query.previous_family_name,
        email=query.email_address,
    )


class BlockingIndex:
    """The key table of the learners app, in memory: key -> positions in ``people``."""

    def __init__(self, people: Sequence[PersonDetails]) -> None:
        self.people = people
        self._buckets: dict[str, list[int]] = defaultdict(list)
        for position, person in enumerate(people):
            for key in learner_keys(person):
                self._buckets[key].append(position)

    def candidates(self, details: PersonDetails) -> list[Candidate]:
        """Return every learner sharing at least one key with the search, once each."""
        found: set[int] = set()
        for key in query_keys(details):
            found.update(self._buckets.get(key, ()))
        return [Candidate(position, self.people[position]) for position in sorted(found)]


def labelled_pairs(
    index: BlockingIndex, truth: Sequence[str], queries: Iterable[Query]
) -> Iterator[tuple[PersonDetails, PersonDetails, bool]]:
    """Yield ``(query, candidate, same_person)`` for every candidate blocking retrieves.

    ``truth[position]`` is the ULN of the learner at that position of the index.
    """
    for query in queries:
        details = query_details(query)
        for candidate in index.candidates(details):
            yield details, candidate.details, truth[candidate.key] == query.true_uln


def _number(value: float) -> str:
    # Four significant figures, more close to 1 so that 1 - u stays visible (0.9999999).
    return f"{value:.4g}" if value < 0.99 else f"{value:.8g}"


def format_table(params: ModelParameters, command: str) -> str:
    """Return ``params`` as the Python source of ``model.py``'s fitted table."""
    lines = [
        f"# Generated by: {command}",
        "_FITTED_TABLE: dict[str, dict[str, tuple[float, float]]] = {",
    ]
    for row, verdicts in FIELD_VERDICTS.items():
        lines.append(f'    "{row}": {{')
        for verdict in verdicts:
            m = _number(params.m[row][verdict])
            u = _number(params.u[row][verdict])
            lines.append(f'        "{verdict}": ({m}, {u}),')
        lines.append("    },")
    lines.append("}")
    lines.append(f"_FITTED_PRIOR = {params.prior:.4g}")
    return "\n".join(lines)


@dataclass
class Evaluation:
    """Outcomes of a generated query set, overall and by variation label."""

    queries: int = 0
    existing: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    by_variation: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    seconds: float = 0.0

    @property
    def false_auto(self) -> int:
        return self.outcomes["false_auto"]

    @property
    def auto_rate(self) -> float:
        """Share of queries for registered learners matched automatically to the right one."""
        return self.outcomes["auto_ok"] / max(1, self.existing)

    @property
    def missed_rate(self) -> float:
        """Share of queries for registered learners that found no one, or not the learner."""
        missed = self.outcomes["missed"] + self.outcomes["review_without_learner"]
        return missed / max(1, self.existing)

    @property
    def review_rate(self) -> float:
        """Share of all queries sent to a person (POSSIBLE or TOO_MANY)."""
        review = sum(
            self.outcomes[name]
            for name in ("review_with_learner", "review_without_learner", "review_new", "too_many")
        )
        return review / max(1, self.queries)

    def summary(self) -> str:
        return (
            f"queries {self.queries}, existing {self.existing}: "
            f"auto-match {100 * self.auto_rate:.1f}%, missed {100 * self.missed_rate:.2f}%, "
            f"review {100 * self.review_rate:.1f}% of all, false auto-match {self.false_auto}, "
            f"{self.queries / max(self.seconds, 1e-9):.0f} q/s"
        )


def evaluate(
    index: BlockingIndex,
    truth: Sequence[str],
    queries: Iterable[Query],
    *,
    decide_function: Callable[[PersonDetails, list[Candidate]], MatchOutcome] = decide,
) -> Evaluation:
    """Search for every query and count the outcomes against the known truth.

    Outcome names: ``auto_ok``, ``false_auto`` (EXACT on someone else, including a learner
    who is not registered), ``review_with_learner``, ``review_without_learner`` (POSSIBLE
    without the true learner in the list), ``review_new``, ``too_many``, ``missed`` (NONE for a
    registered learner) and ``none_new``.
    """
    result = Evaluation()
    started = time.perf_counter()
    for query in queries:
        details = query_details(query)
        outcome = decide_function(details, index.candidates(details))
        found = [truth[candidate.key] for candidate in outcome.candidates]
        expected = query.true_uln
        if outcome.kind is MatchKind.EXACT:
            name = "auto_ok" if found[0] == expected else "false_auto"
        elif outcome.kind is MatchKind.POSSIBLE:
            if expected is None:
                name = "review_new"
            else:
                name = "review_with_learner" if expected in found else "review_without_learner"
        elif outcome.kind is MatchKind.TOO_MANY:
            name = "too_many"
        else:
            name = "missed" if expected else "none_new"
        result.queries += 1
        result.existing += expected is not None
        result.outcomes[name] += 1
        result.by_variation["+".join(query.variations)][name] += 1
    result.seconds = time.perf_counter() - started
    return result


def _generated(learners: int, queries: int, seed: int) -> tuple[BlockingIndex, list[str], list]:
    register = list(generate_register(learners, seed=seed))
    index = BlockingIndex([learner_details(learner) for learner in register])
    truth = [learner.uln for learner in register]
    return index, truth, generate_queries(register, queries, seed=seed + 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matching.fit", description=__doc__)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=101, help="register seed; queries use +1")
    parser.add_argument(
        "--evaluate", action="store_true", help="measure the current defaults instead of fitting"
    )
    args = parser.parse_args(argv)
    index, truth, queries = _generated(args.learners, args.queries, args.seed)
    if args.evaluate:
        result = evaluate(index, truth, queries)
        print(result.summary())
        for label, counts in sorted(result.by_variation.items(), key=lambda kv: -kv[1].total()):
            print(f"  {label:55s} {dict(counts)}")
        return 0
    params = estimate_parameters(
        labelled_pairs(index, truth, queries), start=JUDGEMENT_PARAMETERS, share=PRIOR_SHARE
    )
    command = (
        f"python -m bench.matching.fit --learners {args.learners} --queries {args.queries} "
        f"--seed {args.seed}"
    )
    print(format_table(params, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
