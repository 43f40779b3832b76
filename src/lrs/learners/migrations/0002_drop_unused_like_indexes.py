"""Drop PostgreSQL's pattern-matching (LIKE) indexes on Learner.uln and Learner.identity_key.

Django adds a `varchar_pattern_ops` index beside the unique index of every unique CharField on
PostgreSQL, for `LIKE 'prefix%'` look-ups. Nothing looks ULNs or identity keys up that way, and
both values are random, so each registration dirtied two more random index pages (109 MB of
index at a million learners) for no reads. SQLite has no such indexes: nothing to do there.
"""

from typing import Any

from django.db import migrations

# (column, index name) as Django named them in 0001_initial.
_LIKE_INDEXES = (
    ("uln", "learners_learner_uln_aa78f156_like"),
    ("identity_key", "learners_learner_identity_key_8fd4f53c_like"),
)


def _drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for _column, name in _LIKE_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def _create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, name in _LIKE_INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "learners_learner" '
            f'("{column}" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [("learners", "0001_initial")]

    operations = [migrations.RunPython(_drop, _create, elidable=False)]
