"""Shared data of the learner portal tests (a pytest plugin of tests/conftest.py)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from lrs.core.actor import Actor
from lrs.learner_accounts.models import LearnerAccount
from lrs.learner_accounts.services import (
    IdentityClaim,
    confirm_sign_up_code,
    create_account,
    prove_identity,
    send_sign_up_code,
)
from lrs.learners.models import Learner
from lrs.plr.models import LearningEvent
from lrs.plr.services import set_event_flags, submit_achievements
from tests.plr.fixtures import UNIT_A, UNIT_B, row

PASSWORD = "Learner-pass-7"
EMAIL = "megan@example.org"


def last_code() -> str:
    """The six-digit code of the last email sent."""
    body = str(mail.outbox[-1].body)
    return next(word.strip(".") for word in body.split() if word.strip(".").isdigit())


def claim_for(learner: Learner, **overrides: object) -> IdentityClaim:
    values: dict[str, object] = {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth": learner.date_of_birth,
    }
    values.update(overrides)
    return IdentityClaim(**values)  # type: ignore[arg-type]


def sign_up(learner: Learner, email: str = EMAIL) -> LearnerAccount:
    send_sign_up_code(email=email, ip="192.0.2.1")
    confirm_sign_up_code(email=email, code=last_code(), ip="192.0.2.1")
    proved = prove_identity(email=email, claim=claim_for(learner), ip="192.0.2.1")
    return create_account(email=email, learner=proved, password=PASSWORD)


@pytest.fixture
def events(megan: Learner, ao_actor: Actor, catalogue: None, operator: Actor) -> Learner:
    """Megan's record: a GCSE, a unit under data challenge and a sensitive unit."""
    submit_achievements(
        actor=ao_actor,
        rows=[
            row(megan, source_record_id="G", grade="7"),
            row(
                megan,
                subject_code=UNIT_A,
                source_record_id="U1",
                grade="Pass",
                achievement_award_date=datetime.date(2024, 6, 1),
            ),
            row(megan, subject_code=UNIT_B, source_record_id="U2", sensitive=True),
        ],
    )
    challenged = LearningEvent.objects.get(source_record_id="U1")
    set_event_flags(actor=operator, event=challenged, under_challenge=True)
    return megan


@pytest.fixture
def account(events: Learner) -> LearnerAccount:
    return sign_up(events)
