"""Benchmark verify learner: single look-ups over the API, and a verify file of 5,000 learners.

    .venv/bin/python bench/verify.py [--learners 20000] [--lookups 300] [--file-rows 5000]
        [--workdir DIR] [--database-url postgres://postgres@127.0.0.1:5432/lrs_verify_bench]

Builds a register of N synthetic learners with `lrs import-learners` (a fresh SQLite file in the
work folder, or the PostgreSQL database named, dropped and re-created) and a user with the
verify learner role. Prints:
- a single look-up, `POST /api/v1/verify-learner` through Django's test client (token
  authentication, the service, its audit row and hourly count; no network): p50/p95;
- a verify file: rows/s to read and store it (`submit_upload`), rows/s for the workers to
  verify it (`process_until_done`, one process), and the time to write its output file.
The file's rows are a mix: details as registered, a nickname or the other names swapped, a
different date of birth, and unknown ULNs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def _reset_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _file_line(person: Any, number: int, rng: random.Random, unknown: str) -> str:
    dob = person.date_of_birth
    given, family, uln = person.given_name, person.family_name, person.uln
    kind = number % 10
    if kind == 7:
        dob = dob + datetime.timedelta(days=1)
    elif kind == 8:
        given, family = family, given
    elif kind == 9:
        uln = unknown
    gender = person.gender
    return f"M{number},{uln},{given},{family},{dob.isoformat()},{gender}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--file-rows", type=int, default=5000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workdir", help="keep the SQLite database here (default: a temp folder)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="lrs-verify-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["LRS_DATA_DIR"] = str(workdir)
    os.environ["LRS_VERIFICATIONS_PER_HOUR"] = str(args.lookups + 10)
    if args.database_url:
        _reset_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        database = workdir / "verify-bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
    lrs = [sys.executable, "-m", "lrs.cli"]

    from lrs.synthetic import generate_register, write_register_csv

    started = time.perf_counter()
    people = list(generate_register(args.learners, seed=args.seed))
    csv_path = workdir / "learners.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        write_register_csv(people, fh)
    subprocess.run([*lrs, "migrate", "-v", "0"], check=True)
    subprocess.run([*lrs, "import-learners", str(csv_path), "--quiet"], check=True)
    print(f"register of {len(people):,} learners ready in {time.perf_counter() - started:.0f} s")

    import django

    django.setup()
    from django.test import Client

    from lrs.batches.models import Batch
    from lrs.batches.selectors import read_output
    from lrs.batches.services import process_until_done, submit_upload
    from lrs.batches.verify_files import verify_counts
    from lrs.core.actor import Actor, Channel
    from lrs.core.roles import Permission
    from lrs.identifiers import generate_uln
    from lrs.learners.models import Learner
    from lrs.organisations.services import (
        create_organisation,
        create_user,
        issue_api_token,
        service_desk_system_actor,
    )

    operator = service_desk_system_actor(channel=Channel.CLI)
    college = create_organisation(
        actor=operator,
        ukprn="10034567",
        name="Bench College",
        organisation_type="college",
        granted_roles=["vld"],
    )
    user = create_user(
        actor=operator, organisation=college, username="bench.verify", roles=["vld"]
    ).user
    rng = random.Random(args.seed)
    registered = set(Learner.objects.values_list("uln", flat=True))
    while (unknown := generate_uln()) in registered:
        pass

    token = issue_api_token(actor=operator, user=user)
    api = Client(headers={"Authorization": f"Bearer {token.raw}"})
    times = []
    codes: dict[str, int] = {}
    for person in rng.sample(people, min(args.lookups, len(people))):
        body = {
            "uln": person.uln,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "date_of_birth": person.date_of_birth.isoformat(),
            "gender": person.gender,
        }
        t0 = time.perf_counter()
        response = api.post("/api/v1/verify-learner", body, content_type="application/json")
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.content
        code = response.json()["response_code"]
        codes[code] = codes.get(code, 0) + 1
    print(
        f"single look-up (API, {len(times)}): p50 {_percentile(times, 0.5) * 1000:.1f} ms, "
        f"p95 {_percentile(times, 0.95) * 1000:.1f} ms; codes {dict(sorted(codes.items()))}"
    )

    chosen = [rng.choice(people) for _ in range(args.file_rows)]
    lines = ["MISIdentifier,ULN,GivenName,FamilyName,DateOfBirth,Gender"]
    lines += [_file_line(p, n, rng, unknown) for n, p in enumerate(chosen, start=1)]
    content = ("\n".join(lines) + "\n").encode("utf-8")
    actor = Actor(user=user, channel=Channel.API)
    t0 = time.perf_counter()
    batch = submit_upload(actor=actor, file_name="verify.csv", content=content, kind="verify")
    submitted = time.perf_counter() - t0
    t0 = time.perf_counter()
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(process_until_done, batch_id=batch.pk)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    else:
        process_until_done(batch_id=batch.pk)
    processed = time.perf_counter() - t0
    batch = Batch.objects.get(pk=batch.pk)
    counts = verify_counts(batch)
    t0 = time.perf_counter()
    output = read_output(actor, batch.pk, permission=Permission.VERIFY_LEARNER)
    written = time.perf_counter() - t0
    rows = args.file_rows
    print(
        f"verify file of {rows:,} rows: stored at {rows / submitted:,.0f} rows/s, "
        f"verified at {rows / processed:,.0f} rows/s ({processed:.1f} s), "
        f"output written in {written * 1000:.0f} ms ({len(output.content):,} bytes)"
    )
    print(
        f"  verified {counts.verified}, not matched {counts.not_matched}, "
        f"not found {counts.not_found}, rejected {counts.rejected}"
    )


if __name__ == "__main__":
    main()
