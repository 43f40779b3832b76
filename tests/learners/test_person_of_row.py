"""A candidate's row becomes the same `PersonDetails` as the learner it was read from, every
field in its place (the row is read positionally, for speed), on the real database."""

from __future__ import annotations

import dataclasses

import pytest

from lrs.core.actor import Channel
from lrs.learners.imports import import_learners
from lrs.learners.matching_adapter import (
    candidate_rows_for_many,
    person_from,
    person_of_row,
    store_keys,
)
from lrs.learners.models import Learner
from lrs.organisations.services import service_desk_system_actor
from lrs.synthetic import generate_register, personal_fields

pytestmark = pytest.mark.django_db


def test_person_of_row_is_person_from_the_learner() -> None:
    (synthetic,) = generate_register(1, seed=3)
    import_learners(
        rows=[{"ULN": synthetic.uln, **personal_fields(synthetic)}],
        actor=service_desk_system_actor(channel=Channel.CLI),
    )
    # Every field distinct and set, so a field read from another's column shows.
    Learner.objects.update(
        given_name="Alys",
        family_name="Pritchard",
        gender="2",
        last_known_postcode="CF10 3AT",
        middle_other_name="Mair",
        preferred_given_name="Ally",
        previous_family_name="Hughes",
        place_of_birth="Bangor",
        email_address="alys.p@example.org",
        upn="A123456789012",
        uci="UCI-0001",
    )
    learner = Learner.objects.get()
    store_keys(learner)
    person = person_from(learner)
    values = dataclasses.astuple(person)
    assert len(set(values)) == len(values)
    ((row,),) = candidate_rows_for_many([person])
    assert row[0] == learner.pk
    assert person_of_row(row) == person
