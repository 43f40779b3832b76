"""Load test over HTTP: gunicorn + PostgreSQL + an RQ worker, driven by locust (headless).

    pip install -e '.[load]'          # locust
    nice .venv/bin/python bench/load.py [--learners 20000] [--users 1,10,50] [--duration 30]
        [--database-url postgres://postgres@127.0.0.1:5432/lrs_load]
        [--redis-url redis://127.0.0.1:6379/0] [--web-workers 2] [--threads 4] [--reuse]

Builds the stack as production runs it (docs/deploy.md): a fresh PostgreSQL database with N
synthetic learners (`lrs import-learners`, COPY), `lrs serve --workers W` (gunicorn) with
`LRS_QUEUE=rq` and one `lrs worker --rq`, then for each number of concurrent users runs locust
for the duration with the realistic mix of an organisation's API traffic:

    70 % demographic searches      POST /api/v1/learners/search  (re-keyed, some new people)
    15 % find by ULN               POST /api/v1/learners/find-by-uln
    10 % registrations             POST /api/v1/learners  (new people; a possible match is a
                                   normal answer, WSRC0003, not an error)
     5 % PLR view or update        GET /api/v1/learners/{uln}/learning-events, or
                                   PATCH /api/v1/learners/{uln} (a learner this user registered)

and prints throughput, p50/p95/p99 per request kind and the error count. Each simulated user
sends its next request as soon as the last is answered (no think time): 10 users are 10
requests in flight, a heavier load than 10 people at keyboards.

This file is also the locustfile: locust imports it and uses `RegisterUser` below.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

KINDS = ("search", "find_by_uln", "register", "plr_view", "learner_update")
ORGANISATION_UKPRN = "10077778"
USERNAME = "load.user"

# --- The locust side: imported by locust in its own process -------------------------------------

if os.environ.get("LRS_LOAD_DATA"):
    from locust import constant, task
    from locust.contrib.fasthttp import FastHttpUser

    _DATA = json.loads(Path(os.environ["LRS_LOAD_DATA"]).read_text(encoding="utf-8"))

    class RegisterUser(FastHttpUser):
        """One organisation's system calling the API back to back.

        FastHttpUser (geventhttpclient) rather than HttpUser (requests): locust runs on the
        same two cores as the service, and its requests-based client cost several times the
        CPU per request, taken from the server being measured."""

        wait_time = constant(0)
        default_headers = {"Authorization": f"Bearer {_DATA['token']}"}  # noqa: RUF012

        def on_start(self) -> None:
            self.rng = random.Random()
            self.registered: list[tuple[str, int]] = []  # (uln, version_number)

        @task(70)
        def search(self) -> None:
            query = self.rng.choice(_DATA["queries"])
            self.client.post("/api/v1/learners/search", json=query, name="search")

        @task(15)
        def find_by_uln(self) -> None:
            person = self.rng.choice(_DATA["known"])
            with self.client.post(
                "/api/v1/learners/find-by-uln", json=person, name="find_by_uln", catch_response=True
            ) as response:
                if response.status_code == 200:
                    response.success()

        @task(10)
        def register(self) -> None:
            person = dict(self.rng.choice(_DATA["new_people"]))
            # A different person each time: the same details twice would be a duplicate.
            person["given_name"] = person["given_name"] + self.rng.choice(
                ["a", "e", "o", "yn", "wen", "ith"]
            )
            with self.client.post(
                "/api/v1/learners", json=person, name="register", catch_response=True
            ) as response:
                if response.status_code == 201:
                    body = response.json()["learner"]
                    self.registered.append((body["uln"], body["version_number"]))
                    response.success()
                elif response.status_code == 409:
                    response.success()  # a possible match: the service asks to confirm

        @task(5)
        def plr(self) -> None:
            if not self.registered:
                self.register()
                return
            index = self.rng.randrange(len(self.registered))
            uln, version = self.registered[index]
            if self.rng.random() < 0.5:
                with self.client.get(
                    f"/api/v1/learners/{uln}/learning-events",
                    name="plr_view",
                    catch_response=True,
                ) as response:
                    if response.status_code in (200, 403):  # 403 WSEC0206: not shared
                        response.success()
            else:
                with self.client.patch(
                    f"/api/v1/learners/{uln}",
                    json={
                        "version_number": version,
                        "last_known_address_line1": f"{self.rng.randint(1, 200)} Heol y Bont",
                    },
                    name="learner_update",
                    catch_response=True,
                ) as response:
                    if response.status_code == 200:
                        self.registered[index] = (uln, response.json()["learner"]["version_number"])
                        response.success()


# --- The driver ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _reset_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


_SETUP = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lrs.settings")
import django
django.setup()
from lrs.core.actor import Channel
from lrs.organisations.models import Organisation, User
from lrs.organisations.services import (
    create_organisation, create_user, issue_api_token, service_desk_system_actor,
)
system = service_desk_system_actor(channel=Channel.CLI)
organisation = Organisation.objects.filter(ukprn="{ukprn}").first() or create_organisation(
    actor=system, ukprn="{ukprn}", name="Load Test College", organisation_type="college",
    granted_roles=["online", "view", "plr"],
)
user = User.objects.filter(username="{username}").first() or create_user(
    actor=system, organisation=organisation, username="{username}",
    roles=["online", "view", "plr"],
).user
print(issue_api_token(actor=system, user=user).raw)
"""


def _data_file(workdir: Path, learners: int, seed: int, token: str) -> Path:
    from lrs.synthetic import generate_queries, generate_register

    register = list(generate_register(learners, seed=seed))
    rng = random.Random(seed)

    def search_body(item: Any) -> dict[str, str]:
        return {
            "given_name": item.given_name,
            "family_name": item.family_name,
            "date_of_birth": item.date_of_birth.isoformat(),
            "gender": item.gender,
            "last_known_postcode": item.last_known_postcode,
            "middle_other_name": item.middle_other_name,
            "preferred_given_name": item.preferred_given_name,
            "previous_family_name": item.previous_family_name,
            "email_address": item.email_address,
        }

    queries = [search_body(q) for q in generate_queries(register, 3000, seed=seed + 1)]
    known = [
        {"uln": p.uln, "given_name": p.given_name, "family_name": p.family_name}
        for p in rng.sample(register, min(3000, len(register)))
    ]
    new_people = [
        {**search_body(p), "verification_type": "1", "ability_to_share": "1"}
        for p in generate_register(3000, seed=seed + 1000)
    ]
    path = workdir / "load-data.json"
    path.write_text(
        json.dumps({"token": token, "queries": queries, "known": known, "new_people": new_people})
    )
    return path


def _wait_ready(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server at {base} did not become ready")


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """A process's parent id and CPU seconds (user + system, its own and those of the children
    it has waited for), from /proc/<pid>/stat; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = text[text.rindex(")") + 2 :].split()
    parent = int(fields[1])
    utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
    return parent, (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and all its descendants so far, those that
    have exited included."""
    return sum(_tree_times(pid).values())


def _tree_times(pid: int) -> dict[int, float]:
    """The CPU seconds of each live process of a tree (`_tree_cpu`), by process id.

    A process that exits takes its CPU out of a sum over the live processes: a gunicorn worker
    replaced during a step, an RQ work horse, a batch worker's child. Its time is kept by the
    parent that waited for it (the children's times in /proc), so each live process counts its
    own time and that of its waited-for children; descendants are found by parent id."""
    parents: dict[int, list[int]] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        reading = _proc_stat(int(entry.name))
        if reading is not None:
            parents.setdefault(reading[0], []).append(int(entry.name))
            times[int(entry.name)] = reading[1]
    tree: dict[int, float] = {}
    waiting = [pid] if pid in times else []
    while waiting:
        current = waiting.pop()
        tree[current] = times[current]
        waiting.extend(child for child in parents.get(current, ()) if child in times)
    return tree


class _PostgresCpu:
    """CPU seconds of the PostgreSQL backends connected to one database during a step.

    Backends come and go during a step (a web process closes its connection after
    LRS_DB_CONN_MAX_AGE and opens another), and an exited backend's CPU can no longer be
    read: the backends are sampled twice a second and each one's last reading is kept, so at
    most half a second of an exiting backend's work is missed. Backends of other databases on
    the same server (their process title names the database) are left out.
    """

    def __init__(self, database: str) -> None:
        self.database = database
        self.start: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> dict[int, float]:
        import psutil

        readings: dict[int, float] = {}
        for process in psutil.process_iter(["name", "cmdline"]):
            try:
                title = " ".join(process.info["cmdline"] or ())
                if process.info["name"] == "postgres" and f" {self.database} " in f" {title} ":
                    times = process.cpu_times()
                    readings[process.pid] = times.user + times.system
            except psutil.NoSuchProcess:
                continue
        return readings

    def _run(self) -> None:
        while not self.stopped.wait(0.5):
            self.last.update(self._sample())

    def __enter__(self) -> _PostgresCpu:
        self.start = self._sample()
        self.last = dict(self.start)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()
        self.last.update(self._sample())

    @property
    def seconds(self) -> float:
        return sum(value - self.start.get(pid, 0.0) for pid, value in self.last.items())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _report_cpu(spent: dict[str, float], requests: float) -> None:
    """Where the CPU went during a step, per request: the load generator shares the machine."""
    if requests <= 0:
        return
    parts = ", ".join(f"{name} {1000 * seconds / requests:.1f}" for name, seconds in spent.items())
    total = 1000 * sum(spent.values()) / requests
    print(f"  CPU per request (ms): {parts}; all {total:.1f}")


def _report(stats_csv: Path, users: int) -> dict[str, dict[str, float]]:
    rows = {row["Name"]: row for row in csv.DictReader(stats_csv.open(encoding="utf-8"))}
    results: dict[str, dict[str, float]] = {}
    print(f"\n{users} concurrent user(s):")
    print(
        f"  {'kind':16} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}"
    )
    for name in (*KINDS, "Aggregated"):
        row = rows.get(name)
        if not row:
            continue
        figures = {
            "requests": float(row["Request Count"]),
            "errors": float(row["Failure Count"]),
            "rps": float(row["Requests/s"]),
            "p50": float(row["50%"] or 0),
            "p95": float(row["95%"] or 0),
            "p99": float(row["99%"] or 0),
        }
        results[name] = figures
        print(
            f"  {name:16} {figures['requests']:>8.0f} {figures['errors']:>6.0f} "
            f"{figures['rps']:>7.1f} {figures['p50']:>4.0f}ms {figures['p95']:>4.0f}ms "
            f"{figures['p99']:>4.0f}ms"
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--users", default="1,10,50", help="comma-separated user counts")
    parser.add_argument("--duration", type=int, default=30, help="seconds per user count")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/lrs_load")
    parser.add_argument(
        "--redis-url", default=os.environ.get("LRS_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="LRS_DB_CONN_MAX_AGE of the web processes (0: a new connection per request)",
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workdir")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database loaded by an earlier run"
    )
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        raise SystemExit("the load test runs on PostgreSQL (--database-url postgres://...)")

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="lrs-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "LRS_DATA_DIR": str(workdir),
        "LRS_QUEUE": "rq",
        "LRS_REDIS_URL": args.redis_url,
        "LRS_EMBEDDED_WORKER": "0",
        "LRS_SECRET_KEY": "load-test-only",
        "LRS_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "lrs.settings",
        # Every simulated organisation comes from this one address: the per-address and
        # per-token web-service limits (meant for one client, docs/adr/0006) would answer 429
        # to almost everything and measure the limiter, not the service. Off for this test.
        "LRS_RATE_LIMIT_API_IP": "",
        "LRS_RATE_LIMIT_API_TOKEN": "",
        "LRS_RATE_LIMIT_LOOKUP_IP": "",
        "LRS_RATE_LIMIT_LOOKUP_ACCOUNT": "",
    }
    os.environ.update(env)
    lrs = [sys.executable, "-m", "lrs.cli"]

    if not args.reuse:
        _reset_postgres(args.database_url)
        subprocess.run([*lrs, "migrate", "-v", "0"], env=env, check=True)
        register_csv = workdir / "learners.csv"
        subprocess.run(
            [
                *lrs,
                "generate",
                str(args.learners),
                "--seed",
                str(args.seed),
                "--out",
                str(register_csv),
            ],
            env=env,
            check=True,
        )
        started = time.perf_counter()
        subprocess.run([*lrs, "import-learners", str(register_csv), "--quiet"], env=env, check=True)
        print(f"imported {args.learners:,} learners in {time.perf_counter() - started:.1f} s")
    token = (
        subprocess.run(
            [sys.executable, "-c", _SETUP.format(ukprn=ORGANISATION_UKPRN, username=USERNAME)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    data = _data_file(workdir, args.learners, args.seed, token)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server_log = (workdir / "server.log").open("wb")
    worker_log = (workdir / "worker.log").open("wb")
    server = subprocess.Popen(
        [
            *lrs,
            "serve",
            "--workers",
            str(args.web_workers),
            "--threads",
            str(args.threads),
            "--port",
            str(port),
        ],
        env={**env, "LRS_LOG_FORMAT": "json", "LRS_DB_CONN_MAX_AGE": str(args.conn_max_age)},
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [*lrs, "worker", "--rq"], env=env, stdout=worker_log, stderr=subprocess.STDOUT
    )
    try:
        _wait_ready(base)
        print(
            f"gunicorn: {args.web_workers} process(es) x {args.threads} thread(s); "
            f"1 RQ worker; {args.learners:,} learners; {args.duration} s per step; "
            f"LRS_DB_CONN_MAX_AGE={args.conn_max_age}"
        )
        for users in [int(n) for n in args.users.split(",") if n.strip()]:
            prefix = workdir / f"locust-{users}"
            database = urlparse(args.database_url).path.lstrip("/")
            server_before = _tree_times(server.pid)
            before = (sum(server_before.values()), _tree_cpu(worker.pid), _children_cpu())
            with _PostgresCpu(database) as postgres:
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "locust",
                        "-f",
                        __file__,
                        "--headless",
                        "-u",
                        str(users),
                        "-r",
                        str(users),
                        "-t",
                        f"{args.duration}s",
                        "--host",
                        base,
                        "--csv",
                        str(prefix),
                        "--only-summary",
                        "--loglevel",
                        "WARNING",
                    ],
                    env={**env, "LRS_LOAD_DATA": str(data)},
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=(workdir / f"locust-{users}.log").open("wb"),
                )
            server_after = _tree_times(server.pid)
            after = (sum(server_after.values()), _tree_cpu(worker.pid), _children_cpu())
            ended = len(server_before.keys() - server_after.keys())
            if ended:
                print(f"  {ended} server process(es) ended during the step (time kept)")
            results = _report(Path(f"{prefix}_stats.csv"), users)
            gunicorn, rq_worker, locust = (b - a for a, b in zip(before, after, strict=True))
            spent = {
                "gunicorn": gunicorn,
                "rq worker": rq_worker,
                "postgresql": postgres.seconds,
                "locust": locust,
            }
            _report_cpu(spent, results.get("Aggregated", {}).get("requests", 0.0))
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        print(f"\nlogs and locust CSVs: {workdir}")


if __name__ == "__main__":
    main()
