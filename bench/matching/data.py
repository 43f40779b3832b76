"""The data both systems see: one record format for the register and the queries, with truth.

A benchmark data set is a register of :class:`Record` and a list of :class:`Case` (a query
record, the id of the register record it stands for or None for someone not registered, and a
label used for the per-variation breakdown). :func:`synthetic_data` builds one from
:mod:`lrs.synthetic`; :mod:`bench.matching.febrl` builds another from FEBRL4.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field

from lrs.synthetic import Query, SyntheticLearner, generate_queries, generate_register

__all__ = ["BenchData", "Case", "Record", "synthetic_data"]


@dataclass(frozen=True, slots=True)
class Record:
    """One person's details as a register holds them or a search sends them.

    Empty strings mean "not given". ``record_id`` is the ULN on the synthetic register and the
    FEBRL ``rec_id`` there; queries get ids of their own that never collide with the register.
    """

    record_id: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    gender: str = "0"
    postcode: str = ""
    middle_names: str = ""
    preferred_given_name: str = ""
    previous_family_name: str = ""
    place_of_birth: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    """A query with its truth: the register record it should find (None: not registered)."""

    record: Record
    true_id: str | None
    label: str


@dataclass(frozen=True)
class BenchData:
    """A register and queries with known truth, ready for both systems.

    ``uk_postcodes`` tells the Splink configuration whether UK postcode structure (sector,
    district) may be used; ``notes`` are printed under the data set's heading.
    """

    name: str
    register: list[Record]
    cases: list[Case]
    uk_postcodes: bool
    build_seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def existing(self) -> int:
        """Number of queries whose person is on the register."""
        return sum(1 for case in self.cases if case.true_id is not None)


def _learner_record(learner: SyntheticLearner) -> Record:
    return Record(
        record_id=learner.uln,
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


def _query_case(query: Query) -> Case:
    record = Record(
        record_id=f"Q{query.query_id}",
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
    # COMBINED queries carry (COMBINED, first, second); the breakdown groups them as one row.
    return Case(record=record, true_id=query.true_uln, label=str(query.variations[0]))


def synthetic_data(learners: int, queries: int, seed: int) -> BenchData:
    """Generate a synthetic register and queries against it (20% not registered)."""
    started = time.perf_counter()
    register = list(generate_register(learners, seed=seed))
    generated = generate_queries(register, queries, seed=seed + 1)
    return BenchData(
        name=f"Synthetic register ({learners:,} learners, {queries:,} queries, seed {seed})",
        register=[_learner_record(learner) for learner in register],
        cases=[_query_case(query) for query in generated],
        uk_postcodes=True,
        build_seconds=time.perf_counter() - started,
    )
