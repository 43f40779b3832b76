"""`lrs backup PATH`: a consistent copy of the SQLite database, safe while it serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core.backup import BackupError, backup_sqlite


class Command(BaseCommand):
    help = (
        "Copy the embedded SQLite database to PATH with SQLite's online backup API (safe "
        "while serving). PostgreSQL: pg_dump or base backups (docs/deploy.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            size = backup_sqlite(options["path"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backed up to {options['path']} ({size:,} bytes)")
