"""`lrs audit-partitions`: keep the audit trail's monthly partitions (lrs.core.partitions).

    lrs audit-partitions [--ahead N]                 create this month's and N more (default 3)
    lrs audit-partitions --drop-expired [--retention-months M]
                                                     also drop months older than the retention
                                                     (LRS_AUDIT_RETENTION_MONTHS, default 84)

The batch worker creates partitions ahead by itself; run this from cron for the retention.
On SQLite (one table) --drop-expired deletes the expired rows.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core import partitions


class Command(BaseCommand):
    help = "Create the audit trail's monthly partitions ahead; drop those past the retention."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--ahead", type=int, default=partitions.DEFAULT_MONTHS_AHEAD)
        parser.add_argument("--drop-expired", action="store_true")
        parser.add_argument("--retention-months", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["ahead"] < 0:
            raise CommandError("--ahead must be 0 or more.")
        created = partitions.ensure_audit_partitions(months_ahead=options["ahead"])
        for name in created.created:
            self.stdout.write(f"created {name}")
        if created.moved_rows:
            self.stdout.write(f"moved {created.moved_rows} row(s) out of the default partition")
        if options["drop_expired"]:
            try:
                dropped = partitions.drop_expired_audit_partitions(
                    months=options["retention_months"]
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
            for name in dropped.dropped:
                self.stdout.write(f"dropped {name}")
            if dropped.deleted_rows:
                self.stdout.write(f"deleted {dropped.deleted_rows} expired row(s)")
        if not partitions.is_partitioned():
            self.stdout.write("The audit table is not partitioned (SQLite): nothing to create.")
