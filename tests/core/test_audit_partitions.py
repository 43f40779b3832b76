"""The audit trail by month on PostgreSQL: partitions made ahead, rows that came early moved
out of DEFAULT, reads by learner and organisation indexed, expired months dropped. On SQLite
one table, and retention deletes rows."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from lrs.core import partitions
from lrs.core.actor import Actor
from lrs.core.audit import AuditAction, record_audit
from lrs.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _on_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL partitions the audit table")


def _row_at(actor: Actor, when: datetime.datetime) -> AuditEvent:
    event = record_audit(actor=actor, action=AuditAction.USER_UPDATED)
    AuditEvent.objects.filter(pk=event.pk).update(occurred_at=when)
    return event


def _partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM core_auditevent WHERE id = %s", [event.pk]
        )
        return str(cursor.fetchone()[0])


def test_month_arithmetic():
    assert partitions.month_start(datetime.date(2026, 12, 31), 1) == datetime.date(2027, 1, 1)
    assert partitions.month_start(datetime.date(2026, 1, 15), -13) == datetime.date(2024, 12, 1)
    assert partitions.partition_name(datetime.date(2027, 3, 1)) == "core_auditevent_p2027_03"


@pytest.mark.postgres
def test_the_table_is_partitioned_with_months_ahead_and_a_default(online_actor):
    _on_postgres()
    assert partitions.is_partitioned()
    today = timezone.now().date()
    names = partitions.audit_partitions()
    for offset in range(partitions.DEFAULT_MONTHS_AHEAD + 1):
        assert partitions.partition_name(partitions.month_start(today, offset)) in names
    event = record_audit(actor=online_actor, action=AuditAction.USER_UPDATED)
    assert _partition_of(event) == partitions.partition_name(partitions.month_start(today))


@pytest.mark.postgres
def test_creating_ahead_moves_early_rows_out_of_the_default(online_actor):
    _on_postgres()
    far = partitions.month_start(timezone.now().date(), 12)
    early = _row_at(online_actor, datetime.datetime(far.year, far.month, 10, tzinfo=datetime.UTC))
    assert _partition_of(early) == partitions.DEFAULT_PARTITION

    report = partitions.ensure_audit_partitions(months_ahead=12)
    assert partitions.partition_name(far) in report.created
    assert report.moved_rows == 1
    assert _partition_of(early) == partitions.partition_name(far)
    assert AuditEvent.objects.filter(pk=early.pk).exists()
    # A second run has nothing to do.
    assert partitions.ensure_audit_partitions(months_ahead=12).created == []


@pytest.mark.postgres
def test_expired_months_are_dropped_and_recent_ones_kept(online_actor):
    _on_postgres()
    today = timezone.now().date()
    old_month = partitions.month_start(today, -30)
    with connection.cursor() as cursor:
        partitions.create_month_partition(cursor, old_month)
    old = _row_at(
        online_actor, datetime.datetime(old_month.year, old_month.month, 2, tzinfo=datetime.UTC)
    )
    older = _row_at(online_actor, datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC))  # DEFAULT
    recent = record_audit(actor=online_actor, action=AuditAction.USER_UPDATED)
    # In real use the rows were committed long before; here the test's transaction still holds
    # their deferred foreign-key checks, which would forbid the DROP.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    out = io.StringIO()
    call_command("audit_partitions", "--drop-expired", "--retention-months", "24", stdout=out)
    assert f"dropped {partitions.partition_name(old_month)}" in out.getvalue()
    assert "deleted 1 expired row(s)" in out.getvalue()
    assert not AuditEvent.objects.filter(pk__in=[old.pk, older.pk]).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    assert partitions.partition_name(old_month) not in partitions.audit_partitions()


@pytest.mark.postgres
def test_a_learners_log_and_an_organisations_history_use_their_indexes(online_actor):
    _on_postgres()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = {}
        for column in ("learner_id", "organisation_id"):
            cursor.execute(
                "EXPLAIN SELECT * FROM core_auditevent "  # noqa: S608 - a fixed column name
                f"WHERE {column} = 42 ORDER BY occurred_at DESC LIMIT 50"
            )
            plans[column] = "\n".join(row[0] for row in cursor.fetchall())
    assert (
        "audit_learner_time" in plans["learner_id"] or "learner_id_occurred" in plans["learner_id"]
    )
    assert (
        "organisation_id_occurred" in plans["organisation_id"]
        or "audit_org_time" in plans["organisation_id"]
    )


def test_on_sqlite_retention_deletes_rows(online_actor):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite keeps one table")
    old = _row_at(online_actor, datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC))
    recent = record_audit(actor=online_actor, action=AuditAction.USER_UPDATED)
    report = partitions.drop_expired_audit_partitions(months=24)
    assert report.deleted_rows == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=recent.pk).exists()
    assert partitions.ensure_audit_partitions().created == []
