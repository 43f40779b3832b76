"""lrs.synthetic is pure Python: it runs in a process that never imports Django."""

import hashlib
import io
import os
import pathlib
import subprocess
import sys

from lrs.synthetic import generate_queries, generate_register, write_queries_csv, write_register_csv

SOURCE_ROOT = pathlib.Path(__file__).resolve().parents[2] / "src"

PROGRAM = """
import hashlib, io, sys
from lrs.synthetic import generate_queries, generate_register, write_queries_csv
from lrs.synthetic import write_register_csv
register = list(generate_register(300, seed=1))
queries = generate_queries(register, 60)
out = io.StringIO()
write_register_csv(register, out)
write_queries_csv(queries, out)
leaked = sorted(m for m in sys.modules if m.split(".")[0] == "django" or m == "lrs.matching")
assert not leaked, leaked
print(hashlib.sha256(out.getvalue().encode()).hexdigest())
"""


def _digest_here() -> str:
    register = list(generate_register(300, seed=1))
    out = io.StringIO()
    write_register_csv(register, out)
    write_queries_csv(generate_queries(register, 60), out)
    return hashlib.sha256(out.getvalue().encode()).hexdigest()


def test_synthetic_package_never_imports_django_and_is_reproducible():
    """A fresh process with another hash seed makes the same data without importing Django."""
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT), "PYTHONHASHSEED": "12345"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == _digest_here()
