"""The audit trail at scale (lrs.core.partitions, docs/deploy.md).

Everywhere: an index on (organisation_id, occurred_at) for an organisation's history.

On PostgreSQL only: `core_auditevent` becomes a table partitioned by month on `occurred_at`,
with a DEFAULT partition, the months of the rows already there and the next three months. The
columns, the index names and the foreign key stay as they were; the primary key becomes
(id, occurred_at), as PostgreSQL requires of a partitioned table (ids stay unique: one
sequence). The rows already there are copied over, once. SQLite keeps one table.
"""

import re

from django.db import migrations, models

TABLE = "core_auditevent"
OLD = "core_auditevent_unpartitioned"
MONTHS_AHEAD = 3


def _month_start(day, months_later=0):
    import datetime

    index = day.year * 12 + day.month - 1 + months_later
    return datetime.date(index // 12, index % 12 + 1, 1)


def partition(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    import datetime

    with connection.cursor() as cursor:
        run = cursor.execute
        run(f"ALTER TABLE {TABLE} RENAME TO {OLD}")
        run(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'f')",
            [OLD],
        )
        constraints = cursor.fetchall()
        run(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
            "AND NOT x.indisprimary",
            [OLD],
        )
        indexes = cursor.fetchall()
        for name, _kind, _definition in constraints:
            run(f'ALTER TABLE {OLD} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            run(f'DROP INDEX IF EXISTS "{name}"')
        # The id's identity (its sequence) moves to the new table with the column.
        run(
            f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            "INCLUDING IDENTITY) PARTITION BY RANGE (occurred_at)"
        )
        for name, kind, definition in constraints:
            if kind == "p":
                run(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" PRIMARY KEY (id, occurred_at)')
            else:
                run(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
        for _name, definition in indexes:
            run(re.sub(r" ON (\S+\.)?" + OLD + " ", f" ON {TABLE} ", definition, count=1))
        run(f"CREATE TABLE {TABLE}_default PARTITION OF {TABLE} DEFAULT")
        run(f"SELECT min(occurred_at), max(occurred_at), max(id) FROM {OLD}")
        first, last, top_id = cursor.fetchone()
        today = datetime.datetime.now(tz=datetime.UTC).date()
        month = _month_start(min(first.astimezone(datetime.UTC).date(), today) if first else today)
        until = _month_start(today, MONTHS_AHEAD)
        if last is not None:
            until = max(until, _month_start(last.astimezone(datetime.UTC).date()))
        while month <= until:
            after = _month_start(month, 1)
            run(
                f"CREATE TABLE {TABLE}_p{month:%Y_%m} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') "
                f"TO ('{after.isoformat()} 00:00:00+00')"
            )
            month = after
        run(f"INSERT INTO {TABLE} SELECT * FROM {OLD}")
        run(f"DROP TABLE {OLD}")
        if top_id is not None:
            run("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [TABLE, top_id])
        run(f"ANALYZE {TABLE}")


class Migration(migrations.Migration):
    # The copy of the rows already there runs in the migration's transaction.
    dependencies = [("core", "0003_audit_ids_not_foreign_keys")]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["organisation_id", "occurred_at"], name="audit_org_time"),
        ),
        migrations.RunPython(partition, elidable=False),
    ]
