import os
import pathlib
import subprocess
import sys

SOURCE_ROOT = pathlib.Path(__file__).resolve().parents[2] / "src"

PROGRAM = """
import importlib, pkgutil, sys
import lrs.matching
names = [info.name for info in pkgutil.iter_modules(lrs.matching.__path__)]
for name in names:
    importlib.import_module(f"lrs.matching.{name}")
assert len(names) >= 8, names
leaked = sorted(module for module in sys.modules if module.split(".")[0] == "django")
assert not leaked, leaked
print("ok", len(names))
"""


def test_matching_package_never_imports_django() -> None:
    """The engine stays pure Python: every module imports without pulling in Django."""
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")
