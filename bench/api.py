"""Benchmark the JSON API over HTTP beside the service layer: search, find by ULN, GET learner.

    .venv/bin/python bench/api.py --learners 100000 [--requests 300] [--threads 10]
        [--database-url postgres://postgres@127.0.0.1:5432/lrs_bench] [--workdir DIR --reuse]

Builds a register as bench/register.py does (a temporary SQLite file, or the PostgreSQL
database named, dropped and re-created; N synthetic learners loaded with
`lrs import-learners`), then times the same requests two ways: the service functions called
in this process, and the endpoints through `lrs serve` (waitress) with a bearer token. It
prints p50/p95 for each, one after the other, then searches/s with --threads clients at once,
so an HTTP cost that grows with the register (a query per learner in the answer) shows as a gap
between the two columns. Use --learners 1000000 for the large figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.register import _percentile, load_bench_register


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


class Http:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.call("POST", path, body)

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data=data, method=method, headers=self.headers
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as error:  # 404/409 answers are still answers
            return json.loads(error.read())


def _timed(calls: list[Callable[[], Any]]) -> list[float]:
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def _line(name: str, service: list[float], http: list[float]) -> str:
    def cell(times: list[float]) -> str:
        return (
            f"p50 {_percentile(times, 0.5) * 1000:7.2f} ms  "
            f"p95 {_percentile(times, 0.95) * 1000:7.2f} ms"
        )

    return f"{name:<16} service: {cell(service)}   HTTP: {cell(http)}"


def _throughput(calls: list[Callable[[], Any]], threads: int) -> float:
    """Calls per second with `threads` clients taking calls from one list."""
    lock = threading.Lock()
    pending = list(calls)

    def run() -> None:
        while True:
            with lock:
                if not pending:
                    return
                call = pending.pop()
            call()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return len(calls) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="of each kind (default 300)")
    parser.add_argument("--threads", type=int, default=10, help="clients at once (default 10)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", help="keep the SQLite database and CSV here")
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the register an earlier run loaded"
    )
    args = parser.parse_args()

    register = load_bench_register(
        learners=args.learners,
        seed=args.seed,
        workdir=args.workdir,
        database_url=args.database_url,
        reuse=args.reuse,
        prefix="lrs-bench-api-",
    )
    from django.db import connection

    from lrs.core.actor import Actor, Channel
    from lrs.learners.details import SearchDetails
    from lrs.learners.selectors import find_learner_by_uln, get_learner, search_learners
    from lrs.organisations.models import Organisation, User
    from lrs.organisations.services import (
        create_organisation,
        create_user,
        issue_api_token,
        service_desk_system_actor,
    )
    from lrs.synthetic import generate_queries

    system = service_desk_system_actor(channel=Channel.CLI)
    organisation = Organisation.objects.filter(ukprn="10077778").first() or create_organisation(
        actor=system,
        ukprn="10077778",
        name="API Bench College",
        organisation_type="college",
        granted_roles=["view"],
    )
    user = (
        User.objects.filter(username="api-bench").first()
        or create_user(
            actor=system, organisation=organisation, username="api-bench", roles=["view"]
        ).user
    )
    actor = Actor(user=user, channel=Channel.API)
    token = issue_api_token(actor=system, user=user).raw

    people = random.Random(args.seed).sample(register, min(args.requests, len(register)))
    queries = list(generate_queries(register, args.requests, seed=args.seed + 1))
    details = [
        SearchDetails(
            given_name=q.given_name,
            family_name=q.family_name,
            date_of_birth=q.date_of_birth,
            gender=q.gender,
            last_known_postcode=q.last_known_postcode,
        )
        for q in queries
    ]
    searches = [
        {
            "given_name": q.given_name,
            "family_name": q.family_name,
            "date_of_birth": q.date_of_birth.isoformat(),
            "gender": q.gender,
            "last_known_postcode": q.last_known_postcode,
        }
        for q in queries
    ]
    finds = [
        {"uln": p.uln, "given_name": p.given_name, "family_name": p.family_name} for p in people
    ]

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lrs.cli",
            "serve",
            "--port",
            str(port),
            "--threads",
            str(args.threads),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/api/v1/openapi.json")
        http = Http(base, token)
        http.post("/api/v1/learners/search", searches[0])  # warm up the server

        post, get = http.post, http.get
        service = {
            "search": _timed([partial(search_learners, details=d, actor=actor) for d in details]),
            "find by ULN": _timed([partial(find_learner_by_uln, **f, actor=actor) for f in finds]),
            "GET learner": _timed([partial(get_learner, uln=f["uln"], actor=actor) for f in finds]),
        }
        over_http = {
            "search": _timed([partial(post, "/api/v1/learners/search", s) for s in searches]),
            "find by ULN": _timed(
                [partial(post, "/api/v1/learners/find-by-uln", f) for f in finds]
            ),
            "GET learner": _timed([partial(get, f"/api/v1/learners/{f['uln']}") for f in finds]),
        }
        rate = _throughput(
            [partial(post, "/api/v1/learners/search", s) for s in searches], args.threads
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"database: {connection.vendor}, learners: {len(register):,}, {args.requests} of each")
    for name in service:
        print(_line(name, service[name], over_http[name]))
    print(
        f"service searches/s (1 thread): {len(service['search']) / sum(service['search']):.0f}; "
        f"HTTP searches/s with {args.threads} clients: {rate:.0f}"
    )


if __name__ == "__main__":
    main()
