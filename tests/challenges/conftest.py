"""Learners with events, and the actors of data challenges."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from lrs.challenges.services.raising import ChallengeRequest
from lrs.core.actor import Actor, Channel
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User
from lrs.plr.services import submit_achievements
from tests.plr.fixtures import GCSE_QN, UNIT_A, row


@pytest.fixture
def desk(operator: Actor) -> Actor:
    return operator


@pytest.fixture
def raiser(registrar: Actor) -> Actor:
    """The college's online user, who registered the learners (so the college knows them)."""
    return registrar


@pytest.fixture
def other_college_actor(school: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(school, ["online"]), channel=Channel.PORTAL)


@pytest.fixture
def duplicate(register: Callable[..., Learner]) -> Learner:
    """Megan registered again with a typo and a new postcode: a second ULN for her."""
    return register(given_name="Megn", last_known_postcode="SA1 1AA", middle_other_name="")


def add_events(ao_actor: Actor, learner: Learner, prefix: str) -> list[int]:
    submit_achievements(
        actor=ao_actor,
        rows=[
            row(learner, source_record_id=f"{prefix}1"),
            row(
                learner,
                subject_code=UNIT_A,
                source_record_id=f"{prefix}2",
                grade="Pass",
                achievement_award_date=datetime.date(2024, 6, 1),
            ),
        ],
    )
    from lrs.plr.models import LearningEvent

    return list(
        LearningEvent.objects.filter(source_record_id__startswith=prefix, learner=learner)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@pytest.fixture
def events_of(ao_actor: Actor, catalogue: None) -> Callable[[Learner, str], list[int]]:
    return lambda learner, prefix: add_events(ao_actor, learner, prefix)


def request_for(kind: str, uln: str, **overrides: Any) -> ChallengeRequest:
    values: dict[str, Any] = {
        "kind": kind,
        "uln": uln,
        "contact_name": "Siân Evans",
        "contact_email": "sian.evans@riverside.example",
        "contact_telephone": "029 2000 0000",
        "comments": "",
    }
    values.update(overrides)
    return ChallengeRequest(**values)


__all__ = ["GCSE_QN", "request_for"]
