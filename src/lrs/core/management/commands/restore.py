"""`lrs restore PATH --force`: put a backup made by `lrs backup` back as the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core.backup import BackupError, restore_sqlite, sqlite_path


class Command(BaseCommand):
    help = (
        "Replace the embedded SQLite database with a backup made by `lrs backup`. Stop the "
        "service and the workers first; --force is needed when a database is there already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--force", action="store_true", help="replace the database that is there"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            target = sqlite_path()
            if target.exists() and target.stat().st_size and not options["force"]:
                raise CommandError(
                    f"{target} exists: stop the service, then run again with --force to "
                    "replace it with the backup."
                )
            restore_sqlite(options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {options['path']} to {target}")
