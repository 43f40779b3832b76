"""learners.0008: the blocking keys' (key, learner) pair becomes their primary key, and back,
keeping every key of a register that has learners, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from lrs.core.actor import Actor
from lrs.learners.details import LearnerDetails
from lrs.learners.matching_adapter import keys_for
from lrs.learners.models import Learner, LearnerMatchKey
from lrs.learners.services import register_learner

# Migrations change the schema: the tests see it committed, as a deployment does.
pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("learners", "0007_byte_order_keys")
AFTER = ("learners", "0008_match_key_primary_key")
TABLE = LearnerMatchKey._meta.db_table


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.fixture
def latest_schema_after() -> Iterator[None]:
    """Whatever a test leaves, the schema is the latest again for the tests after it."""
    yield
    executor = MigrationExecutor(connection)
    _migrate(next(key for key in executor.loader.graph.leaf_nodes() if key[0] == "learners"))


def _columns() -> list[str]:
    with connection.cursor() as cursor:
        return [
            column.name for column in connection.introspection.get_table_description(cursor, TABLE)
        ]


def _constraints() -> dict[str, Any]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, TABLE)


def _primary_key_columns() -> list[str]:
    (columns,) = [c["columns"] for c in _constraints().values() if c["primary_key"]]
    return list(columns)


def _learner_index() -> list[str]:
    """The non-unique indexes on learner_id alone (deletes by learner use one)."""
    return [
        name
        for name, c in _constraints().items()
        if c["index"] and not (c["unique"] or c["primary_key"]) and c["columns"] == ["learner_id"]
    ]


def _keys() -> set[tuple[int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT learner_id, key FROM {TABLE}")  # noqa: S608 - a fixed name
        return set(cursor.fetchall())


@pytest.mark.usefixtures("latest_schema_after")
def test_the_keys_are_kept_both_ways_and_the_pair_is_the_key(
    online_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    first = register_learner(details=details(), actor=online_actor).learner
    second = register_learner(
        details=details(given_name="Rhodri", family_name="Evans", gender="1"),
        actor=online_actor,
    ).learner
    assert first is not None
    assert second is not None
    stored = _keys()
    assert stored == {(learner.pk, key) for learner in (first, second) for key in keys_for(learner)}
    assert "id" not in _columns()
    assert _primary_key_columns() == ["key", "learner_id"]
    assert len(_learner_index()) == 1

    _migrate(BEFORE)

    assert "id" in _columns()
    assert _primary_key_columns() == ["id"]
    unique = _constraints()["learner_match_key_unique"]
    assert unique["unique"]
    assert unique["columns"] == ["key", "learner_id"]
    assert len(_learner_index()) == 1
    assert _keys() == stored
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(DISTINCT id) FROM {TABLE}")  # noqa: S608 - a fixed name
        assert cursor.fetchone() == (len(stored),)
        # The old shape numbers a new key itself.
        cursor.execute(
            f"INSERT INTO {TABLE} (key, learner_id) VALUES ('Z:before', %s)",  # noqa: S608
            [first.pk],
        )

    _migrate(AFTER)

    assert "id" not in _columns()
    assert _primary_key_columns() == ["key", "learner_id"]
    assert "learner_match_key_unique" not in _constraints()
    assert len(_learner_index()) == 1
    assert _keys() == stored | {(first.pk, "Z:before")}
    # The pair is refused twice, and a learner's deletion takes its keys.
    with pytest.raises(IntegrityError), transaction.atomic():
        LearnerMatchKey.objects.create(learner=first, key="Z:before")
    LearnerMatchKey.objects.create(learner=second, key="Z:before")
    Learner.objects.filter(pk=first.pk).delete()
    assert {learner_id for learner_id, _key in _keys()} == {second.pk}
