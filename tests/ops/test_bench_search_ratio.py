"""`bench/search_ratio.py`: two loaded registers searched side by side, search by search."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _searches_audited(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM core_auditevent WHERE action = 'learner.searched'"
        ).fetchone()
    return int(count)


def test_both_registers_run_every_search_of_every_pass_and_the_ratio_is_reported(
    tmp_path: Path,
) -> None:
    # One small register loaded by bench/register.py (SQLite), given as both sides.
    _run("bench/register.py", "--learners", "300", "--searches", "20", "--workdir", str(tmp_path))
    database = tmp_path / "bench.sqlite3"
    before = _searches_audited(database)
    side = f"{tmp_path}:300:sqlite:///{database}"
    output = _run(
        "bench/search_ratio.py",
        "--small",
        side,
        "--large",
        side,
        "--searches",
        "20",
        "--passes",
        "2",
        "--block",
        "3",
    )
    assert "warm-up pass: 20 searches on each register" in output
    passes = re.findall(r"^pass (\d): .* ratio p50 ([\d.]+)x, p95 ([\d.]+)x", output, re.M)
    assert [number for number, _p50, _p95 in passes] == ["1", "2"]
    assert all(float(p50) > 0 and float(p95) > 0 for _number, p50, p95 in passes)
    assert re.search(r"^all 2 passes: small p50 [\d.]+ ms, p95 [\d.]+ ms; large", output, re.M)
    # Each search went through search_learners, audited: 20 on each side, in three passes.
    assert _searches_audited(database) - before == 2 * 3 * 20
