"""CPU per API request, in this process: where bench/load.py's server spends its time.

    .venv/bin/python bench/request_cpu.py --database-url postgres://postgres@127.0.0.1:5432/DB
        [--learners 100000] [--requests 300] [--kinds search,find_by_uln,register]
        [--rate-limits] [--profile search [--profile-out FILE]] [--show-queries]
        [--data-cache FILE]

Runs against a register that bench/load.py built (or `lrs import-learners` of
`lrs generate N --seed 11`; --learners and --seed must match it, they pick the requests). It
sets the web process up as bench/load.py's gunicorn runs (JSON request log, rate limits off
unless --rate-limits, the cache on LRS_REDIS_URL, persistent database connection), calls the
WSGI application directly with bench/load.py's requests, one after the other, and prints per
request kind:

    py ms      CPU of this Python process per request (mean; time.process_time)
    pg ms      CPU of the PostgreSQL backend serving it per request (from /proc, so only when
               the database runs on this machine; 10 ms ticks, so a mean over many requests)
    wall p50   elapsed time per request
    queries    SQL statements per request through Django's cursors (mean, max)
    trips      exchanges with PostgreSQL per request (mean): those statements and the
               connection's health check, BEGIN, COMMIT, and COPY (two each)

The sum py + pg is the server CPU that bounds throughput on a loaded machine (locust's own
CPU aside). --profile KIND runs that kind's requests once more under cProfile, timed by this
process's CPU clock, and writes the report (cumulative and own time) and a .pstats file.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import logging
import os
import pstats
import random
import statistics
import string
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

KINDS = ("search", "find_by_uln", "register")
Request = tuple[str, str, dict[str, Any]]  # method, path, JSON body


def _environ(method: str, path: str, body: bytes, token: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_USER_AGENT": "python-requests/2.32",
        "HTTP_ACCEPT": "*/*",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def _backend_cpu_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15 of stat)


def _requests(kind: str, data: dict[str, Any], count: int, run: str) -> Iterator[Request]:
    for i in range(count):
        if kind == "search":
            yield "POST", "/api/v1/learners/search", data["queries"][i % len(data["queries"])]
        elif kind == "find_by_uln":
            yield "POST", "/api/v1/learners/find-by-uln", data["known"][i % len(data["known"])]
        elif kind == "register":
            person = dict(data["new_people"][i % len(data["new_people"])])
            # A different person each run and request, whom no earlier run registered (a
            # name like one registered before would make a possible match, answered 409).
            rng = random.Random(f"{run}-{i}")
            person["given_name"] = "".join(rng.choices(string.ascii_lowercase, k=9)).capitalize()
            born = datetime.date(2004, 1, 1) + datetime.timedelta(days=rng.randrange(2500))
            person["date_of_birth"] = born.isoformat()
            yield "POST", "/api/v1/learners", person
        else:
            raise SystemExit(f"unknown kind {kind}")


def _count_round_trips(trips: list[int]) -> None:
    """Count in trips[0] what psycopg sends PostgreSQL and waits for, whoever sends it."""
    import psycopg
    from psycopg._connection_base import BaseConnection

    execute, copy, command = (
        psycopg.Cursor.execute,
        psycopg.Cursor.copy,
        BaseConnection._exec_command,
    )

    def counted_execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        trips[0] += 1
        return execute(self, *args, **kwargs)

    def counted_copy(self: Any, *args: Any, **kwargs: Any) -> Any:
        trips[0] += 2
        return copy(self, *args, **kwargs)

    def counted_command(self: Any, *args: Any, **kwargs: Any) -> Any:
        trips[0] += 1
        return command(self, *args, **kwargs)

    psycopg.Cursor.execute = counted_execute  # type: ignore[method-assign]
    psycopg.Cursor.copy = counted_copy  # type: ignore[method-assign]
    BaseConnection._exec_command = counted_command  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--requests", type=int, default=300, help="per kind")
    parser.add_argument("--warmup", type=int, default=30, help="per kind, not counted")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--rate-limits", action="store_true", help="keep the API rate limits on")
    parser.add_argument("--profile", choices=KINDS)
    parser.add_argument("--profile-out", default="")
    parser.add_argument(
        "--data-cache",
        default="",
        help="a file keeping the requests between runs (for --learners and --seed)",
    )
    parser.add_argument(
        "--show-queries", action="store_true", help="print the SQL of each kind's last request"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="lrs-request-cpu-"))
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "LRS_DATA_DIR": str(workdir),
            "LRS_QUEUE": "rq",
            "LRS_EMBEDDED_WORKER": "0",
            "LRS_SECRET_KEY": "load-test-only",
            "LRS_LOG_LEVEL": "WARNING",
            "LRS_LOG_FORMAT": "json",
            "LRS_DB_CONN_MAX_AGE": "60",
            "DJANGO_SETTINGS_MODULE": "lrs.settings",
        }
    )
    os.environ.setdefault("LRS_REDIS_URL", "redis://127.0.0.1:6379/0")
    if not args.rate_limits:
        for name in ("API_IP", "API_TOKEN", "LOOKUP_IP", "LOOKUP_ACCOUNT"):
            os.environ[f"LRS_RATE_LIMIT_{name}"] = ""

    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    from bench.load import _SETUP, ORGANISATION_UKPRN, USERNAME, _data_file

    setup_out = io.StringIO()
    stdout, sys.stdout = sys.stdout, setup_out
    try:
        exec(_SETUP.format(ukprn=ORGANISATION_UKPRN, username=USERNAME), {})  # noqa: S102
    finally:
        sys.stdout = stdout
    token = setup_out.getvalue().strip().splitlines()[-1]
    cached = Path(args.data_cache) if args.data_cache else None
    if cached is not None and cached.exists():
        data = {**json.loads(cached.read_text()), "token": token}
    else:
        data = json.loads(_data_file(workdir, args.learners, args.seed, token).read_text())
        if cached is not None:
            cached.write_text(json.dumps(data))

    application = get_wsgi_application()  # sets Django up again: logging too
    # The request log line of every request, as gunicorn writes it, to a file.
    log_file = (workdir / "server.log").open("w", encoding="utf-8")
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(log_file)
    queries = [0]
    statements: list[str] = []
    # Every message exchange with the server, as psycopg makes them: statements, the health
    # check, BEGIN, COMMIT and savepoints, COPY (two: its start and its end).
    trips = [0]
    _count_round_trips(trips)

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:  # noqa: FBT001 - execute_wrapper's signature
        queries[0] += 1
        statements.append(sql)
        return execute(sql, params, many, context)

    errors: dict[str, bytes] = {}

    def call(method: str, path: str, body: dict[str, Any]) -> int:
        raw = json.dumps(body).encode()
        status: list[str] = []

        def start_response(line: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], Any]:
            status.append(line)
            return lambda _chunk: None

        result = application(_environ(method, path, raw, token), start_response)
        try:
            answer = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        code = int(status[0].split()[0])
        if code >= 400 and code != 409:
            errors.setdefault(path, answer[:300])
        return code

    run = str(time.time())
    print(
        f"{args.learners:,} learners; {args.requests} requests per kind after {args.warmup}; "
        f"rate limits {'on' if args.rate_limits else 'off'}"
    )
    print(
        f"  {'kind':12} {'py ms':>7} {'pg ms':>7} {'sum':>7} {'wall p50':>9} "
        f"{'queries':>8} {'max':>4} {'trips':>6}  statuses"
    )
    for kind in [k for k in args.kinds.split(",") if k]:
        requests = list(_requests(kind, data, args.warmup + args.requests, run))
        with connection.execute_wrapper(count):
            for request in requests[: args.warmup]:
                call(*request)
            backend_ticks = new_connections = backend_samples = 0
            backend_known = True
            cpu: list[float] = []
            wall: list[float] = []
            per_request: list[int] = []
            per_request_trips: list[int] = []
            statuses: dict[int, int] = {}
            for request in requests[args.warmup :]:
                queries[0] = trips[0] = 0
                statements.clear()
                backend = connection.connection.info.backend_pid if connection.connection else 0
                ticks_before = _backend_cpu_ticks(backend)
                started_cpu, started = time.process_time(), time.perf_counter()
                status = call(*request)
                wall.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
                after = connection.connection.info.backend_pid if connection.connection else 0
                ticks_after = _backend_cpu_ticks(after)
                if after != backend:
                    # A new connection during the request: all its backend's CPU so far.
                    new_connections += 1
                    ticks_before = 0
                if after == 0:
                    pass  # closed at the end of the request (its age): not counted
                elif ticks_before is None or ticks_after is None:
                    backend_known = False  # PostgreSQL is not on this machine
                else:
                    backend_ticks += ticks_after - ticks_before
                    backend_samples += 1
                per_request.append(queries[0])
                per_request_trips.append(trips[0])
                statuses[status] = statuses.get(status, 0) + 1
        pg = (
            backend_ticks / os.sysconf("SC_CLK_TCK") / backend_samples * 1000
            if backend_known and backend_samples
            else float("nan")
        )
        py = statistics.fmean(cpu) * 1000
        print(
            f"  {kind:12} {py:>7.2f} {pg:>7.2f} {py + pg:>7.2f} "
            f"{statistics.median(wall) * 1000:>7.2f}ms {statistics.fmean(per_request):>8.1f} "
            f"{max(per_request):>4} {statistics.fmean(per_request_trips):>6.1f}  "
            f"{dict(sorted(statuses.items()))}"
            + (f" ({new_connections} new connections)" if new_connections else "")
        )
        if args.show_queries:
            for sql in statements:
                print(f"    {' '.join(sql.split())[:160]}")
        for path, answer in errors.items():
            print(f"    first error from {path}: {answer.decode(errors='replace')}")
        errors.clear()
        if args.profile == kind:
            # CPU time, not wall time: waits for the database are not this process's cost.
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for request in list(_requests(kind, data, args.requests, run + "p")):
                call(*request)
            profiler.disable()
            out = Path(args.profile_out or workdir / f"profile-{kind}.txt")
            with out.open("w", encoding="utf-8") as stream:
                stats = pstats.Stats(profiler, stream=stream)
                stats.sort_stats("cumulative").print_stats(120)
                stats.sort_stats("tottime").print_stats(60)
            profiler.dump_stats(str(out.with_suffix(".pstats")))
            print(f"  CPU profile of {kind} ({args.requests} requests): {out}")


if __name__ == "__main__":
    main()
