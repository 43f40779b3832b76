"""Search latency on two loaded registers, measured side by side: the ratio of their p50 and p95.

    .venv/bin/python bench/search_ratio.py \\
        --small /tmp/q1m:1000000:postgres://postgres@127.0.0.1:5432/lrs_q1m \\
        --large /tmp/q10m:10000000:postgres://postgres@127.0.0.1:5432/lrs_q10m [--passes 3]

Each register is one that `bench/register.py --workdir DIR --learners N --database-url URL`
loaded (the work folder holds the searches it drew, `searches-*.pickle`, and the database its
bench user). Issue 16 asks for search p95 at 10 million learners within 1.5 times the 1 million
figure "in the same run conditions". Two separate runs of `bench/register.py` are not that on a
shared machine: the CPU time of the same searches on the same register moved by half from one
run to the next (docs/deploy.md, section 10). Here a process per register runs its searches
through `search_learners`, as `bench/register.py` does, and the two take turns search by search
(the small register's search i, then the large one's, then i + 1; `--block N`: N searches
each), so whatever slows the machine slows both alike. The first pass warms both (shared
buffers, the operating system's cache, each process's caches) and is not counted; each further
pass prints its own p50 and p95 per register and their ratios, and the last line gives them
over all the passes counted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

# Run as a file (`python bench/search_ratio.py`): the repository's root, for `bench.register`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.register import (
    _percentile,
    _search_material_path,
    read_search_material,
    search_details,
)


class Register(NamedTuple):
    workdir: Path
    learners: int
    database_url: str


def _register(text: str) -> Register:
    workdir, learners, url = text.split(":", 2)
    return Register(Path(workdir), int(learners), url)


def _serve(register: Register, searches: int, seed: int) -> None:
    """The worker: read a query's index per line, search for it, write the seconds it took."""
    os.environ["LRS_DATA_DIR"] = str(register.workdir)
    os.environ["DATABASE_URL"] = register.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "lrs.settings"
    import django

    django.setup()
    from lrs.core.actor import Actor, Channel
    from lrs.learners.selectors import search_learners
    from lrs.organisations.models import User

    path = _search_material_path(
        register.workdir, register.learners, seed, searches, 0, long_tail=True
    )
    material = read_search_material(path)
    actor = Actor(user=User.objects.get(username="bench"), channel=Channel.API)
    queries = [search_details(query) for query in material.queries]
    print(len(queries), flush=True)
    for line in sys.stdin:
        details = queries[int(line)]
        started = time.perf_counter()
        search_learners(details=details, actor=actor)
        print(time.perf_counter() - started, flush=True)


class _Worker:
    def __init__(self, register: Register, searches: int, seed: int) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                f"{register.workdir}:{register.learners}:{register.database_url}",
                "--searches",
                str(searches),
                "--seed",
                str(seed),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.queries = int(self._line())

    def _line(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"a search worker stopped (exit code {self.process.wait()})")
        return line

    def search(self, index: int) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write(f"{index}\n")
        self.process.stdin.flush()
        return float(self._line())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def _figures(times: list[float]) -> tuple[float, float]:
    return _percentile(times, 0.5) * 1000, _percentile(times, 0.95) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--small", type=_register, help="WORKDIR:LEARNERS:DATABASE_URL")
    parser.add_argument("--large", type=_register, help="WORKDIR:LEARNERS:DATABASE_URL")
    parser.add_argument("--passes", type=int, default=3, help="passes counted (after one warm-up)")
    parser.add_argument("--searches", type=int, default=1000, help="as given to bench/register.py")
    parser.add_argument("--seed", type=int, default=7, help="as given to bench/register.py")
    parser.add_argument(
        "--block",
        type=int,
        default=1,
        help="searches each register runs before the other takes its turn (default 1: search "
        "by search; a larger block keeps each process's processor caches warm for longer)",
    )
    parser.add_argument("--serve", type=_register, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(args.serve, args.searches, args.seed)
        return
    if not (args.small and args.large):
        parser.error("--small and --large are both needed")
    small = _Worker(args.small, args.searches, args.seed)
    large = _Worker(args.large, args.searches, args.seed)
    count = min(small.queries, large.queries)
    counted: dict[str, list[float]] = {"small": [], "large": []}
    try:
        for number in range(args.passes + 1):
            times: dict[str, list[float]] = {"small": [], "large": []}
            for start in range(0, count, args.block):
                block = range(start, min(count, start + args.block))
                times["small"].extend(small.search(index) for index in block)
                times["large"].extend(large.search(index) for index in block)
            if number == 0:
                print(
                    f"warm-up pass: {count} searches on each register, load average "
                    f"{os.getloadavg()[0]:.2f}"
                )
                continue
            _report(f"pass {number}", times)
            for name in counted:
                counted[name].extend(times[name])
    finally:
        small.close()
        large.close()
    _report(f"all {args.passes} passes", counted)


def _report(title: str, times: dict[str, list[float]]) -> None:
    small_p50, small_p95 = _figures(times["small"])
    large_p50, large_p95 = _figures(times["large"])
    print(
        f"{title}: small p50 {small_p50:.2f} ms, p95 {small_p95:.2f} ms; large p50 "
        f"{large_p50:.2f} ms, p95 {large_p95:.2f} ms; ratio p50 {large_p50 / small_p50:.2f}x, "
        f"p95 {large_p95 / small_p95:.2f}x (load average {os.getloadavg()[0]:.2f})"
    )


if __name__ == "__main__":
    main()
