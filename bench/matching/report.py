"""The plain-text report: outcome rates side by side, timings, and the per-variation table."""

from __future__ import annotations

import datetime
import hashlib
import os
import platform
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

from bench.matching.data import BenchData
from bench.matching.metrics import Summary, SystemResult, by_label, summarise

__all__ = ["engine_fingerprint", "environment_lines", "format_dataset", "rate"]

_LABEL_WIDTH = 46
_CELL_WIDTH = 24
_RULE = "=" * 96


def rate(part: int, whole: int) -> str:
    """Return ``part`` of ``whole`` as "12.34% (123/1,000)", or "n/a" when ``whole`` is 0."""
    if whole == 0:
        return "n/a"
    return f"{100 * part / whole:.2f}% ({part:,}/{whole:,})"


def _short_rate(part: int, whole: int) -> str:
    return "-" if whole == 0 else f"{100 * part / whole:.1f}"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def engine_fingerprint() -> str:
    """Return a digest of the ``lrs.matching`` sources and their latest modification time.

    Results belong to one version of the engine; the digest ties a report to it without asking
    version control, and comparing it before and after a run shows an edit made meanwhile.
    """
    import lrs.matching

    package = Path(lrs.matching.__file__).parent
    digest = hashlib.sha256()
    latest = 0.0
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
        latest = max(latest, path.stat().st_mtime)
    modified = datetime.datetime.fromtimestamp(latest, tz=datetime.UTC)
    return f"sha256 {digest.hexdigest()[:12]}, last modified {modified:%Y-%m-%d %H:%M:%S} UTC"


def environment_lines() -> list[str]:
    """Return what the numbers were measured on."""
    packages = ", ".join(
        f"{name} {_version(name)}" for name in ("splink", "duckdb", "recordlinkage", "jellyfish")
    )
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"machine: {os.cpu_count()} cores, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}; load average {load} (1, 5, 15 min) at start",
        f"packages: {packages}",
        f"engine: lrs.matching sources {engine_fingerprint()}",
    ]


_Row = tuple[str, Callable[[Summary], str]]

_ROWS: tuple[_Row, ...] = (
    ("False auto-match, all queries", lambda s: rate(s.false_auto, s.queries)),
    (
        "  existing learner matched to someone else",
        lambda s: rate(s.auto_wrong_existing, s.existing),
    ),
    ("  new person auto-matched (any)", lambda s: rate(s.auto_new, s.new)),
    ("Auto-match to the right learner (existing)", lambda s: rate(s.auto_right, s.existing)),
    ("Sent to review (possible + too many), all", lambda s: rate(s.review, s.queries)),
    ("  existing: possible", lambda s: rate(s.possible_existing, s.existing)),
    (
        "  existing possible: true learner listed",
        lambda s: rate(s.possible_existing_listed, s.possible_existing),
    ),
    ("  existing: too many", lambda s: rate(s.too_many_existing, s.existing)),
    ("Missed existing learners (none)", lambda s: rate(s.missed, s.existing)),
    ("New people: none (correct)", lambda s: rate(s.new_none, s.new)),
    ("New people: possible (false possible)", lambda s: rate(s.new_possible, s.new)),
    ("New people: too many", lambda s: rate(s.new_too_many, s.new)),
    ("True learner reached by blocking", lambda s: rate(s.retrieved, s.retrieval_known)),
)


def _line(label: str, cells: Sequence[str]) -> str:
    return f"{label:<{_LABEL_WIDTH}}" + "".join(f"{cell:<{_CELL_WIDTH}}" for cell in cells).rstrip()


def _speed_lines(results: Sequence[SystemResult], queries: int) -> list[str]:
    def per_second(seconds: float | None, absent: str = "(= above)") -> str:
        if seconds is None:
            return absent
        return f"{queries / seconds:,.0f} q/s ({seconds:.2f} s)" if seconds > 0 else "n/a"

    return [
        _line("Speed, matching only *", [per_second(r.match_seconds) for r in results]),
        _line(
            "Speed, incl. candidate retrieval", [per_second(r.end_to_end_seconds) for r in results]
        ),
        _line(
            "  by CPU time, matching only",
            [per_second(r.cpu_match_seconds, "-") for r in results],
        ),
        _line(
            "  by CPU time, incl. retrieval",
            [per_second(r.cpu_end_to_end_seconds, "-") for r in results],
        ),
    ]


def _outcome_table(data: BenchData, results: Sequence[SystemResult]) -> list[str]:
    summaries = [summarise(data.cases, result.decisions) for result in results]
    lines = [_line("", [result.name for result in results])]
    lines.extend(_line(label, [cell(s) for s in summaries]) for label, cell in _ROWS)
    lines.extend(_speed_lines(results, len(data.cases)))
    lines.append(
        "* ours: decide() over retrieved candidates; Splink: predict() (its blocking and "
        "scoring) plus"
    )
    lines.append("  reducing pairs to outcomes. Single-threaded Python vs DuckDB on all cores.")
    lines.append(
        "  Speed by wall time, then by this process's CPU time (time.process_time; '-' where "
        "not measured)."
    )
    return lines


def _timing_lines(results: Sequence[SystemResult]) -> list[str]:
    lines: list[str] = []
    for result in results:
        lines.append(f"{result.name}:")
        lines.extend(f"  {name:<58}{seconds:8.2f} s" for name, seconds in result.timings.items())
        lines.extend(f"  {note}" for note in result.notes)
    return lines


def _breakdown_lines(data: BenchData, results: Sequence[SystemResult]) -> list[str]:
    groups = [by_label(data.cases, result.decisions) for result in results]
    header_cells = "".join(f"{result.name:^32}" for result in results)
    lines = [
        f"{'':<26}{'':>6}  {header_cells}",
        f"{'variation':<26}{'n':>6}  "
        + f"{'auto':>6}{'rev':>6}{'miss':>6}{'falseA':>8}{'':6}" * len(results),
    ]
    first = groups[0]

    def order(label: str) -> tuple[bool, int, str]:
        return (first[label].new > 0, -first[label].queries, label)

    for label in sorted(first, key=order):
        cells = ""
        for group in groups:
            s = group[label]
            cells += (
                f"{_short_rate(s.auto_right, s.existing):>6}{_short_rate(s.review, s.queries):>6}"
                f"{_short_rate(s.missed, s.existing):>6}{_short_rate(s.false_auto, s.queries):>8}"
                "      "
            )
        lines.append(f"{label:<26}{first[label].queries:>6}  {cells.rstrip()}")
    lines.append(
        "auto = auto-matched to the right learner, % of the row's existing learners; rev = sent "
        "to review,"
    )
    lines.append(
        "% of the row; miss = none for an existing learner, %; falseA = auto-match to the wrong "
        "person, %."
    )
    lines.append("COMBINED = two changes at once. '-' = not applicable (new people have no auto).")
    return lines


def format_dataset(data: BenchData, results: Sequence[SystemResult]) -> str:
    """Return the report section of one data set."""
    lines = [
        _RULE,
        data.name,
        _RULE,
        f"queries: {len(data.cases):,} ({data.existing:,} on the register, "
        f"{len(data.cases) - data.existing:,} not); register: {len(data.register):,}; "
        f"data built in {data.build_seconds:.1f} s",
        *data.notes,
        "",
        *_outcome_table(data, results),
        "",
        "Timings and configuration",
        *_timing_lines(results),
        "",
        "Per-variation breakdown",
        *_breakdown_lines(data, results),
        "",
    ]
    return "\n".join(lines)
