"""The fit's pairing (the register read once, forked workers) counts the same pairs, the same
way, as searching for every learner one at a time would, on the real database."""

from __future__ import annotations

from collections import Counter

import pytest

from lrs.core.actor import Channel
from lrs.learners.imports import import_learners
from lrs.learners.matching_adapter import candidate_rows_for_many, person_from, person_of_row
from lrs.learners.matching_fit import fit_matching_model, register_patterns
from lrs.learners.models import Learner
from lrs.matching import DEFAULT_PARAMETERS, prepared
from lrs.matching.compare import comparison_key, prepared_verdicts, verdicts_of_key
from lrs.matching.estimate import LabelledPair, Pattern, fit_to_register, labelled_patterns
from lrs.organisations.services import service_desk_system_actor
from lrs.synthetic import generate_register, personal_fields
from lrs.synthetic.duplicates import plant_duplicates

pytestmark = pytest.mark.django_db


@pytest.fixture
def register() -> list[int]:
    """300 synthetic learners, 60 planted duplicates of them (typos, swapped names, moved
    house...) and one learner merged away; the ids of the learners not merged away."""
    learners = list(generate_register(300, seed=31))
    planted = [duplicate.learner for duplicate in plant_duplicates(learners, 60, seed=5)]
    rows = ({"ULN": person.uln, **personal_fields(person)} for person in learners + planted)
    import_learners(rows=rows, actor=service_desk_system_actor(channel=Channel.CLI))
    first, second = Learner.objects.order_by("pk")[:2]
    Learner.objects.filter(pk=second.pk).update(master=first)
    return list(
        Learner.objects.filter(master__isnull=True).order_by("pk").values_list("pk", flat=True)
    )


def _searched_one_by_one(
    ids: list[int], left_out: frozenset[frozenset[int]] = frozenset()
) -> Counter[Pattern]:
    """What the fit counted before it read the register once: each learner searched for as
    a search does (`candidate_rows_for_many`), every candidate but itself compared by
    `prepared_verdicts` (through `labelled_patterns`, which still compares pair by pair)."""
    pairs: list[LabelledPair] = []
    learners = list(Learner.objects.filter(pk__in=ids).order_by("pk"))
    people = [person_from(learner) for learner in learners]
    for learner, person, rows in zip(
        learners, people, candidate_rows_for_many(people), strict=True
    ):
        pairs.extend(
            LabelledPair(person, person_of_row(row), same=True)
            for row in rows
            if row[0] != learner.pk and frozenset((learner.pk, row[0])) not in left_out
        )
    return labelled_patterns(pairs)[0]


def test_the_fit_pairs_and_counts_as_searches_do(register: list[int]) -> None:
    searched = _searched_one_by_one(register)
    assert sum(searched.values()) > 300  # the planted duplicates, relatives and namesakes
    assert register_patterns(register, jobs=1) == searched
    assert register_patterns(register, jobs=2, chunk_size=50) == searched
    # A sample of the learners searched for, against the whole register.
    sample = register[::3]
    assert register_patterns(sample, jobs=2, chunk_size=40) == _searched_one_by_one(sample)
    # Pairs a person decided are left out of the unlabelled ones.
    learner = Learner.objects.get(pk=register[0])
    rows = candidate_rows_for_many([person_from(learner)])[0]
    decided = frozenset(frozenset((learner.pk, row[0])) for row in rows if row[0] != learner.pk)
    assert decided
    left = register_patterns(register, jobs=2, labelled=decided, chunk_size=50)
    assert left == _searched_one_by_one(register, decided)
    assert sum(left.values()) < sum(searched.values())


def test_a_verdict_key_gives_back_the_verdicts(register: list[int]) -> None:
    learners = [prepared(person_from(learner)) for learner in Learner.objects.order_by("pk")]
    compared = 0
    for query in learners[:80]:
        for record in learners:
            key = comparison_key(query, record)
            assert verdicts_of_key(key) == prepared_verdicts(query, record)
            compared += 1
    assert compared == 80 * len(learners)


def test_the_fitted_parameters_are_those_of_the_pairs_searched(register: list[int]) -> None:
    model = fit_matching_model()
    expected = fit_to_register(_searched_one_by_one(register), start=DEFAULT_PARAMETERS)
    assert model.fit["pairs"] == expected.pairs
    assert model.fit["patterns"] == expected.patterns
    assert model.parameters["m"] == expected.parameters.m
    assert model.parameters["u"] == expected.parameters.u
    assert set(model.fit["phases"]) == {
        "reading the register",
        "reading the blocking keys",
        "pairing and comparing",
        "estimation",
        "term frequencies",
    }
