"""`bench/blocking_recall.py`: candidates and recall by kind of search, in memory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A result line: the search's name, then count, found, share, p50, p95, mean.
LINE = re.compile(
    r"^  (?P<name>\S.*?)\s+(?P<count>[\d,]+)\s+(?P<found>[\d,]+)\s+(?P<share>[\d.]+)%"
    r"\s+(?P<p50>\d+)\s+(?P<p95>\d+)\s+(?P<mean>[\d.]+)$"
)


def test_every_kind_of_search_is_reported_with_its_recall_and_candidates() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "bench/blocking_recall.py",
            "--learners",
            "3000",
            "--density-of",
            "30000",
            "--per-scenario",
            "40",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rows = {
        match["name"]: match
        for match in (LINE.match(line) for line in done.stdout.splitlines())
        if match
    }
    assert "3,000 learners at the density of 30,000" in done.stdout
    for name in (
        "query generator's re-keyed learners",
        "as registered",
        "day mistyped, moved",
        "gender other, day mistyped",
        "family name changed, first of month",
    ):
        assert name in rows, done.stdout
    for name, row in rows.items():
        count, found = int(row["count"].replace(",", "")), int(row["found"].replace(",", ""))
        assert 0 < count <= 40, name
        assert found <= count
        assert float(row["share"]) == round(100 * found / count, 2)
        assert int(row["p50"]) <= int(row["p95"])
    # A learner's own details always find them, among a candidate or more.
    assert rows["as registered"]["found"] == rows["as registered"]["count"]
    assert int(rows["as registered"]["p50"]) >= 1
