"""Searching many people at once (a batch chunk) gives exactly what searching each one does."""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from lrs.core.actor import Channel
from lrs.learners import matching_adapter
from lrs.learners.imports import import_learners
from lrs.learners.models import Learner, LearnerMatchKey
from lrs.matching import PersonDetails, query_keys
from lrs.matching.blocking import MAX_FIRM_BUCKET, MAX_OPEN_BUCKET
from lrs.organisations.services import service_desk_system_actor
from lrs.synthetic import (
    Query,
    SyntheticLearner,
    generate_queries,
    generate_register,
    personal_fields,
)

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


def _person(query: Query) -> PersonDetails:
    return PersonDetails(
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


def test_match_people_equals_match_person_one_by_one() -> None:
    register = _load(3000, seed=5)
    queries = generate_queries(register, 300, seed=6)
    people = [_person(query) for query in queries]
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


def test_crowded_register_bounds_buckets_the_same_way_one_by_one_and_together() -> None:
    """On a register more crowded than a national one (every learner born on one of four dates,
    closed under the search tips' date variants), the large buckets of the other dates a
    search tries keep only learners sharing a second key, in the single statement of one
    search as in the grouping of many, and the learner a re-keyed query stands for is still
    among the candidates whenever a key leads to it."""
    dates = [datetime.date(2008, month, day) for month, day in ((3, 1), (3, 5), (5, 3), (5, 1))]
    register = [
        dataclasses.replace(learner, date_of_birth=dates[number % 4])
        for number, learner in enumerate(generate_register(1500, seed=9))
    ]
    rows = ({"ULN": person.uln, **personal_fields(person)} for person in register)
    import_learners(rows=rows, actor=service_desk_system_actor(channel=Channel.CLI))
    queries = generate_queries(register, 150, seed=10)
    people = [_person(query) for query in queries]
    ids = dict(Learner.objects.values_list("uln", "id"))
    together = matching_adapter.match_people(people)
    bounded = 0
    for query, person, matched in zip(queries, people, together, strict=True):
        alone = matching_adapter.match_person(person)
        assert matched.seen == alone.seen
        chosen = {learner for learner, _version in alone.seen}
        every = set(
            LearnerMatchKey.objects.filter(key__in=query_keys(person)).values_list(
                "learner_id", flat=True
            )
        )
        assert chosen <= every
        bounded += chosen != every
        if query.true_uln and ids[query.true_uln] in every:
            assert ids[query.true_uln] in chosen, query.variations
    assert bounded > 20


def test_middle_name_given_as_given_name_is_found_in_a_crowded_date_and_family_bucket() -> None:
    """A search on a date and family-name head (D key) shared by more learners than
    MAX_FIRM_BUCKET keeps only those sharing a second key: the learner whose middle name was
    given as given name, with a new address, is kept by the family name's K key, one search at
    a time and many together; the Jenkinses, Johnsons and Jenningses sharing only the D key
    are left out."""
    born = datetime.date(2008, 3, 5)
    strangers = [
        person
        for person in generate_register(60, seed=11)
        if not person.given_name.lower().startswith("o")
    ][: MAX_FIRM_BUCKET + 10]
    register = [
        dataclasses.replace(
            person,
            family_name=("Jenkins", "Johnson", "Jennings")[number % 3],
            date_of_birth=born,
            middle_other_name="",
            preferred_given_name="",
            previous_family_name="",
        )
        for number, person in enumerate(strangers)
    ]
    register[0] = dataclasses.replace(
        register[0],
        given_name="Robert",
        middle_other_name="Owen",
        family_name="Jones",
        last_known_postcode="CF10 1AA",
    )
    rows = ({"ULN": person.uln, **personal_fields(person)} for person in register)
    import_learners(rows=rows, actor=service_desk_system_actor(channel=Channel.CLI))
    wanted = Learner.objects.get(uln=register[0].uln).id
    search = PersonDetails(
        given_name="Owen", family_name="Jones", date_of_birth=born, gender="0", postcode="LL57 2DG"
    )
    alone = matching_adapter.match_person(search)
    (together,) = matching_adapter.match_people([search])
    chosen = {learner for learner, _version in alone.seen}
    assert wanted in chosen
    assert together.seen == alone.seen
    assert len(chosen) < len(register) // 2


_OTHER_FAMILIES = ("Evans", "Hughes", "Morgan", "Price", "Davies", "Thomas", "Lewis", "Walker")


def test_namesakes_born_on_the_swapped_date_are_left_out_of_a_crowded_bucket() -> None:
    """Roberts of other families born on 3 May share the G and N keys of a search for a Robert
    Jones born on 5 March (day and month swapped, a date the search tries); with more of them
    than a bucket of another date keeps, those two keys count as one (a given name) and they
    are left out, one search at a time and many together, while the Robert Jones born on 3
    May, who shares the family name's D key too, is kept."""
    swapped = datetime.date(2008, 5, 3)
    register = [
        dataclasses.replace(
            person,
            given_name="Robert",
            family_name=family,
            date_of_birth=swapped,
            gender="1",
            middle_other_name="",
            preferred_given_name="",
            previous_family_name="",
            last_known_postcode="SA1 1AA",
        )
        for family, person in zip(
            ("Jones", *_OTHER_FAMILIES), generate_register(20, seed=12), strict=False
        )
    ]
    assert len(register) > MAX_OPEN_BUCKET
    rows = ({"ULN": person.uln, **personal_fields(person)} for person in register)
    import_learners(rows=rows, actor=service_desk_system_actor(channel=Channel.CLI))
    ids = dict(Learner.objects.values_list("uln", "id"))
    assert len(ids) == len(register)
    search = PersonDetails(
        given_name="Robert",
        family_name="Jones",
        date_of_birth=datetime.date(2008, 3, 5),
        gender="1",
        postcode="LL57 2DG",
    )
    alone = matching_adapter.match_person(search)
    (together,) = matching_adapter.match_people([search])
    assert {learner for learner, _version in alone.seen} == {ids[register[0].uln]}
    assert together.seen == alone.seen
