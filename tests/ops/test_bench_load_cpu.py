"""The load test's CPU accounting (bench/load.py): a process tree's CPU never goes backwards."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from bench.load import _proc_stat, _tree_cpu

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

# A parent that forks a child burning `BURN` seconds of CPU; the child exits (and is waited for)
# or stays alive, then the parent says "ready" and waits for its stdin to close.
_TREE = textwrap.dedent(
    """
    import os, sys, time

    def burn():
        started = time.process_time()
        while time.process_time() - started < {burn}:
            pass

    child = os.fork()
    if child == 0:
        burn()
        if {child_exits}:
            os._exit(0)
        print("ready", flush=True)
        sys.stdin.read()
        os._exit(0)
    if {child_exits}:
        os.waitpid(child, 0)
        print("ready", flush=True)
    sys.stdin.read()
    """
)
BURN = 0.3


def _run_tree(*, child_exits: bool) -> tuple[float, float]:
    """The tree's CPU and the root's own CPU, read while the tree is waiting."""
    code = _TREE.format(burn=BURN, child_exits=child_exits)
    with subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as root:
        assert root.stdout is not None
        assert root.stdin is not None
        assert root.stdout.readline().strip() == "ready"
        tree = _tree_cpu(root.pid)
        reading = _proc_stat(root.pid)
        root.stdin.close()
        root.wait(timeout=10)
    assert reading is not None
    return tree, reading[1]


def test_a_child_that_exited_still_counts_in_its_parents_tree() -> None:
    tree, _root = _run_tree(child_exits=True)

    # A gunicorn worker replaced mid-step, or an RQ work horse: its time stays in the tree.
    assert tree >= BURN * 0.9


def test_a_live_child_counts_in_the_tree_and_not_in_its_parent() -> None:
    tree, root = _run_tree(child_exits=False)

    assert tree >= BURN * 0.9
    assert root < BURN * 0.5


def test_a_process_that_is_gone_has_no_cpu() -> None:
    with subprocess.Popen([sys.executable, "-c", "pass"]) as process:
        process.wait(timeout=10)

    assert _tree_cpu(process.pid) == 0.0
