"""`lrs demo` and the other commands share one database, and nothing is lost by asking for help
or starting the demo again (issue 19 items 1 and 16). These run the real `lrs` command."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lrs.cli import USAGE

pytestmark = pytest.mark.slow


def lrs(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return python(data_dir, "-m", "lrs.cli", *args, stdin=stdin)


def python(data_dir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["LRS_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=300,
        check=False,
    )


def _digest(data_dir: Path) -> str:
    database = data_dir / "lrs.sqlite3"
    return hashlib.sha256(database.read_bytes()).hexdigest()


def _tokens(output: str) -> list[str]:
    return re.findall(r"token: (lrs_\S+)", output)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo")
    made = lrs(data_dir, "demo", "--learners", "40", "--no-serve")
    assert made.returncode == 0, made.stderr
    assert f"Database:     {data_dir / 'lrs.sqlite3'}" in made.stdout
    (data_dir / "first-run.txt").write_text(made.stdout)
    return data_dir


def test_help_of_every_command_changes_nothing(demo_dir: Path):
    commands = sorted(set(re.findall(r"^  ([a-z][a-z-]+)", USAGE, flags=re.MULTILINE)))
    assert "demo" in commands
    before = _digest(demo_dir)
    # One process asks every command for its help, as `lrs COMMAND --help` does.
    script = "import sys\nfrom lrs.cli import main\nfor c in sys.argv[1:]:\n    main([c, '--help'])"
    result = python(demo_dir, "-c", script, *commands)
    assert result.returncode == 0, result.stderr
    assert _digest(demo_dir) == before
    assert lrs(demo_dir, "demo", "--help").stdout.count("--reset") >= 1
    assert _digest(demo_dir) == before


def test_demo_again_keeps_the_data_unless_asked(demo_dir: Path):
    first_tokens = _tokens((demo_dir / "first-run.txt").read_text())
    again = lrs(demo_dir, "demo", "--learners", "40", "--no-serve")
    assert again.returncode == 0, again.stderr
    assert "Kept the database" in again.stdout
    assert "lrs demo --reset" in again.stdout
    # The first run's tokens still work: nothing was replaced.
    assert lrs(demo_dir, "token", "rcollege.online").returncode == 0
    check = lrs(demo_dir, "shell", "-c", _token_check(first_tokens[0]))
    assert "user=rcollege.online" in check.stdout, check.stderr


def test_demo_reset_replaces_the_data(tmp_path: Path):
    assert lrs(tmp_path, "demo", "--learners", "30", "--no-serve").returncode == 0
    first = _tokens((lrs(tmp_path, "demo", "--learners", "30", "--no-serve", "--reset")).stdout)
    assert first, "the reset demo prints fresh tokens"
    check = lrs(tmp_path, "shell", "-c", _token_check(first[0]))
    assert "user=rcollege.online" in check.stdout, check.stderr


def test_createuser_and_token_after_demo(demo_dir: Path):
    created = lrs(demo_dir, "createuser", "10034567", "a.jones", "--roles", "online,view")
    assert created.returncode == 0, created.stderr
    assert "One-time password" in created.stdout
    token = lrs(demo_dir, "token", "a.jones")
    assert token.returncode == 0, token.stderr
    assert token.stdout.strip().startswith("lrs_")


def _token_check(token: str) -> str:
    return (
        "from lrs.organisations.services import authenticate_api_token; "
        f"print('user=' + authenticate_api_token({token!r}).username)"
    )


def test_the_demo_batch_user_submits_the_template(demo_dir: Path, tmp_path: Path):
    """Issue 19 item 15: the demo has a batch user, and the docs' template goes through."""
    template = Path(__file__).resolve().parents[2] / "docs" / "batch-templates"
    result = lrs(
        demo_dir,
        *("batch", "submit", str(template / "LRB_10034567_010920250900.CSV")),
        *("--user", "rcollege.batch", "--wait", "--out", str(tmp_path)),
    )
    assert result.returncode == 0, result.stderr
    assert "complete: 2 learner(s)" in result.stdout
    assert (tmp_path / "LRB_10034567_010920250900_OUTPUT.CSV").exists()
