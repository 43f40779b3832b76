"""ULNs, identity keys and blocking keys compared byte by byte on PostgreSQL (COLLATE "C").

lrs.core.fields.ByteOrderCharField: equality is unchanged, index builds and look-ups no longer
go through the C library's collation. PostgreSQL rebuilds the columns' indexes (no table
rewrite); SQLite already compares bytes, so nothing is done there (Django would otherwise copy
the learners' table twice to change a field's class).
"""

from django.db import migrations

import lrs.core.fields

_COLUMNS = (
    ("learners_learner", "identity_key", 200),
    ("learners_learner", "uln", 10),
    ("learners_learnermatchkey", "key", 64),
)


def _collate(collation: str):
    def run(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, column, length in _COLUMNS:
            schema_editor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "{column}" '
                f"TYPE varchar({length}) COLLATE {collation}"
            )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0006_index_linked_learners"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(_collate('"C"'), _collate('pg_catalog."default"')),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="learner",
                    name="identity_key",
                    field=lrs.core.fields.ByteOrderCharField(max_length=200, unique=True),
                ),
                migrations.AlterField(
                    model_name="learner",
                    name="uln",
                    field=lrs.core.fields.ByteOrderCharField(
                        max_length=10, unique=True, verbose_name="ULN"
                    ),
                ),
                migrations.AlterField(
                    model_name="learnermatchkey",
                    name="key",
                    field=lrs.core.fields.ByteOrderCharField(max_length=64),
                ),
            ],
        ),
    ]
