"""Instances loaded by plain SQL (`lrs.core.rows`) are those the ORM loads."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from lrs.core.actor import Actor
from lrs.core.rows import load_by
from lrs.learners.details import LearnerDetails
from lrs.learners.models import Learner
from lrs.learners.services import register_learner

pytestmark = pytest.mark.django_db


def _fields(instance: Any) -> dict[str, Any]:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_learners_by_id_and_by_uln_are_the_orms(
    online_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    first = register_learner(details=details(), actor=online_actor).learner
    second = register_learner(
        details=details(
            given_name="Rhiannon",
            family_name="Owen",
            date_of_birth=datetime.date(2007, 1, 30),
            last_known_postcode="LL57 2DG",
        ),
        actor=online_actor,
    ).learner
    assert first is not None
    assert second is not None
    Learner.objects.filter(pk=second.pk).update(master=first)

    loaded = {learner.pk: learner for learner in load_by(Learner, "id", [first.pk, second.pk])}
    (by_uln,) = load_by(Learner, "uln", [second.uln])

    for learner in (first, second):
        assert _fields(loaded[learner.pk]) == _fields(Learner.objects.get(pk=learner.pk))
    assert _fields(by_uln) == _fields(Learner.objects.get(pk=second.pk))
    assert by_uln.master == first
    assert load_by(Learner, "uln", ["9999999999"]) == []
    assert load_by(Learner, "id", []) == []
