"""Benchmark the PLR: load learning events through the achievement service, then open PLRs.

    .venv/bin/python bench/plr.py --learners 100000 --events 1000000 [--workdir DIR]
        [--database-url postgres://postgres@127.0.0.1:5432/lrs_plr_bench] [--opens 300]

Builds a register of N synthetic learners with `lrs import-learners` (a fresh SQLite file in the
work folder, or the PostgreSQL database named, dropped and re-created), loads the demo
catalogue (649 real QNs, invented titles, units), then submits the events as an awarding
organisation through `submit_achievements` (the one service every channel uses: ULN, names and
date of birth matched per row) in submissions of 5,000 rows, in one process. `--opens`
learners get exactly 50 events each; the others share the rest. Prints:
- load: events/s over the submissions (row generation not counted);
- opening a PLR with 50 events, p50/p95, as a PLR viewer whose organisation found the learner:
  the selector alone (rules, audit row, 50 events read), `GET /api/v1/learners/{uln}/
  learning-events?page_size=50` and the portal page `/learners/{uln}/plr/` (20 a page), both
  through Django's test client (middleware, authentication, rendering; no network).
Targets (issue 11): load >= 2,000 events/s on one worker; PLR page p95 < 50 ms.
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
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

SUBMISSION_ROWS = 5000
PLR_EVENTS = 50


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


def _event_counts(learners: int, events: int, opens: int, rng: random.Random) -> list[int]:
    """Events per learner: `opens` learners get 50, the rest share what is left (1 or more)."""
    counts = [PLR_EVENTS] * min(opens, learners) + [0] * max(0, learners - opens)
    left = events - sum(counts)
    others = learners - opens
    if others > 0:
        base, extra = divmod(max(left, 0), others)
        for index in range(opens, learners):
            counts[index] = base
        for index in rng.sample(range(opens, learners), min(extra, others)):
            counts[index] += 1
    return counts


def _rows(
    people: list[Any], counts: list[int], subjects: list[str], rng: random.Random
) -> Iterator[Any]:
    from lrs.plr.services import EventRow

    today = datetime.datetime.now(tz=datetime.UTC).date()
    for person, count in zip(people, counts, strict=True):
        first_year = min(person.date_of_birth.year + 16, today.year - 1)
        for number in range(count):
            award = datetime.date(min(first_year + number % 8, today.year - 1), 7, 1 + number % 28)
            yield EventRow(
                uln=person.uln,
                given_name=person.given_name,
                family_name=person.family_name,
                date_of_birth=person.date_of_birth,
                subject_code=subjects[(number * 7 + int(person.uln[-3:])) % len(subjects)],
                source_record_id=f"{person.uln}-{number}",
                grade=rng.choice(["Pass", "Merit", "Distinction", "A", "B", "7"]),
                achievement_award_date=award,
            )


def _load(people: list[Any], args: argparse.Namespace) -> tuple[Any, int, int, float]:
    """The catalogue, the users, and the events through submit_achievements (timed)."""
    from lrs.core.actor import Actor, Channel
    from lrs.organisations.services import (
        create_organisation,
        create_user,
        service_desk_system_actor,
    )
    from lrs.plr.demo_data import DEMO_AO_RECOGNITION, load_demo_catalogue
    from lrs.plr.models import LearningEvent, Qualification, Unit
    from lrs.plr.services import submit_achievements

    operator = service_desk_system_actor(channel=Channel.CLI)
    awarding = create_organisation(
        actor=operator,
        ukprn="10099001",
        name="Example Awarding Body",
        organisation_type="awarding_organisation",
        granted_roles=["ao"],
    )
    college = create_organisation(
        actor=operator,
        ukprn="10034567",
        name="Bench College",
        organisation_type="college",
        granted_roles=["plr"],
    )
    ao_actor = Actor(
        user=create_user(
            actor=operator, organisation=awarding, username="bench.ao", roles=["ao"]
        ).user,
        channel=Channel.BATCH,
    )
    viewer = create_user(
        actor=operator, organisation=college, username="bench.plr", roles=["plr"]
    ).user
    load_demo_catalogue(operator=operator, awarding_organisation=awarding)
    subjects = list(
        Qualification.objects.filter(
            awarding_body__recognition_number=DEMO_AO_RECOGNITION
        ).values_list("qn", flat=True)
    ) + list(
        Unit.objects.filter(
            rule_groups__qualification__awarding_body__recognition_number=DEMO_AO_RECOGNITION
        ).values_list("unit_reference", flat=True)
    )

    rng = random.Random(args.seed)
    counts = _event_counts(len(people), args.events, args.opens, rng)
    total = sum(counts)
    rows = _rows(people, counts, sorted(set(subjects)), rng)
    loaded = rejected = 0
    spent = 0.0
    last_print = time.perf_counter()
    while True:
        submission = [row for _n, row in zip(range(SUBMISSION_ROWS), rows, strict=False)]
        if not submission:
            break
        t0 = time.perf_counter()
        report = submit_achievements(actor=ao_actor, rows=submission)
        spent += time.perf_counter() - t0
        loaded += report.totals["created"]
        rejected += report.totals["rejected"]
        if time.perf_counter() - last_print > 30:
            print(f"  {loaded:,} of {total:,} events, {loaded / spent:,.0f} events/s so far")
            last_print = time.perf_counter()
    assert LearningEvent.objects.count() == loaded
    return viewer, loaded, rejected, spent


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--opens", type=int, default=300, help="learners with 50 events, opened")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workdir", help="keep the SQLite database here (default: a temp folder)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the openings again on the database an earlier run loaded (same options)",
    )
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="lrs-plr-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["LRS_DATA_DIR"] = str(workdir)
    if args.database_url:
        if not args.reuse:
            _reset_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        database = workdir / "plr-bench.sqlite3"
        for suffix in ("", "-wal", "-shm") if not args.reuse else ():
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
    lrs = [sys.executable, "-m", "lrs.cli"]

    from lrs.synthetic import generate_register, write_register_csv

    started = time.perf_counter()
    people = list(generate_register(args.learners, seed=args.seed))
    if not args.reuse:
        csv_path = workdir / "learners.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as fh:
            write_register_csv(people, fh)
        subprocess.run([*lrs, "migrate", "-v", "0"], check=True)
        subprocess.run([*lrs, "import-learners", str(csv_path), "--quiet"], check=True)
        print(
            f"register of {len(people):,} learners ready in {time.perf_counter() - started:.0f} s"
        )

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from lrs.core.actor import Actor, Channel
    from lrs.learners.models import Learner
    from lrs.learners.selectors import find_learner_by_uln
    from lrs.organisations.models import User
    from lrs.organisations.services import issue_api_token, service_desk_system_actor
    from lrs.plr.models import LearningEvent
    from lrs.plr.selectors import get_learner_learning_events

    if args.reuse:
        viewer = User.objects.get(username="bench.plr")
        loaded, rejected, spent = LearningEvent.objects.count(), 0, 0.0
    else:
        viewer, loaded, rejected, spent = _load(people, args)
    if connection.vendor == "postgresql":
        # Time the openings in a steady state, not during the checkpoint and autovacuum
        # that a million inserts set off.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("CHECKPOINT")
    viewer_actor = Actor(user=viewer, channel=Channel.PORTAL)
    opened = people[: args.opens]
    for person in opened:
        find_learner_by_uln(
            uln=person.uln,
            given_name=person.given_name,
            family_name=person.family_name,
            actor=viewer_actor,
        )
    assert Learner.objects.get(uln=opened[0].uln).learning_events.count() == PLR_EVENTS, (
        "a PLR of 50 events"
    )

    selector_times, api_times, page_times = [], [], []
    for person in opened:
        t0 = time.perf_counter()
        record = get_learner_learning_events(uln=person.uln, actor=viewer_actor)
        assert len(list(record.events[:PLR_EVENTS])) == PLR_EVENTS
        selector_times.append(time.perf_counter() - t0)
    token = issue_api_token(actor=service_desk_system_actor(channel=Channel.CLI), user=viewer)
    api = Client(headers={"Authorization": f"Bearer {token.raw}"})
    for person in opened:
        t0 = time.perf_counter()
        response = api.get(f"/api/v1/learners/{person.uln}/learning-events?page_size=50")
        api_times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.content
        assert len(response.json()["learning_events"]) == PLR_EVENTS
    portal = Client()
    portal.force_login(viewer)
    session = portal.session
    session["lrs_agreement_accepted"] = True
    session.save()
    viewer.must_change_password = False
    viewer.password_changed_at = datetime.datetime.now(tz=datetime.UTC)
    viewer.secret_question, viewer.secret_answer_hash = "first_pet", "x"
    viewer.save()
    for person in opened:
        t0 = time.perf_counter()
        response = portal.get(f"/learners/{person.uln}/plr/")
        page_times.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.status_code
        assert b"50 learning events" in response.content

    def ms(values: list[float], share: float) -> str:
        return f"{_percentile(values, share) * 1000:.1f}"

    print(f"database: {connection.vendor}; learners: {len(people):,}; events: {loaded:,}")
    if spent:
        print(
            f"load through submit_achievements (one process, submissions of "
            f"{SUBMISSION_ROWS:,}): {loaded:,} events in {spent:.0f} s = "
            f"{loaded / spent:,.0f} events/s ({rejected} rejected)"
        )
    for name, values in (
        ("selector get_learner_learning_events", selector_times),
        ("API GET learning-events?page_size=50", api_times),
        ("portal page /learners/{uln}/plr/", page_times),
    ):
        print(
            f"open a PLR of {PLR_EVENTS} events x{len(values)}, {name}: "
            f"p50 {ms(values, 0.5)} ms, p95 {ms(values, 0.95)} ms"
        )


if __name__ == "__main__":
    main()
