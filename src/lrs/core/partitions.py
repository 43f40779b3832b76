"""The audit trail at scale: on PostgreSQL `core_auditevent` is partitioned by month.

Every search adds audit rows, so the table grows without end. On PostgreSQL (migration
`core.0004_partition_audit_by_month`) it is a declaratively partitioned table, RANGE on
`occurred_at`, one partition a month (`core_auditevent_p2026_12`) and a DEFAULT partition that
catches a row of a month not yet created, so a write never fails for want of a partition.

- `ensure_audit_partitions` creates this month's and the next months' partitions ahead (the
  batch worker's maintenance step runs it, and `lrs audit-partitions`); if rows already sit in
  the DEFAULT partition for a month, they are moved into the new partition.
- `drop_expired_audit_partitions` drops whole months older than the retention
  (`LRS_AUDIT_RETENTION_MONTHS`, docs/deploy.md): a DROP TABLE, not a DELETE of millions of rows.

The indexes are declared on the parent, so every partition has them: (learner_id, occurred_at)
for a learner's access log, (organisation_id, occurred_at) for an organisation's history. A
read that names a time range touches only the months in range.

SQLite keeps one table; there retention deletes the expired rows.
"""

from __future__ import annotations

import datetime
import os
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

TABLE = "core_auditevent"
DEFAULT_PARTITION = f"{TABLE}_default"
DEFAULT_MONTHS_AHEAD = 3
# Seven years, the longest that records of an access need keeping (docs/deploy.md).
DEFAULT_RETENTION_MONTHS = 84
_PARTITION_NAME = re.compile(rf"^{TABLE}_p(\d{{4}})_(\d{{2}})$")


@dataclass
class PartitionReport:
    created: list[str] = field(default_factory=list)
    moved_rows: int = 0
    dropped: list[str] = field(default_factory=list)
    deleted_rows: int = 0


def retention_months() -> int:
    raw = getattr(settings, "LRS_AUDIT_RETENTION_MONTHS", None) or os.environ.get(
        "LRS_AUDIT_RETENTION_MONTHS", ""
    )
    return int(raw) if str(raw).strip() else DEFAULT_RETENTION_MONTHS


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND c.relnamespace = to_regnamespace(current_schema())",
            [TABLE],
        )
        return cursor.fetchone() is not None


def month_start(day: datetime.date, months_later: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months_later
    return datetime.date(index // 12, index % 12 + 1, 1)


def partition_name(month: datetime.date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


def _bounds(month: datetime.date) -> tuple[str, str]:
    # Months in UTC: the column is timestamptz, partitions are fixed instants.
    start = datetime.datetime(month.year, month.month, 1, tzinfo=datetime.UTC)
    nxt = month_start(month, 1)
    end = datetime.datetime(nxt.year, nxt.month, 1, tzinfo=datetime.UTC)
    return start.isoformat(), end.isoformat()


def audit_partitions() -> list[str]:
    """The monthly partitions that exist, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        names = [row[0] for row in cursor.fetchall()]
    return sorted(name for name in names if _PARTITION_NAME.match(name))


def create_month_partition(cursor: object, month: datetime.date) -> int:
    """Create one month's partition; move that month's rows out of DEFAULT first. Returns the
    rows moved. Run inside a transaction (the parent is locked while it happens)."""
    quote = connection.ops.quote_name
    name = partition_name(month)
    start, end = _bounds(month)
    execute = cursor.execute  # type: ignore[attr-defined]
    execute(
        f"SELECT count(*) FROM {quote(DEFAULT_PARTITION)} "  # noqa: S608 - our own names
        "WHERE occurred_at >= %s AND occurred_at < %s",
        [start, end],
    )
    waiting = int(cursor.fetchone()[0])  # type: ignore[attr-defined]
    if not waiting:
        execute(
            f"CREATE TABLE {quote(name)} PARTITION OF {quote(TABLE)} "
            f"FOR VALUES FROM ('{start}') TO ('{end}')"
        )
        return 0
    # The DEFAULT partition holds rows of this month: a new partition cannot overlap them, so
    # build it apart, move the rows, then attach it.
    execute(
        f"CREATE TABLE {quote(name)} (LIKE {quote(TABLE)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
    )
    execute(
        f"WITH moved AS (DELETE FROM {quote(DEFAULT_PARTITION)} "  # noqa: S608
        "WHERE occurred_at >= %s AND occurred_at < %s RETURNING *) "
        f"INSERT INTO {quote(name)} SELECT * FROM moved",
        [start, end],
    )
    execute(
        f"ALTER TABLE {quote(TABLE)} ATTACH PARTITION {quote(name)} "
        f"FOR VALUES FROM ('{start}') TO ('{end}')"
    )
    return waiting


def ensure_audit_partitions(
    *, months_ahead: int = DEFAULT_MONTHS_AHEAD, today: datetime.date | None = None
) -> PartitionReport:
    """Create the partitions from this month to `months_ahead` months on, where missing."""
    report = PartitionReport()
    if not is_partitioned():
        return report
    today = today or timezone.now().date()
    existing = set(audit_partitions())
    for offset in range(months_ahead + 1):
        month = month_start(today, offset)
        if partition_name(month) in existing:
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            report.moved_rows += create_month_partition(cursor, month)
        report.created.append(partition_name(month))
    return report


def drop_expired_audit_partitions(
    *, months: int | None = None, today: datetime.date | None = None
) -> PartitionReport:
    """Drop the audit rows of months wholly older than the retention.

    PostgreSQL: drop whole monthly partitions (and delete such rows from DEFAULT). SQLite:
    delete the rows.
    """
    report = PartitionReport()
    months = retention_months() if months is None else months
    if months < 1:
        raise ValueError("The audit retention must be at least one month.")
    today = today or timezone.now().date()
    cutoff_month = month_start(today, -months)
    cutoff = datetime.datetime(cutoff_month.year, cutoff_month.month, 1, tzinfo=datetime.UTC)
    quote = connection.ops.quote_name
    if not is_partitioned():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {quote(TABLE)} WHERE occurred_at < %s",  # noqa: S608
                [connection.ops.adapt_datetimefield_value(cutoff)],
            )
            report.deleted_rows = cursor.rowcount
        return report
    for name in audit_partitions():
        matched = _PARTITION_NAME.match(name)
        assert matched is not None
        month = datetime.date(int(matched.group(1)), int(matched.group(2)), 1)
        if month < cutoff_month:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {quote(name)}")
            report.dropped.append(name)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(DEFAULT_PARTITION)} WHERE occurred_at < %s",  # noqa: S608
            [cutoff],
        )
        report.deleted_rows = cursor.rowcount
    return report
