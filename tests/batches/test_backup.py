"""`lrs backup` while a batch runs, then `lrs restore`: every learner is in the restored copy.

SQLite only (PostgreSQL is backed up with its own tools, docs/deploy.md).
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.batches.conftest import DatabaseTemplate, SyntheticRows, WaitFor

pytestmark = pytest.mark.slow

IMPORTED = 400
# Enough rows that the batch is still running when `lrs backup` (a new process) copies.
BATCHES = 4
ROWS = 300
BATCH = BATCHES * ROWS


def _ulns(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {row[0] for row in db.execute("SELECT uln FROM learners_learner")}
    finally:
        db.close()


def test_a_backup_taken_while_a_batch_runs_restores_every_learner(
    template: DatabaseTemplate,
    synthetic_rows: SyntheticRows,
    wait_for: WaitFor,
    tmp_path: Path,
) -> None:
    with template.copy("backup") as db:
        if db.is_postgres:
            pytest.skip("lrs backup is for SQLite; PostgreSQL uses pg_dump or base backups")
        register = db.workdir / "learners.csv"
        db.lrs("generate", str(IMPORTED), "--seed", "77", "--out", str(register))
        db.lrs("import-learners", str(register), "--quiet")
        with register.open(encoding="utf-8") as fh:
            imported = {row["ULN"] for row in csv.DictReader(fh)}
        assert len(imported) == IMPORTED
        # Batch files of unrelated people (a file can hold only so many unrelated people).
        db.submit(*(synthetic_rows(ROWS, seed=5150 + n) for n in range(BATCHES)))

        def done() -> int:
            return int(db.scalar("SELECT COUNT(*) FROM batches_batchrow WHERE state = 'done'"))

        worker = db.start_lrs("worker", "--chunk", "5", "--poll", "0.2", log_name="worker.log")
        wait_for(lambda: done() >= 10, timeout=120, what="the batch under way")
        backup = tmp_path / "backups" / "lrs-backup.sqlite3"
        out = db.lrs("backup", str(backup))
        assert "Backed up to" in out
        assert worker.poll() is None, "the worker was still running during the backup"
        wait_for(lambda: done() == BATCH, timeout=600, what="the batch finished")

        restored = tmp_path / "restored.sqlite3"
        out = db.lrs("restore", str(backup), DATABASE_URL=f"sqlite:///{restored}")
        assert "Restored" in out
        copy = sqlite3.connect(restored)
        try:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            rows_done = copy.execute(
                "SELECT COUNT(*) FROM batches_batchrow WHERE state = 'done'"
            ).fetchone()[0]
            registered = {
                row[0]
                for row in copy.execute(
                    "SELECT uln FROM batches_batchrow WHERE state = 'done' AND uln != ''"
                )
            }
        finally:
            copy.close()
        ulns = _ulns(restored)
        # Every learner imported before, and every learner the batch had made by then: one
        # consistent moment (rows done and the learners they made go together).
        assert imported <= ulns
        assert registered <= ulns
        assert ulns == imported | registered
        # The copy caught the batch part-way: some rows done, not all.
        assert 10 <= rows_done < BATCH

        # Restoring over a database that is there needs --force.
        live = Path(db.url.removeprefix("sqlite:///"))
        refused = subprocess.run(
            [sys.executable, "-m", "lrs.cli", "restore", str(backup)],
            env=db.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert refused.returncode != 0
        assert "--force" in refused.stderr
        assert _ulns(live) >= imported
