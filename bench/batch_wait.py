"""Benchmark `lrs batch submit FILE --wait` end to end, as a user runs it (issue 19 item 23).

    .venv/bin/python -m bench.batch_wait [--learners 20000] [--rows 2000] [--runs 3]
        [--workdir /tmp/bench-wait] [--worker]

Builds (once, in --workdir) the SQLite register `bench/register.py` makes, writes a FUL batch
file of --rows rows (four in five learners already on the register, with realistic slips; the
rest new), then for each run copies the register and times the whole command in a fresh
process: start-up, parse and submit, processing, the totals and the output file. Beside it,
the processing time (the batch's first row taken to complete). With no worker running the
command processes the rows itself; with --worker an `lrs worker` runs beside it, and the
command waits for it. The end-to-end time should be close to the processing time plus the
process start-up and the submit.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.batch import UKPRN, _batch_csv  # noqa: E402

FILE_NAME = f"LRB_{UKPRN}_231120260900.CSV"


def _prepare(args: argparse.Namespace) -> None:
    """In a process whose environment names the register: the batch user and the file."""
    import django

    django.setup()
    from lrs.core.actor import Channel
    from lrs.organisations.models import Organisation, User
    from lrs.organisations.services import (
        create_organisation,
        create_user,
        service_desk_system_actor,
    )
    from lrs.synthetic import generate_register

    system = service_desk_system_actor(channel=Channel.CLI)
    organisation = Organisation.objects.filter(ukprn=UKPRN).first() or create_organisation(
        actor=system,
        ukprn=UKPRN,
        name="Bench Sixth Form",
        organisation_type="college",
        granted_roles=["batch"],
    )
    if not User.objects.filter(username="bench.batch").exists():
        create_user(
            actor=system, organisation=organisation, username="bench.batch", roles=["batch"]
        )
    register = list(generate_register(args.learners, seed=args.seed))
    (args.workdir / FILE_NAME).write_bytes(_batch_csv(register, args.rows, args.seed))


def _processing_seconds(database: Path) -> float:
    with sqlite3.connect(database) as db:
        started, finished = db.execute(
            "SELECT started_at, finished_at FROM batches_batch ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return (
        datetime.datetime.fromisoformat(finished) - datetime.datetime.fromisoformat(started)
    ).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-wait")
    parser.add_argument("--worker", action="store_true", help="run an lrs worker beside it")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        _prepare(args)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    register = args.workdir / "bench.sqlite3"
    if not register.exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "register.py"),
                *("--learners", str(args.learners), "--searches", "10"),
                *("--seed", str(args.seed), "--workdir", str(args.workdir)),
            ],
            check=True,
        )
    env = {
        **os.environ,
        "LRS_DATA_DIR": str(args.workdir),
        "DATABASE_URL": f"sqlite:///{register}",
        "DJANGO_SETTINGS_MODULE": "lrs.settings",
        "LRS_EMBEDDED_WORKER": "0",
    }
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--prepare", *_common(args)],
        env=env,
        check=True,
    )
    print(f"register: {args.learners:,} learners (SQLite); batch file: {args.rows:,} rows, FUL")
    for run in range(1, args.runs + 1):
        database = args.workdir / "run.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(register, database)
        run_env = {**env, "DATABASE_URL": f"sqlite:///{database}"}
        # The code under test may have migrations the register was built without.
        subprocess.run(
            [sys.executable, "-m", "lrs.cli", "migrate", "-v", "0"], env=run_env, check=True
        )
        out = args.workdir / "out"
        out.mkdir(exist_ok=True)
        worker = None
        if args.worker:
            worker = subprocess.Popen(
                [sys.executable, "-m", "lrs.cli", "worker"],
                env=run_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(5)  # the worker is up and idle, as it would be on a server
        command = [
            sys.executable,
            "-m",
            "lrs.cli",
            *("batch", "submit", str(args.workdir / FILE_NAME)),
            *("--user", "bench.batch", "--wait", "--out", str(out)),
        ]
        started = time.perf_counter()
        subprocess.run(command, env=run_env, check=True, stdout=subprocess.DEVNULL)
        end_to_end = time.perf_counter() - started
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        processing = _processing_seconds(database)
        print(
            f"run {run}: end to end {end_to_end:.1f} s; processing {processing:.1f} s "
            f"(first row taken to complete)"
        )


def _common(args: argparse.Namespace) -> list[str]:
    return [
        *("--learners", str(args.learners), "--rows", str(args.rows)),
        *("--seed", str(args.seed), "--workdir", str(args.workdir)),
    ]


if __name__ == "__main__":
    main()
