"""Instances loaded by plain SQL (`lrs.core.rows`) are those the ORM loads."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from lrs.core.actor import Actor
from lrs.core.rows import load_by
from lrs.learners.details import LearnerDetails
from lrs.learners.models import Learner
from lrs.learners.selectors import linked_ulns_of
from lrs.learners.services import register_learner
from lrs.organisations.models import ApiToken, User
from lrs.organisations.services import issue_api_token
from lrs.organisations.services.tokens import _live_token

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


def _prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def preparing(settings: Any) -> Iterator[None]:
    """As `lrs serve` on PostgreSQL with connections kept (LRS_DB_CONN_MAX_AGE > 0)."""
    settings.LRS_DB_PREPARED_STATEMENTS = True
    connection.ensure_connection()
    before = connection.connection.prepare_threshold
    connection.connection.prepare_threshold = 5
    yield
    connection.connection.prepare_threshold = before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_the_statements_of_every_api_request_are_planned_once_per_connection(
    online_actor: Actor, details: Callable[..., LearnerDetails], settings: Any, preparing: None
) -> None:
    learner = register_learner(details=details(), actor=online_actor).learner
    assert learner is not None

    for _ in range(6):  # psycopg prepares a statement at its fifth use
        (found,) = load_by(Learner, "uln", [learner.uln])
        assert _fields(found) == _fields(Learner.objects.get(pk=learner.pk))
    prepared = [sql for sql in _prepared_statements() if '"uln" = $1' in sql]
    assert len(prepared) == 1
    assert '"learners_learner"' in prepared[0]

    settings.LRS_DB_PREPARED_STATEMENTS = False  # LRS_DB_PREPARED_STATEMENTS=0
    for _ in range(6):
        (found,) = load_by(Learner, "id", [learner.pk])
        assert found.pk == learner.pk
    assert not [sql for sql in _prepared_statements() if '"id" = $1' in sql]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_prepared_look_ups_answer_as_the_orm_does(
    online_actor: Actor, details: Callable[..., LearnerDetails], preparing: None
) -> None:
    """The token look-up and the linked ULNs, bound on the server and prepared."""
    user = User.objects.get(pk=online_actor.user.pk)
    issued = issue_api_token(actor=online_actor, user=user)
    first = register_learner(details=details(), actor=online_actor).learner
    second = register_learner(
        details=details(given_name="Rhiannon", family_name="Owen", last_known_postcode="LL57 2DG"),
        actor=online_actor,
    ).learner
    assert first is not None
    assert second is not None
    Learner.objects.filter(pk=second.pk).update(master=first)
    expected = ApiToken.objects.select_related("user", "user__organisation").get(pk=issued.token.pk)

    for _ in range(6):
        token = _live_token(expected.digest)
        assert token is not None
        assert _fields(token) == _fields(expected)
        assert _fields(token.user) == _fields(expected.user)
        assert _live_token(expected.digest + "0") is None
        assert linked_ulns_of([first, second]) == {first.pk: [second.uln], second.pk: []}
    assert any('"digest" = $1' in sql for sql in _prepared_statements())
