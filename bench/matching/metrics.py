"""What each system answered, and the counts the report is made of.

Every system's answer to a query is reduced to a :class:`Decision`: one of the four outcomes of
the real service and the record ids shown, best first. :func:`summarise` counts outcomes
against the truth; :func:`by_label` does the same per variation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from bench.matching.data import Case

__all__ = ["Decision", "Outcome", "Summary", "SystemResult", "by_label", "summarise"]


class Outcome(StrEnum):
    """The four answers to a search by personal details."""

    EXACT = "exact"
    POSSIBLE = "possible"
    NONE = "none"
    TOO_MANY = "too_many"


@dataclass(frozen=True, slots=True)
class Decision:
    """One system's answer to one query.

    ``ids`` are the register record ids returned, best first: one for EXACT, up to ten for
    POSSIBLE, none otherwise. ``retrieved_truth`` tells whether candidate retrieval (blocking)
    brought the true record into view at all; None for a query with no true record.
    """

    outcome: Outcome
    ids: tuple[str, ...] = ()
    retrieved_truth: bool | None = None


@dataclass
class SystemResult:
    """A system's decisions for every query of a data set, in query order, and its timings.

    ``timings`` lists named phases in seconds, for the report. ``match_seconds`` is the time
    spent deciding queries (what queries/second is computed from); ``end_to_end_seconds``
    adds candidate retrieval where the system separates the two. The ``cpu_`` figures are the
    same in CPU time of the process (``time.process_time``), where the system measures it: on
    a shared machine they move far less with the other processes' load than wall time does.
    """

    name: str
    decisions: list[Decision]
    timings: dict[str, float]
    match_seconds: float
    end_to_end_seconds: float | None = None
    cpu_match_seconds: float | None = None
    cpu_end_to_end_seconds: float | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Summary:
    """Outcome counts of one system on one set of queries."""

    queries: int = 0
    existing: int = 0
    new: int = 0
    auto_right: int = 0
    auto_wrong_existing: int = 0
    auto_new: int = 0
    possible_existing: int = 0
    possible_existing_listed: int = 0
    too_many_existing: int = 0
    missed: int = 0
    new_none: int = 0
    new_possible: int = 0
    new_too_many: int = 0
    retrieved: int = 0
    retrieval_known: int = 0

    @property
    def false_auto(self) -> int:
        """Queries automatically matched to someone other than the person searched for."""
        return self.auto_wrong_existing + self.auto_new

    @property
    def review(self) -> int:
        """Queries sent to a person: POSSIBLE or TOO_MANY, existing and new alike."""
        return (
            self.possible_existing + self.too_many_existing + self.new_possible + self.new_too_many
        )

    def add(self, case: Case, decision: Decision) -> None:
        """Count one query's decision against its truth."""
        self.queries += 1
        outcome = decision.outcome
        if case.true_id is None:
            self.new += 1
            self.auto_new += outcome is Outcome.EXACT
            self.new_none += outcome is Outcome.NONE
            self.new_possible += outcome is Outcome.POSSIBLE
            self.new_too_many += outcome is Outcome.TOO_MANY
            return
        self.existing += 1
        if outcome is Outcome.EXACT:
            right = decision.ids[:1] == (case.true_id,)
            self.auto_right += right
            self.auto_wrong_existing += not right
        elif outcome is Outcome.POSSIBLE:
            self.possible_existing += 1
            self.possible_existing_listed += case.true_id in decision.ids
        elif outcome is Outcome.TOO_MANY:
            self.too_many_existing += 1
        else:
            self.missed += 1
        if decision.retrieved_truth is not None:
            self.retrieval_known += 1
            self.retrieved += decision.retrieved_truth


def summarise(cases: Sequence[Case], decisions: Sequence[Decision]) -> Summary:
    """Count every query's outcome against the truth."""
    if len(cases) != len(decisions):
        raise ValueError(f"{len(cases)} queries but {len(decisions)} decisions")
    summary = Summary()
    for case, decision in zip(cases, decisions, strict=True):
        summary.add(case, decision)
    return summary


def by_label(cases: Sequence[Case], decisions: Sequence[Decision]) -> dict[str, Summary]:
    """Return a summary per query label (variation), in order of first appearance."""
    summaries: dict[str, Summary] = {}
    for case, decision in zip(cases, decisions, strict=True):
        summaries.setdefault(case.label, Summary()).add(case, decision)
    return summaries
