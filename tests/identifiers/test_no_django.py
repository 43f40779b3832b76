"""lrs.identifiers must stay importable without Django (scripts, batch tools, other services)."""

import os
import subprocess
import sys
from pathlib import Path

import lrs.identifiers

CHECK = (
    "import lrs.identifiers, sys; "
    "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
)


def test_importing_lrs_identifiers_does_not_import_django() -> None:
    # A fresh interpreter, because this test process may already have Django loaded. The
    # directory holding the ``lrs`` package in use goes first on its path, so the child checks
    # the same code whether the project is installed or run from src/.
    package_root = Path(lrs.identifiers.__file__).resolve().parents[2]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(package_root), env.get("PYTHONPATH", "")) if part
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
