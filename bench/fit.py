"""Time `lrs fit-matching` (the matching model estimated from the register) on a large register.

    .venv/bin/python bench/fit.py --learners 1000000 [--seed 0] [--sample N] [--jobs N]
        [--database-url postgres://postgres@127.0.0.1:5432/lrs_bench]
        [--workdir DIR [--reuse]]

Writes N synthetic learners (`lrs generate N`), loads them into a fresh database (`lrs
import-learners`; a SQLite file in the work folder unless --database-url names a PostgreSQL
one), then runs the fit exactly as `lrs fit-matching` does (`fit_now`, with `--jobs` worker
processes, by default one a CPU), in this process, and prints its wall time, CPU time (user +
system, this process and its worker processes) and peak memory (this process, and the largest
worker), and the same per phase of the fit (`MatchingModel.fit["phases"]`, recorded by
`fit_matching_model`):

* reading the register: every learner not merged away, in one pass, prepared for the engine
  once (`register_people`, `prepare_uncached`);
* reading the blocking keys: the whole key table in one pass, as a map from each key (by
  hash) to the learners storing it;
* pairing and comparing: in forked worker processes, each learner's search keys (with the
  search tips' variants) looked up in that map, and each pair (the learner with a candidate a
  search for it would retrieve) compared and counted by its compact verdict key;
* estimation: u over the distinct comparison patterns (`fit_to_register`);
* term frequencies: names, dates of birth and postcode districts, from the learners read.

The progress lines show this process's CPU; the workers' CPU is added when they finish.
With `--reuse`, the register already loaded in `--workdir` (same learners and seed) is kept
and only the fit runs: the load of a million learners takes far longer than the fit.
The target of issue 13 is a fit of a 1M-learner register in under 10 minutes.
Measured figures: docs/adr/0008-matching-model-fitted-to-the-register.md.
"""

from __future__ import annotations

import argparse
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


def _cpu() -> float:
    """User + system CPU of this process and of its finished child processes (the fit's
    workers; the load's `lrs` commands finish before the fit starts)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _workers_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=None, help="as lrs fit-matching --sample")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workdir", default="")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the register loaded in --workdir's database"
    )
    parser.add_argument("--load-only", action="store_true", help="load the register, no fit")
    parser.add_argument(
        "--jobs", type=int, default=None, help="as lrs fit-matching --jobs (default: the CPUs)"
    )
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="lrs-fit-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    marker = workdir / f"loaded-{args.learners}-{args.seed}"
    reuse = args.reuse and marker.exists()
    os.environ["LRS_DATA_DIR"] = str(workdir)
    if args.database_url:
        if not reuse:
            _reset_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        database = workdir / "bench.sqlite3"
        if not reuse:
            database.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
    lrs = [sys.executable, "-m", "lrs.cli"]
    register_csv = workdir / "learners.csv"
    if not reuse:
        marker.unlink(missing_ok=True)
        started = time.perf_counter()
        generate = ["generate", str(args.learners), "--seed", str(args.seed)]
        subprocess.run([*lrs, *generate, "--out", str(register_csv)], check=True)
        subprocess.run([*lrs, "migrate", "-v", "0"], check=True)
        subprocess.run([*lrs, "import-learners", str(register_csv), "--quiet"], check=True)
        marker.touch()
        print(f"generated and loaded in {time.perf_counter() - started:.1f} s", flush=True)
    if args.load_only:
        return

    import django

    django.setup()
    from lrs.challenges.model_fits import fit_now
    from lrs.core.actor import Channel
    from lrs.learners.matching_fit import default_jobs
    from lrs.learners.models import Learner, MatchingModel
    from lrs.organisations.services import service_desk_system_actor

    learners = Learner.objects.filter(master__isnull=True).count()
    actor = service_desk_system_actor(channel=Channel.CLI)
    load = os.getloadavg()[0]
    cpu, started = _cpu(), time.perf_counter()
    step = max(args.learners // 20, 1)
    printed = [0]

    def progress(done: int, total: int) -> None:
        # What `lrs fit-matching` shows as it goes, with the time and CPU so far.
        if done - printed[0] >= step or done == total:
            printed[0] = done
            print(
                f"  paired {done:,} of {total:,} learners: wall {time.perf_counter() - started:.1f}"
                f" s, CPU {_cpu() - cpu:.1f} s, load average {os.getloadavg()[0]:.2f}",
                flush=True,
            )

    # What `lrs fit-matching` (without --queue) runs: the fit, recorded as a run.
    jobs = args.jobs or default_jobs()
    fit_now(actor=actor, sample=args.sample, progress=progress, jobs=jobs)
    wall, cpu = time.perf_counter() - started, _cpu() - cpu
    model = MatchingModel.objects.order_by("-pk").first()
    assert model is not None
    fit = model.fit
    print(
        f"lrs fit-matching on {learners:,} learners ({fit.get('learners', 0):,} paired, "
        f"{fit.get('pairs', 0):,} pairs, {fit.get('patterns', 0):,} patterns, "
        f"{jobs} worker processes): wall {wall:.1f} s, "
        f"CPU {cpu:.1f} s (user + system, this process and its workers), peak memory "
        f"{_peak_mb():,.0f} MB (this process; the largest worker: {_workers_peak_mb():,.0f} MB); "
        f"load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end"
    )
    # In the fit's order ("step"): PostgreSQL's JSON column keeps keys in an order of its own.
    phases = sorted(fit.get("phases", {}).items(), key=lambda item: item[1].get("step", 0))
    for name, phase in phases:
        print(
            f"  {name:<28} wall {phase['wall']:>8.1f} s  CPU {phase['cpu']:>8.1f} s  "
            f"peak memory {phase['peak_mb']:>8,.0f} MB"
            + (
                f" (largest worker {phase['workers_peak_mb']:,.0f} MB)"
                if "workers_peak_mb" in phase
                else ""
            )
        )
    print(f"  target (issue 13): under 600 s wall -> {'met' if wall < 600 else 'MISSED'}")


if __name__ == "__main__":
    main()
