"""Benchmark batch processing: a FUL batch file against a large register, 1 and 2 workers.

    .venv/bin/python -m bench.batch --learners 1000000 --workdir /tmp/bench-1m \
        [--rows 5000] [--workers 1 2] [--database-url postgres://postgres@127.0.0.1:5432/lrs_b]

The register is the one `bench/register.py` builds (same --learners, --seed and --workdir or
--database-url); it is built here if missing. The batch file is written in the real CSV layout:
four in five rows are learners already on the register, with the typing slips, nicknames,
moved postcodes and swapped dates of `lrs.synthetic.generate_queries`; the rest are new people,
whom a FUL batch registers. The file goes through the same path as an upload (parse, submit)
and is then processed by `lrs worker --burst` processes, as in production. Each run starts from
a copy of the register (SQLite) or deletes what the run added (PostgreSQL), so runs compare.

Prints rows/s from the first row taken to the batch complete, the return-code mix, and the
peak resident memory of the largest worker process.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
UKPRN = "10088888"


def _build_register_if_missing(args: argparse.Namespace, database_path: Path | None) -> None:
    if database_path is not None and database_path.exists():
        return
    if database_path is None and args.reuse_register:
        return
    command = [
        sys.executable,
        str(ROOT / "bench" / "register.py"),
        "--learners",
        str(args.learners),
        "--searches",
        "10",
        "--seed",
        str(args.seed),
        "--workdir",
        str(args.workdir),
    ]
    if args.database_url:
        command += ["--database-url", args.database_url]
    print("building the register:", " ".join(command))
    subprocess.run(command, check=True)


def _batch_csv(register: list[Any], rows: int, seed: int) -> bytes:
    from lrs.synthetic import generate_queries

    queries = generate_queries(register, rows, seed=seed + 3)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["FileVersion", "FileName", "UKPRN", "Email", "SubmissionType"])
    writer.writerow(["3A", "bench", UKPRN, "mis@bench.example", "FUL"])
    columns = [
        "MISIdentifier",
        "GivenName",
        "MiddleNames",
        "FamilyName",
        "PreferredGivenName",
        "PreviousFamilyName",
        "DateOfBirth",
        "Gender",
        "LastKnownPostCode",
        "EmailAddress",
        "VerificationType",
        "PrivacyNoticeSeen",
    ]
    writer.writerow(columns)
    for number, query in enumerate(queries, start=1):
        writer.writerow(
            [
                f"B{number:05d}",
                query.given_name,
                query.middle_other_name,
                query.family_name,
                query.preferred_given_name,
                query.previous_family_name,
                query.date_of_birth.isoformat(),
                query.gender,
                query.last_known_postcode,
                query.email_address,
                "1",
                "1",
            ]
        )
    return out.getvalue().encode("utf-8")


def _submit(content: bytes) -> int:
    from lrs.batches.services import submit_upload
    from lrs.core.actor import Actor, Channel
    from lrs.organisations.models import Organisation, User
    from lrs.organisations.services import (
        create_organisation,
        create_user,
        service_desk_system_actor,
    )

    system = service_desk_system_actor(channel=Channel.CLI)
    organisation = Organisation.objects.filter(ukprn=UKPRN).first() or create_organisation(
        actor=system,
        ukprn=UKPRN,
        name="Bench Sixth Form",
        organisation_type="college",
        granted_roles=["batch"],
    )
    user = (
        User.objects.filter(username="bench.batch").first()
        or create_user(
            actor=system, organisation=organisation, username="bench.batch", roles=["batch"]
        ).user
    )
    batch = submit_upload(
        actor=Actor(user=user, channel=Channel.PORTAL),
        file_name="LRB_10088888_231120260900.CSV",
        content=content,
    )
    return int(batch.pk)


def _resident_kb(pid: int) -> tuple[int, int]:
    """The process's resident memory now: (VmRSS, RssAnon) in KB, or zeros once it has gone.

    VmRSS counts the pages of the SQLite file the worker has memory-mapped (shared with the
    page cache, and given back under pressure); RssAnon is the worker's own memory.
    """
    values = {"VmRSS:": 0, "RssAnon:": 0}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name = line.split(":", 1)[0] + ":"
            if name in values:
                values[name] = int(line.split()[1])
    except OSError:
        pass
    return values["VmRSS:"], values["RssAnon:"]


def _run_workers(workers: int, env: dict[str, str], chunk: int) -> tuple[float, float, float]:
    """Run the workers to the end; (seconds, peak resident MB, peak private MB), largest worker.

    Memory is sampled from /proc every 0.2 s rather than taken from getrusage, whose peak
    counts the moment after fork when the child still shares this (large) process's pages.
    """
    command = [sys.executable, "-m", "lrs.cli", "worker", "--burst", "--chunk", str(chunk)]
    started = time.perf_counter()
    processes = [subprocess.Popen(command, env=env) for _ in range(workers)]
    peak_kb = peak_private_kb = 0
    while any(process.poll() is None for process in processes):
        for process in processes:
            resident, private = _resident_kb(process.pid)
            peak_kb, peak_private_kb = max(peak_kb, resident), max(peak_private_kb, private)
        time.sleep(0.2)
    for process in processes:
        if process.returncode != 0:
            raise SystemExit(f"worker exited with {process.returncode}")
    return time.perf_counter() - started, peak_kb / 1024, peak_private_kb / 1024


def _clean_postgres(batch_id: int) -> None:
    """Remove what the run added, so the next run meets the same register."""
    from django.db import connection

    from lrs.batches.models import Batch, BatchRow
    from lrs.learners.models import Learner

    new = list(
        BatchRow.objects.filter(batch_id=batch_id, return_code="RC002").values_list(
            "learner_id", flat=True
        )
    )
    Batch.objects.filter(pk=batch_id).delete()
    Learner.objects.filter(pk__in=new).delete()
    with connection.cursor() as cursor:
        # Not left to autovacuum, which may be off (it is on some hosts here): the dead rows
        # of every earlier run would otherwise slow the next one down.
        cursor.execute("VACUUM ANALYZE")


def _single_run(args: argparse.Namespace) -> None:
    """One measured run, in a process whose environment already names the database."""
    import django

    django.setup()
    from lrs.batches.models import Batch, BatchRow
    from lrs.synthetic import generate_register

    register = list(generate_register(args.learners, seed=args.seed))
    content = _batch_csv(register, args.rows, args.seed)
    print(f"batch file: {args.rows:,} rows, {len(content) / 1024:,.0f} KB")
    batch_id = _submit(content)
    from django.db import connections

    connections.close_all()
    workers = args.single
    seconds, peak_mb, private_mb = _run_workers(workers, dict(os.environ), args.chunk)
    batch = Batch.objects.get(pk=batch_id)
    assert batch.status == "complete", batch.status
    assert batch.started_at is not None
    assert batch.finished_at is not None
    processing = (batch.finished_at - batch.started_at).total_seconds()
    codes = Counter(
        BatchRow.objects.filter(batch_id=batch_id).values_list("return_code", flat=True)
    )
    print(
        f"{workers} worker(s): {args.rows / processing:,.0f} rows/s "
        f"({processing:.1f} s from first row to complete; {seconds:.1f} s including process "
        f"start-up); peak memory of the largest worker {peak_mb:,.0f} MB resident, "
        f"{private_mb:,.0f} MB of it private (on SQLite the rest is the mapped database file)"
    )
    print("  return codes: " + ", ".join(f"{k} {v}" for k, v in sorted(codes.items())))
    if not os.environ["DATABASE_URL"].startswith("sqlite"):
        _clean_postgres(batch_id)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunk", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench-register")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--reuse-register",
        action="store_true",
        help="with --database-url: the register is already loaded there",
    )
    parser.add_argument("--single", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single:
        _single_run(args)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    register_db = None if args.database_url else args.workdir / "bench.sqlite3"
    _build_register_if_missing(args, register_db)
    print(
        f"register: {args.learners:,} learners "
        f"({'SQLite ' + str(register_db) if register_db else args.database_url})"
    )
    for workers in args.workers:
        env = {
            **os.environ,
            "LRS_DATA_DIR": str(args.workdir),
            "LRS_EMBEDDED_WORKER": "0",
            # The submission queues nothing elsewhere: the `lrs worker` processes timed here
            # find the batch's rows in the database.
            "LRS_QUEUE": "embedded",
            "DJANGO_SETTINGS_MODULE": "lrs.settings",
        }
        run_db = args.workdir / f"run-{workers}.sqlite3"
        if register_db is not None:
            shutil.copyfile(register_db, run_db)
            env["DATABASE_URL"] = f"sqlite:///{run_db}"
        else:
            env["DATABASE_URL"] = args.database_url
        subprocess.run([sys.executable, "-m", "lrs.cli", "migrate", "-v", "0"], env=env, check=True)
        command = [
            sys.executable,
            "-m",
            "bench.batch",
            "--single",
            str(workers),
            "--learners",
            str(args.learners),
            "--rows",
            str(args.rows),
            "--chunk",
            str(args.chunk),
            "--seed",
            str(args.seed),
        ]
        subprocess.run(command, env=env, check=True, cwd=ROOT)
        if register_db is not None:
            run_db.unlink(missing_ok=True)
            for suffix in ("-wal", "-shm"):
                Path(f"{run_db}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
