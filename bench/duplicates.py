"""Benchmark the duplicate finder on a synthetic register with planted duplicates.

    .venv/bin/python bench/duplicates.py --learners 100000 [--duplicates 1000]
        [--database-url postgres://postgres@127.0.0.1:5432/lrs_bench]
        [--workdir DIR [--reuse]]

Writes N synthetic learners plus D planted duplicates (`lrs generate N --duplicates D`: a
learner re-keyed with a typo, nickname, moved postcode ... and registered again under a second
ULN), loads them into a fresh database (`lrs import-learners`), runs the finder over the whole
register once (timed, one process), then an incremental run, and reports:

With `--reuse`, the register already loaded by an earlier run with the same `--workdir` (and
database, learners, duplicates and seed) is kept: only the finder's results are cleared.

* recall of the planted pairs over the whole worklist, and precision/recall of its top K
  (K = the planted pairs loaded);
* the pairs above the merge threshold (as sure as a search's exact match): how many were
  planted, how many are twins of the register (which must be none);
* twin pairs anywhere on the worklist (the engine's twin rule keeps them off).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse


def _reset_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--duplicates", type=int, default=0, help="default: 1%% of learners")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workdir", default="")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the register loaded in --workdir's database"
    )
    args = parser.parse_args()
    duplicates = args.duplicates or max(1, args.learners // 100)

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="lrs-dup-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["LRS_DATA_DIR"] = str(workdir)
    if args.database_url:
        if not args.reuse:
            _reset_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
    lrs = [sys.executable, "-m", "lrs.cli"]
    register_csv, truth_csv = workdir / "learners.csv", workdir / "planted.csv"
    if not args.reuse:
        subprocess.run(
            [
                *lrs,
                "generate",
                str(args.learners),
                "--seed",
                str(args.seed),
                "--out",
                str(register_csv),
                "--duplicates",
                str(duplicates),
                "--duplicates-out",
                str(truth_csv),
            ],
            check=True,
        )
    subprocess.run([*lrs, "migrate", "-v", "0"], check=True)
    if not args.reuse:
        started = time.perf_counter()
        subprocess.run([*lrs, "import-learners", str(register_csv), "--quiet"], check=True)
        print(f"loaded in {time.perf_counter() - started:.1f} s")

    import django

    django.setup()
    from lrs.challenges.duplicates import MERGE_PROBABILITY, find_duplicates
    from lrs.challenges.models import DuplicateRun, SuspectedDuplicate
    from lrs.core.actor import Channel
    from lrs.learners.models import Learner
    from lrs.organisations.services import service_desk_system_actor
    from lrs.synthetic import generate_register

    actor = service_desk_system_actor(channel=Channel.CLI)
    uln_of = dict(Learner.objects.values_list("pk", "uln"))
    loaded = set(uln_of.values())
    with truth_csv.open(encoding="utf-8") as fh:
        planted = {
            frozenset((row["ULN"], row["DuplicateOfULN"]))
            for row in csv.DictReader(fh)
            if row["ULN"] in loaded and row["DuplicateOfULN"] in loaded
        }
    twins = {
        frozenset((learner.uln, learner.twin_of))
        for learner in generate_register(args.learners, seed=args.seed)
        if learner.twin_of is not None
    }

    SuspectedDuplicate.objects.all().delete()
    DuplicateRun.objects.all().delete()
    started, cpu = time.perf_counter(), time.process_time()
    run = find_duplicates(actor=actor, full=True)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    started = time.perf_counter()
    again = find_duplicates(actor=actor)
    incremental_seconds = time.perf_counter() - started

    ranked = [
        (frozenset((uln_of[low], uln_of[high])), probability)
        for low, high, probability in SuspectedDuplicate.objects.order_by("-score", "id")
        .values_list("low_id", "high_id", "probability")
        .iterator()
    ]
    found = {pair for pair, _p in ranked}
    top = {pair for pair, _p in ranked[: len(planted)]}
    above = [pair for pair, probability in ranked if probability >= MERGE_PROBABILITY]
    hits_top = len(top & planted)
    print(f"learners: {run.processed:,} ({len(loaded):,} loaded, {len(planted):,} planted pairs)")
    print(
        f"full run: {seconds:.1f} s ({run.processed / seconds:,.0f} learners/s), "
        f"{cpu:.1f} s CPU in this process; load average {os.getloadavg()[0]:.1f}; "
        f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )
    print(
        f"incremental run (nothing changed): {incremental_seconds:.2f} s, "
        f"{again.processed} learners"
    )
    print(
        f"worklist: {len(ranked):,} pairs; planted found {len(found & planted):,}"
        f" = recall {len(found & planted) / max(len(planted), 1):.1%}"
    )
    print(
        f"top {len(planted):,}: precision {hits_top / max(len(top), 1):.1%},"
        f" recall {hits_top / max(len(planted), 1):.1%}"
    )
    print(
        f"above merge threshold: {len(above):,} pairs, planted {len(set(above) & planted):,},"
        f" twins {len(set(above) & twins)}"
    )
    print(f"twin pairs on the worklist: {len(found & twins)} of {len(twins):,} twin pairs")


if __name__ == "__main__":
    main()
