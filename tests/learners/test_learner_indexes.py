"""The learner table's indexes on PostgreSQL: the unique ones, and no unused LIKE ones."""

from __future__ import annotations

import pytest
from django.db import connection

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
