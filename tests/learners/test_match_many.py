"""Searching many people at once (a batch chunk) gives exactly what searching each one does."""

from __future__ import annotations

import pytest

from lrs.core.actor import Channel
from lrs.learners import matching_adapter
from lrs.learners.imports import import_learners
from lrs.matching import PersonDetails
from lrs.organisations.services import service_desk_system_actor
from lrs.synthetic import SyntheticLearner, generate_queries, generate_register, personal_fields

pytestmark = pytest.mark.django_db


def _load(count: int, seed: int) -> list[SyntheticLearner]:
    register = list(generate_register(count, seed=seed))
    rows = (
        {
            "ULN": person.uln,
            **personal_fields(person),
        }
        for person in register
    )
    import_learners(rows=rows, actor=service_desk_system_actor(channel=Channel.CLI))
    return register


def test_match_people_equals_match_person_one_by_one() -> None:
    register = _load(3000, seed=5)
    queries = generate_queries(register, 300, seed=6)
    people = [
        PersonDetails(
            given_name=query.given_name,
            family_name=query.family_name,
            date_of_birth=query.date_of_birth,
            gender=query.gender or "0",
            postcode=query.last_known_postcode,
            middle_names=query.middle_other_name,
            preferred_given_name=query.preferred_given_name,
            previous_family_name=query.previous_family_name,
            email=query.email_address,
        )
        for query in queries
    ]
    together = matching_adapter.match_people(people)
    for person, matched in zip(people, together, strict=True):
        alone = matching_adapter.match_person(person)
        assert matched.seen == alone.seen
        assert matching_adapter.still_seen(person, matched.seen)
        outcome, alone_outcome = matched.outcome, alone.outcome
        assert outcome.kind == alone_outcome.kind
        assert [c.key for c in outcome.candidates] == [c.key for c in alone_outcome.candidates]
        assert outcome.considered == alone_outcome.considered
    kinds = {matched.outcome.kind.value for matched in together}
    assert {"exact", "possible", "none"} <= kinds  # the check covers each outcome
