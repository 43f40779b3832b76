"""Benchmark the Learner Register: bulk import, ULN look-up and demographic search.

    .venv/bin/python bench/register.py --learners 100000 [--searches 1000]
        [--database-url postgres://postgres@127.0.0.1:5432/lrs_bench] [--jobs N]

Builds a fresh database (a temporary SQLite file, or the PostgreSQL database named, dropped and
re-created), writes N synthetic learners to a CSV file, loads them with `lrs import-learners`
(timed, as a user would run it, with its progress lines; on PostgreSQL rows go in by COPY), then
times `find_learner_by_uln` and `search_learners` through the service layer, and prints p50/p95
latencies, the search outcome mix and, on PostgreSQL, each table's and its indexes' sizes.

Names have the synthetic generator's long tail of rare names (`long_tail=True`), so that
same-name, same-birthday namesakes stay as rare at 10 million learners as on a real register;
`--compact-names` gives the short lists alone, as figures before issue 16 were measured.

The import's CPU time is printed beside its wall time (a shared machine's wall time says little):
the command with its worker processes, and, for a PostgreSQL server on this machine, the
backends serving the benchmark's database (sampled from /proc while the import runs).

On PostgreSQL the import's session runs with the bulk-load settings of docs/deploy.md
(`BULK_LOAD_OPTIONS`: synchronous_commit off, more maintenance_work_mem and work_mem); server
settings (shared_buffers, max_wal_size) are printed as they are, not changed.
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlparse

if TYPE_CHECKING:
    from lrs.learners.details import SearchDetails

# Run as a file (`python bench/register.py`): the repository's root, for `bench.matching`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _reset_postgres(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving one database, for a server on this
    machine: their /proc times, sampled until `stop` (a backend's last sample before it exits
    counts, so up to one interval of each backend's time may be missed)."""

    INTERVAL = 0.2

    def __init__(self, database: str) -> None:
        self._marker = f" {database} "
        self._seconds: dict[int, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")

    def __enter__(self) -> BackendCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    @property
    def seconds(self) -> float:
        return sum(self._seconds.values())

    @property
    def backends(self) -> int:
        return len(self._seconds)

    def _run(self) -> None:
        while True:
            self._sample()
            if self._done.wait(self.INTERVAL):
                self._sample()
                return

    def _sample(self) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                if not command.startswith("postgres: ") or self._marker not in command:
                    continue
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone, or not ours to read
            # utime and stime: fields 14 and 15 of stat, counted from the state (field 3).
            self._seconds[int(entry.name)] = (int(fields[11]) + int(fields[12])) / self._tick


def run_import(lrs: list[str], csv_path: Path, *, database_url: str, jobs: int | None) -> float:
    """`lrs import-learners` as a user runs it, with its progress lines; prints its wall and CPU
    time and gives back the wall time."""
    env = dict(os.environ)
    if database_url:
        env["PGOPTIONS"] = BULK_LOAD_OPTIONS
    command = [*lrs, "import-learners", str(csv_path)]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    database = urlparse(database_url).path.lstrip("/") if database_url else ""
    server = BackendCpu(database) if database else None
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    if server:
        with server:
            subprocess.run(command, check=True, env=env)
    else:
        subprocess.run(command, check=True, env=env)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    line = (
        f"import CPU: command and workers {user + system:.1f} s (user {user:.1f}, "
        f"system {system:.1f})"
    )
    if server and server.backends:
        line += f", PostgreSQL backends {server.seconds:.1f} s ({server.backends} seen)"
    print(line + f"; wall {seconds:.1f} s; load average {os.getloadavg()[0]:.2f}")
    return seconds


# For the import's session only (PGOPTIONS); docs/deploy.md section 9.
def load_bench_register(
    *, learners: int, seed: int, workdir: str | None, database_url: str, reuse: bool, prefix: str
) -> list[Any]:
    """Point Django at the benchmark's database (the PostgreSQL one named, emptied first, or a
    SQLite file in the work folder), load `learners` synthetic learners through
    `lrs import-learners` unless `reuse`, set Django up, and give back the register loaded."""
    folder = Path(workdir or tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["LRS_DATA_DIR"] = str(folder)
    if database_url:
        if not reuse:
            _reset_postgres(database_url)
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
    lrs = [sys.executable, "-m", "lrs.cli"]

    from lrs.synthetic import generate_register, write_register_csv

    register = list(generate_register(learners, seed=seed))
    if not reuse:
        csv_path = folder / "learners.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as fh:
            write_register_csv(register, fh)
        subprocess.run([*lrs, "migrate", "-v", "0"], check=True)
        started = time.perf_counter()
        subprocess.run([*lrs, "import-learners", str(csv_path), "--quiet"], check=True)
        print(f"loaded {len(register):,} learners in {time.perf_counter() - started:.1f} s")

    import django

    django.setup()
    return register


BULK_LOAD_OPTIONS = "-c synchronous_commit=off -c maintenance_work_mem=2GB -c work_mem=64MB"
_SERVER_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "synchronous_commit",
    "max_wal_size",
    "checkpoint_timeout",
)


def _postgres_report() -> None:
    """The server's settings, and the size of each table with its indexes (largest first)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)",
            [list(_SERVER_SETTINGS)],
        )
        print("server settings: " + ", ".join(f"{n}={v}" for n, v in cursor.fetchall()))
        print(f"import session: {BULK_LOAD_OPTIONS}")
        # Partitioned tables (the audit trail) are counted over their partitions.
        cursor.execute(
            """
            SELECT coalesce(parent.relname, c.relname) AS name,
                   sum(pg_table_size(c.oid)) AS table_bytes,
                   sum(pg_indexes_size(c.oid)) AS index_bytes
            FROM pg_class c
            LEFT JOIN pg_inherits i ON i.inhrelid = c.oid
            LEFT JOIN pg_class parent ON parent.oid = i.inhparent
            WHERE c.relkind = 'r' AND c.relnamespace = to_regnamespace(current_schema())
            GROUP BY 1 ORDER BY sum(pg_total_relation_size(c.oid)) DESC LIMIT 8
            """
        )
        print("table sizes (table + indexes):")
        for name, table_bytes, index_bytes in cursor.fetchall():
            print(
                f"  {name:32} {int(table_bytes) / 2**20:>9,.1f} MB "
                f"+ {int(index_bytes) / 2**20:>9,.1f} MB"
            )
        cursor.execute(
            "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes "
            "WHERE relname IN ('learners_learner', 'learners_learnermatchkey') "
            "ORDER BY 2 DESC"
        )
        print("learner indexes:")
        for name, size in cursor.fetchall():
            print(f"  {name:48} {int(size) / 2**20:>9,.1f} MB")


def _print_bucket_stats(histogram: dict[str, Counter[int]], title: str) -> None:
    """Per key kind: buckets, stored keys, the size-biased mean bucket (the bucket a random
    learner's key lands in, which is what a search on that key fetches), its 95th percentile
    and the largest bucket. `histogram`: kind -> {bucket size: number of buckets}."""
    print(title)
    print(
        f"  {'kind':4} {'buckets':>10} {'keys':>11} {'mean':>7} {'size-biased':>11} "
        f"{'p95':>6} {'max':>6}"
    )
    for kind in sorted(histogram):
        sizes = histogram[kind]
        buckets = sum(sizes.values())
        rows = sum(size * count for size, count in sizes.items())
        biased = sum(size * size * count for size, count in sizes.items()) / rows
        # The 95th percentile of the bucket a random stored key lies in.
        running, p95 = 0, 0
        for size in sorted(sizes):
            running += size * sizes[size]
            if running >= 0.95 * rows:
                p95 = size
                break
        print(
            f"  {kind:4} {buckets:>10,} {rows:>11,} {rows / buckets:>7.2f} {biased:>11.2f} "
            f"{p95:>6} {max(sizes):>6}"
        )


def _stored_bucket_stats() -> None:
    """`_print_bucket_stats` of the keys stored in the database."""
    from django.db import connection

    from lrs.learners.models import LearnerMatchKey

    table = connection.ops.quote_name(LearnerMatchKey._meta.db_table)
    histogram: dict[str, Counter[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT kind, n, count(*) FROM (SELECT substr(key, 1, 1) AS kind, count(*) AS n "  # noqa: S608
            f"FROM {table} GROUP BY key) AS buckets GROUP BY kind, n"
        )
        for kind, size, count in cursor.fetchall():
            histogram.setdefault(kind, Counter())[int(size)] = int(count)
    _print_bucket_stats(histogram, "blocking buckets stored (per key kind):")


def _blocks_in_memory(learners: int, seed: int, *, long_tail: bool, density_of: int) -> None:
    """`_print_bucket_stats` of the keys a generated register would store, without a database."""
    from bench.matching.fit import learner_person
    from lrs.matching import learner_keys
    from lrs.synthetic import generate_register
    from lrs.synthetic.density import denser_register

    factor = density_of / learners if density_of > learners else 1.0
    started = time.process_time()
    buckets: Counter[str] = Counter()
    for learner in denser_register(
        generate_register(learners, seed=seed, long_tail=long_tail), factor
    ):
        buckets.update(learner_keys(learner_person(learner)))
    histogram: dict[str, Counter[int]] = {}
    for key, size in buckets.items():
        histogram.setdefault(key[0], Counter())[size] += 1
    crowding = f" at the density of {density_of:,}" if factor > 1 else ""
    _print_bucket_stats(
        histogram,
        f"blocking buckets of {learners:,} learners{crowding}, seed {seed} "
        f"(in memory, CPU {time.process_time() - started:.0f} s):",
    )


def _search_split(people: list[Any], true_ids: list[int | None]) -> None:
    """Per search, the candidates fetched and the time in working out the keys, in SQL retrieval
    (execute and fetch), in building the engine's values and in scoring (`decide`): the steps of
    `matching_adapter.match_person`, timed one by one; and how often the learner a re-keyed
    query stands for (`true_ids`) was among the candidates."""
    from lrs.learners import matching_adapter as adapter
    from lrs.matching import decide, query_keys

    fetched: list[float] = []
    timings: dict[str, list[float]] = {"keys": [], "sql": [], "build": [], "decide": []}
    _version, params = adapter.active_parameters()
    reached = known = 0
    for person, true_id in zip(people, true_ids, strict=True):
        # CPU time of this thread for the Python steps, wall time for the statement (most of
        # which is the server's).
        t0 = time.thread_time()
        query_keys(person)  # (the retrieval below works them out again)
        t1 = time.thread_time()
        w1 = time.perf_counter()
        rows = adapter._candidate_rows(person)
        w2 = time.perf_counter()
        t2 = time.thread_time()
        retrieved = adapter._retrieved(rows)
        t3 = time.thread_time()
        decide(person, retrieved.candidates, adapter.MATCH_CONFIG, params)
        t4 = time.thread_time()
        fetched.append(len(rows))
        if true_id is not None:
            known += 1
            reached += any(row[0] == true_id for row in rows)
        for name, seconds in zip(timings, (t1 - t0, w2 - w1, t3 - t2, t4 - t3), strict=True):
            timings[name].append(seconds)
    print(
        f"candidates fetched per search x{len(fetched)}: p50 {_percentile(fetched, 0.5):.0f}, "
        f"p95 {_percentile(fetched, 0.95):.0f}, max {max(fetched):.0f}, "
        f"mean {statistics.mean(fetched):.1f}; learner searched for among them: {reached} of "
        f"{known} re-keyed queries"
    )
    print(
        "search split (ms, p50 / p95 / mean; sql: wall time of execute and fetch, the rest: "
        "CPU time): "
        + "; ".join(
            f"{name} {_percentile(values, 0.5) * 1000:.2f} / "
            f"{_percentile(values, 0.95) * 1000:.2f} / {statistics.mean(values) * 1000:.2f}"
            for name, values in timings.items()
        )
    )
    totals = [sum(step) for step in zip(*timings.values(), strict=True)]
    slowest = sorted(range(len(people)), key=lambda index: -totals[index])[: len(people) // 20]
    rules = [_kept_by(person) for person in people]
    _print_kept_by(rules, "all searches")
    _print_kept_by([rules[index] for index in slowest], "the slowest 5% (keys, sql, build, decide)")


def _kept_by(person: Any) -> Counter[str]:
    """A search's candidates by the rule of `select_candidates` that kept them: a bucket kept
    whole (the kinds of the keys that keep it, * for a firm key of the details as given) or, in
    crowded buckets only, a second key saying something else (`key_evidence`; the kinds of
    every key the learner was found under).
    Tells which keys make a search's candidates, the cost that grows with the register."""
    from django.db import connection

    from lrs.learners import matching_adapter as adapter
    from lrs.matching.blocking import keeps_bucket, key_evidence, query_key_sets

    keys, firm, confirming = query_key_sets(person)
    wanted = sorted(keys | confirming)
    found: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        # The (key, learner) pairs `adapter._rows_for_many` reads.
        cursor.execute(
            adapter._keyed_candidate_sql(len(wanted), ("id",)), adapter._key_parameters(wanted)
        )
        for key, _live, learner in cursor.fetchall():
            found.setdefault(key, []).append(learner)
    under: dict[int, list[tuple[str, int]]] = {}
    for key, learners in found.items():
        for learner in learners:
            under.setdefault(learner, []).append((key, len(learners)))
    rules: Counter[str] = Counter()
    for shared in under.values():
        kinds = [key[0] + ("*" if key in firm else "") for key, _size in shared]
        whole = sorted(
            {
                kind
                for kind, (key, size) in zip(kinds, shared, strict=True)
                if keeps_bucket(key, size, firm)
            }
        )
        if whole:
            rules["whole " + ",".join(whole)] += 1
        elif len({key_evidence(key) for key, _size in shared}) >= 2:
            rules["two keys " + ",".join(sorted(kinds))] += 1
    return rules


def _print_kept_by(rules: list[Counter[str]], title: str) -> None:
    """`_kept_by` of some searches, as a mean per search."""
    total: Counter[str] = sum(rules, Counter())
    count = max(1, len(rules))
    print(
        f"candidates by the rule that kept them, per search, {title} (x{len(rules)}): "
        + ", ".join(f"{rule} {number / count:.1f}" for rule, number in total.most_common(10))
    )


def _backend_cpu() -> float:
    """CPU seconds so far of this process's PostgreSQL backend, for a server on this machine
    (0 otherwise)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ids_of(ulns: list[str]) -> dict[str, int]:
    from lrs.learners.models import Learner

    return dict(Learner.objects.filter(uln__in=ulns).values_list("uln", "id"))


def _search_chunks(batch: list[Any], actor: Any) -> int:
    from lrs.learners.selectors import search_learners_many

    for start in range(0, len(batch), 500):
        search_learners_many(searches=batch[start : start + 500], actor=actor)
    return len(batch)


def _worker(args: tuple[list[Any], int]) -> int:
    from lrs.core.actor import Actor, Channel
    from lrs.organisations.models import User

    rows, user_id = args
    return _search_chunks(rows, Actor(user=User.objects.get(pk=user_id), channel=Channel.BATCH))


def _run_in_workers(batch: list[Any], user_id: int, workers: int) -> None:
    """Split the rows between processes; each opens its own database connection."""
    import multiprocessing

    from django.db import connections

    connections.close_all()
    shares = [(batch[i::workers], user_id) for i in range(workers)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        done = sum(pool.map(_worker, shares))
    assert done == len(batch)


def _names(*, long_tail: bool, density_of: int = 0) -> str:
    return ("-long-tail" if long_tail else "") + (f"-density-{density_of}" if density_of else "")


def _register_cache(
    workdir: Path, learners: int, seed: int, *, long_tail: bool, density_of: int = 0
) -> Path:
    names = _names(long_tail=long_tail, density_of=density_of)
    return workdir / f"register-{learners}-{seed}{names}.pickle"


def _register_csv(workdir: Path, *, long_tail: bool, density_of: int = 0) -> Path:
    return workdir / f"learners{_names(long_tail=long_tail, density_of=density_of)}.csv"


def _cached_register(
    workdir: Path,
    learners: int,
    seed: int,
    *,
    long_tail: bool,
    density_of: int = 0,
) -> list[Any] | None:
    """The register an earlier run in this work folder generated and wrote to its CSV file, if
    both are there (generating 10 million learners takes about ten minutes)."""
    cache = _register_cache(workdir, learners, seed, long_tail=long_tail, density_of=density_of)
    csv_path = _register_csv(workdir, long_tail=long_tail, density_of=density_of)
    if not (cache.exists() and csv_path.exists()):
        return None
    with cache.open("rb") as fh:
        register: list[Any] = pickle.load(fh)  # noqa: S301 (our own file, see _cache_register)
    return register


def _cache_register(
    workdir: Path,
    learners: int,
    seed: int,
    register: list[Any],
    *,
    long_tail: bool,
    density_of: int = 0,
) -> None:
    """Keep the generated register beside its CSV file for the next run in this folder (our own
    file, written and read only by this benchmark)."""
    _keep(
        _register_cache(workdir, learners, seed, long_tail=long_tail, density_of=density_of),
        register,
    )


def _keep(path: Path, value: Any) -> None:
    """Pickle `value` to `path` for the next run in this folder, whole or not at all (written
    beside it, then moved into place)."""
    partial = path.with_suffix(".partial")
    with partial.open("wb") as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    partial.replace(path)


class _SearchMaterial(NamedTuple):
    """What the timed part of a run needs from the generated register: its size, the learners
    looked up by ULN (ULN, given name, family name), the search queries and the batch's."""

    learners: int
    sample: list[tuple[str, str, str]]
    queries: list[Any]
    batch: list[Any]


def _search_material_path(
    workdir: Path,
    learners: int,
    seed: int,
    searches: int,
    batch: int,
    *,
    long_tail: bool,
    density_of: int = 0,
) -> Path:
    names = _names(long_tail=long_tail, density_of=density_of)
    return workdir / f"searches-{learners}-{seed}{names}-{searches}-{batch}.pickle"


def read_search_material(path: Path) -> _SearchMaterial:
    """The searches an earlier run kept in its work folder (`_search_material_path`)."""
    with path.open("rb") as source:
        return _SearchMaterial(*pickle.load(source))  # noqa: S301 (the benchmark's own file)


def _search_material(
    register: list[Any], args: argparse.Namespace, *, long_tail: bool, factor: float
) -> _SearchMaterial:
    """The ULN look-ups and queries of a run, drawn from the register as every run draws them
    (the same seeds), and kept in the work folder so that `--reuse` need not read the register
    (about 80 s and several GB at 10M)."""
    from lrs.synthetic import generate_queries
    from lrs.synthetic.density import denser_queries

    rng = random.Random(args.seed)
    sample = [
        (person.uln, person.given_name, person.family_name)
        for person in rng.sample(register, min(args.searches, len(register)))
    ]
    queries = list(
        denser_queries(
            generate_queries(register, args.searches, seed=args.seed + 1, long_tail=long_tail),
            factor,
        )
    )
    batch = (
        list(
            denser_queries(
                generate_queries(register, args.batch, seed=args.seed + 2, long_tail=long_tail),
                factor,
            )
        )
        if args.batch
        else []
    )
    return _SearchMaterial(len(register), sample, queries, batch)


def search_details(query: Any) -> SearchDetails:
    """The service layer's `SearchDetails` of a synthetic query (`lrs.synthetic`), as every
    benchmark search is made (Django set up)."""
    from lrs.learners.details import SearchDetails

    return SearchDetails(
        given_name=query.given_name,
        family_name=query.family_name,
        date_of_birth=query.date_of_birth,
        gender=query.gender,
        last_known_postcode=query.last_known_postcode,
        middle_other_name=query.middle_other_name,
        preferred_given_name=query.preferred_given_name,
        previous_family_name=query.previous_family_name,
        email_address=query.email_address,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workdir", help="keep the SQLite database and CSV here (default: a new temporary folder)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database loaded by an earlier run with the same --workdir/--database-url "
        "and --learners/--seed (skips the import)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="passed to `lrs import-learners --jobs` (default: the command's own)",
    )
    parser.add_argument(
        "--batch", type=int, default=0, help="also time a batch of N searches run back to back"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes sharing the batch's rows, as batch workers do (default 1)",
    )
    parser.add_argument(
        "--compact-names",
        action="store_true",
        help="draw names from the synthetic generator's short lists alone, as before issue 16 "
        "(default: with the long tail of rare names, lrs.synthetic long_tail=True, whose "
        "namesakes stay realistic at millions of learners)",
    )
    parser.add_argument(
        "--density-of",
        type=int,
        default=0,
        metavar="M",
        help="give the N learners the crowding of a register of M (dates of birth and unit "
        "postcodes packed M/N times as densely, lrs.synthetic.density): a proxy for search "
        "at M learners without loading them",
    )
    parser.add_argument(
        "--blocks",
        action="store_true",
        help="print blocking-bucket sizes per key kind (from the stored keys) and, per search, "
        "the candidates fetched and the time in SQL retrieval and in scoring",
    )
    parser.add_argument(
        "--blocks-only",
        action="store_true",
        help="print blocking-bucket sizes per key kind worked out in memory from the generated "
        "register (no database, no import) and stop",
    )
    args = parser.parse_args()
    long_tail = not args.compact_names
    if args.blocks_only:
        _blocks_in_memory(args.learners, args.seed, long_tail=long_tail, density_of=args.density_of)
        return

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="lrs-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ["LRS_DATA_DIR"] = str(workdir)
    if args.database_url:
        if not args.reuse:
            _reset_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        if not args.reuse:
            (workdir / "bench.sqlite3").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
    lrs = [sys.executable, "-m", "lrs.cli"]

    from lrs.synthetic import generate_register, write_register_csv
    from lrs.synthetic.density import denser_register

    started = time.perf_counter()
    density_of = args.density_of if args.density_of > args.learners else 0
    factor = density_of / args.learners if density_of else 1.0
    csv_path = _register_csv(workdir, long_tail=long_tail, density_of=density_of)
    material_path = _search_material_path(
        workdir,
        args.learners,
        args.seed,
        args.searches,
        args.batch,
        long_tail=long_tail,
        density_of=density_of,
    )
    if args.reuse and material_path.exists():
        material = read_search_material(material_path)
        print(
            f"read the searches of an earlier run on {material.learners:,} learners in "
            f"{time.perf_counter() - started:.1f} s"
        )
    else:
        register = _cached_register(
            workdir, args.learners, args.seed, long_tail=long_tail, density_of=density_of
        )
        if register is None:
            register = list(
                denser_register(
                    generate_register(args.learners, seed=args.seed, long_tail=long_tail), factor
                )
            )
            with csv_path.open("w", newline="", encoding="utf-8") as fh:
                write_register_csv(register, fh)
            _cache_register(
                workdir,
                args.learners,
                args.seed,
                register,
                long_tail=long_tail,
                density_of=density_of,
            )
            print(f"generated {len(register):,} learners in {time.perf_counter() - started:.1f} s")
        else:
            print(
                f"read {len(register):,} learners generated by an earlier run in "
                f"{time.perf_counter() - started:.1f} s"
            )
        material = _search_material(register, args, long_tail=long_tail, factor=factor)
        # As a plain tuple: a class pickled from this file run as a script is `__main__`'s,
        # which another script (bench/search_ratio.py) cannot load.
        _keep(material_path, tuple(material))
        # The register itself (gigabytes of objects at 10M) is not needed again: freed before
        # the import and the searches, so that the benchmark's own memory does not crowd
        # PostgreSQL and the operating system's cache out (it did at 10M on 24 GB).
        del register
        gc.collect()
    # Objects that live to the end: out of the collector's sight, or each full collection (set
    # off by the searches' allocations) walks them all.
    gc.freeze()

    import_seconds = 0.0
    if not args.reuse:
        subprocess.run([*lrs, "migrate", "-v", "0"], check=True)
        # Progress lines as it goes (a 10M load takes a while).
        print(f"load average before the import: {os.getloadavg()[0]:.2f}")
        import_seconds = run_import(lrs, csv_path, database_url=args.database_url, jobs=args.jobs)

    import django

    django.setup()
    from lrs.core.actor import Actor, Channel
    from lrs.learners.selectors import find_learner_by_uln, search_learners
    from lrs.organisations.models import Organisation, User
    from lrs.organisations.services import (
        create_organisation,
        create_user,
        service_desk_system_actor,
    )

    system = service_desk_system_actor(channel=Channel.CLI)
    organisation = Organisation.objects.filter(ukprn="10077777").first() or create_organisation(
        actor=system,
        ukprn="10077777",
        name="Bench College",
        organisation_type="college",
        granted_roles=["view"],
    )
    user = (
        User.objects.filter(username="bench").first()
        or create_user(
            actor=system, organisation=organisation, username="bench", roles=["view"]
        ).user
    )
    actor = Actor(user=user, channel=Channel.API)

    uln_times = []
    for uln, given_name, family_name in material.sample:
        t0 = time.perf_counter()
        find_learner_by_uln(uln=uln, given_name=given_name, family_name=family_name, actor=actor)
        uln_times.append(time.perf_counter() - t0)

    queries = material.queries
    search_times = []
    outcomes: Counter[str] = Counter()
    search_cpu = time.process_time()
    search_cpus: list[float] = []
    verdicts: Counter[str] = Counter()
    backend_before = _backend_cpu()
    for query in queries:
        details = search_details(query)
        t0, c0 = time.perf_counter(), time.thread_time()
        outcome = search_learners(details=details, actor=actor)
        search_times.append(time.perf_counter() - t0)
        search_cpus.append(time.thread_time() - c0)
        outcomes[outcome.kind.value] += 1
        found = [learner.uln for learner in outcome.learners]
        if outcome.kind.value == "exact":
            verdicts["exact, right learner" if found == [query.true_uln] else "exact, wrong"] += 1
        elif query.true_uln and query.true_uln in found:
            verdicts["possible, right learner among them"] += 1

    backend_seconds = _backend_cpu() - backend_before
    batch_rate = 0.0
    if args.batch:
        batch = [search_details(q) for q in material.batch]
        t0 = time.perf_counter()
        if args.workers > 1:
            _run_in_workers(batch, user.pk, args.workers)
        else:
            _search_chunks(batch, actor)
        batch_rate = len(batch) / (time.perf_counter() - t0)

    from django.db import connection

    print(
        f"database: {connection.vendor}, learners: {material.learners:,}, names: "
        f"{'compact lists' if args.compact_names else 'with the long tail'}"
    )
    if import_seconds:
        print(
            f"import: {import_seconds:.1f} s ({material.learners / import_seconds:,.0f} rows/s, "
            "including process start)"
        )
    print(
        f"find_learner_by_uln x{len(uln_times)}: p50 {_percentile(uln_times, 0.5) * 1000:.2f} ms, "
        f"p95 {_percentile(uln_times, 0.95) * 1000:.2f} ms"
    )
    print(
        f"search_learners x{len(search_times)}: "
        f"p50 {_percentile(search_times, 0.5) * 1000:.2f} ms, "
        f"p95 {_percentile(search_times, 0.95) * 1000:.2f} ms, "
        f"mean {statistics.mean(search_times) * 1000:.2f} ms "
        f"({len(search_times) / sum(search_times):.0f} searches/s)"
    )
    print("search outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print("against the truth: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
    cpu = time.process_time() - search_cpu
    line = (
        f"searches: CPU of this process {cpu:.1f} s ({cpu / len(search_times) * 1000:.2f} ms a "
        "search)"
    )
    if backend_seconds:
        line += (
            f", its PostgreSQL backend {backend_seconds:.1f} s "
            f"({backend_seconds / len(search_times) * 1000:.2f} ms a search)"
        )
    print(line + f"; load average {os.getloadavg()[0]:.2f}")
    print(
        f"search CPU of this process per search: p50 {_percentile(search_cpus, 0.5) * 1000:.2f} "
        f"ms, p95 {_percentile(search_cpus, 0.95) * 1000:.2f} ms (wall times on a busy machine "
        "say little)"
    )
    if density_of:
        print(f"dates of birth and postcodes at the density of {density_of:,} learners")
    if args.blocks:
        from lrs.learners.matching_adapter import person_from

        ids = _ids_of([query.true_uln for query in queries if query.true_uln])
        _search_split(
            [person_from(search_details(query)) for query in queries],
            [ids.get(query.true_uln) if query.true_uln else None for query in queries],
        )
        _stored_bucket_stats()
    if connection.vendor == "postgresql":
        _postgres_report()
    if args.batch:
        print(
            f"batch of {args.batch} searches (search_learners_many, chunks of 500, "
            f"{args.workers} worker process(es)): {batch_rate:,.0f} rows/s"
        )


if __name__ == "__main__":
    main()
