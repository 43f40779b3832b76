"""The learner table's indexes on PostgreSQL: the unique ones, and no unused LIKE ones."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_learner_lookups_are_indexed_without_pattern_indexes() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL makes LIKE indexes")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'learners_learner'"
        )
        indexes = dict(cursor.fetchall())
    pattern = [name for name, definition in indexes.items() if "pattern_ops" in definition]
    assert pattern == [], "nothing looks learners up by LIKE"
    unique = {name for name, definition in indexes.items() if "UNIQUE" in definition}
    assert any("uln" in name for name in unique)
    assert any("identity_key" in name for name in unique)


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def test_a_learners_linked_ulns_are_found_through_the_master_index(
    online_actor: Any, details: Any
) -> None:
    """Not by walking the whole register in ULN order (a scan per learner in every API answer)."""
    from django.db import transaction

    from lrs.learners.models import Learner
    from lrs.learners.selectors import list_linked_ulns
    from lrs.learners.services import register_learner

    learner = register_learner(details=details(), actor=online_actor).learner
    assert learner is not None
    # A register of unlinked learners, with the planner's statistics up to date (as after a
    # bulk load): every learner's master_id is NULL, so an index on it looks unselective.
    others = []
    for number in range(2000):
        other = Learner.objects.get(pk=learner.pk)
        other.pk = None
        other.uln = f"9{number:09d}"
        other.identity_key = f"bench-{number}"
        others.append(other)
    Learner.objects.bulk_create(others)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        assert list_linked_ulns(learner) == []
    (query,) = queries.captured_queries  # with its values written in
    with transaction.atomic():
        plan = _plan(query["sql"])

    assert "master" in plan
    assert "SCAN learners_learner" not in plan  # SQLite: a full scan, in ULN order or not
    assert "Seq Scan" not in plan
    assert "Sort" not in plan or connection.vendor == "sqlite"


def test_machine_made_keys_compare_byte_by_byte_on_postgresql() -> None:
    """ULNs, identity keys and blocking keys are COLLATE "C" (lrs.core.fields.ByteOrderCharField):
    their indexes are built and searched without the C library's collation."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares bytes already")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, collation_name FROM information_schema.columns "
            "WHERE table_name IN ('learners_learner', 'learners_learnermatchkey') "
            "AND column_name IN ('uln', 'identity_key', 'key', 'given_name')"
        )
        collations = {(table, column): name for table, column, name in cursor.fetchall()}
    assert collations[("learners_learner", "uln")] == "C"
    assert collations[("learners_learner", "identity_key")] == "C"
    assert collations[("learners_learnermatchkey", "key")] == "C"
    # People's names keep the database's own collation (sorted for people to read).
    assert collations[("learners_learner", "given_name")] != "C"


def test_a_blocking_key_look_up_uses_the_primary_key_index_under_byte_order() -> None:
    """The (key, learner) primary key is the index candidate retrieval reads (on a loaded
    register an index-only scan: docs/deploy.md section 10; how PostgreSQL reads it from a
    test's few rows depends on their statistics; a covering index on SQLite)."""
    plan = _plan("SELECT learner_id FROM learners_learnermatchkey WHERE key = 'D:2008-01-01|JN'")

    if connection.vendor == "sqlite":
        assert "USING COVERING INDEX sqlite_autoindex_learners_learnermatchkey_1 (key=?)" in plan
    else:
        assert "learners_learnermatchkey_pkey" in plan
        assert "Seq Scan" not in plan
