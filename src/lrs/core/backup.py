"""Back up and restore the embedded SQLite database, safely while it serves.

SQLite's online backup API (`sqlite3.Connection.backup`) copies the database's pages inside
one read transaction: the copy is one consistent moment, with every committed write
before it and none after, even while web requests and the batch worker write (in WAL mode a
reader does not stop writers). The copy is written beside the target under a temporary name,
checked (`PRAGMA integrity_check`) and then renamed into place, so a half-written backup never
carries the backup's name.

Restoring copies a backup into the configured database the same way (the backup API again,
so other connections see the restored pages, not a swapped file); stop the service first.

PostgreSQL has its own tools, pg_dump and base backups with WAL archiving (docs/deploy.md).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from django.conf import settings


class BackupError(Exception):
    pass


def sqlite_path() -> Path:
    config = settings.DATABASES["default"]
    if config["ENGINE"] != "django.db.backends.sqlite3":
        raise BackupError(
            "`lrs backup` and `lrs restore` are for the embedded SQLite database; on "
            "PostgreSQL use pg_dump or base backups with WAL archiving (docs/deploy.md)."
        )
    return Path(str(config["NAME"]))


def _check(connection: sqlite3.Connection, what: str) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchone()
    if not result or result[0] != "ok":
        raise BackupError(f"{what} failed its integrity check: {result}")


def backup_sqlite(target: Path) -> int:
    """Copy the live database to `target`. Returns the size of the copy in bytes."""
    source_path = sqlite_path()
    if not source_path.exists():
        raise BackupError(f"There is no database at {source_path}.")
    target = target.resolve()
    if target == source_path.resolve():
        raise BackupError("The backup must not be the database itself.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        # One step, one read transaction: copied in steps, a write by another connection
        # between two steps would start the copy again, and a busy service could keep it
        # restarting. In WAL mode a long reader does not hold writers up.
        source.backup(copy)
        # A backup stands alone: one file, no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        _check(copy, "The backup")
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)
    return target.stat().st_size


def restore_sqlite(backup: Path) -> Path:
    """Copy a backup over the configured database. Returns the database's path."""
    if not backup.exists():
        raise BackupError(f"There is no backup at {backup}.")
    target_path = sqlite_path()
    source = sqlite3.connect(f"file:{backup.resolve()}?mode=ro", uri=True)
    try:
        _check(source, "The backup")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
            _check(target, "The restored database")
        finally:
            target.close()
    finally:
        source.close()
    return target_path
