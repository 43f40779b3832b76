"""Fixtures of the batch tests: a batch user, rows and batches, spies, and subprocess databases.

Helpers shared by several test modules live here as fixtures rather than being imported from
one test module into another.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FunctionType
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from lrs.batches.models import Batch
from lrs.batches.services import ParsedBatch, submit_batch
from lrs.core.actor import Actor, Channel
from lrs.learners.details import LearnerDetails
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation, User
from lrs.synthetic import generate_register, personal_fields

FILE_NAME = "LRB_10034567_231120260900.CSV"

MakeRow = Callable[..., dict[str, str]]
SubmitRows = Callable[..., Batch]
Register = Callable[..., Learner]
WaitFor = Callable[..., None]
SyntheticRows = Callable[..., list[dict[str, str]]]


# --- A batch user and their batches -------------------------------------------------------------


@pytest.fixture
def batch_actor(college: Organisation, make_user: Callable[..., User]) -> Actor:
    """A batch user of the college, in the portal."""
    return Actor(user=make_user(college, ["batch"]), channel=Channel.PORTAL)


def _row(mis: str, **values: str) -> dict[str, str]:
    row = {
        "MISIdentifier": mis,
        "GivenName": "Megan",
        "FamilyName": "Pritchard",
        "DateOfBirth": "2009-04-12",
        "Gender": "2",
        "LastKnownPostCode": "CF10 3AT",
        "VerificationType": "1",
        "PrivacyNoticeSeen": "1",
    }
    row.update(values)
    return row


@pytest.fixture
def make_row() -> MakeRow:
    """`make_row(mis, **columns)`: a batch row of Megan Pritchard (conftest's learner), by the
    real service's field names, with the columns given changed."""
    return _row


@pytest.fixture
def submit_rows() -> SubmitRows:
    """`submit_rows(actor, rows, kind="FUL")`: the rows submitted as a CSV batch file, pending."""

    def _submit(actor: Actor, rows: list[dict[str, str]], kind: str = "FUL") -> Batch:
        parsed = ParsedBatch(
            file_name=FILE_NAME,
            file_format="csv",
            submission_type=kind,
            rows=rows,
            file_version="3A",
        )
        return submit_batch(actor=actor, parsed=parsed)

    return _submit


@pytest.fixture
def register(details: Callable[..., LearnerDetails]) -> Register:
    """`register(actor, **details)`: conftest's learner (with the details given) registered by
    the actor, possible matches confirmed as not the learner."""

    def _register(actor: Actor, **overrides: Any) -> Learner:
        learner = register_learner(
            details=details(**overrides), actor=actor, confirm_not_possible_match=True
        ).learner
        assert learner is not None
        return learner

    return _register


# --- Spies ----------------------------------------------------------------------------------------


@dataclass
class Spy:
    """What a spied-on function was called with and returned, call by call."""

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    returned: list[Any] = field(default_factory=list)

    @property
    def called(self) -> bool:
        return bool(self.calls)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Spy]:
    """`spy(caller, name, replacement=None)`: watch the function `caller` calls as `name`.

    The function is replaced in the module where `caller` looks it up (its globals), so the spy
    is the one called whatever module defines the function; a caller that does not refer to
    `name` is an error, not a spy that silently never runs. `replacement(real)` returns the
    function to run instead of the real one (to inject a fault or a pause). Tests assert on
    `Spy.calls`: a spy the test relies on must have been called.
    """

    def _spy(
        caller: FunctionType,
        name: str,
        replacement: Callable[[Callable[..., Any]], Callable[..., Any]] | None = None,
    ) -> Spy:
        assert name in caller.__code__.co_names, f"{caller.__qualname__} does not call {name}"
        module = sys.modules[caller.__module__]
        real = getattr(module, name)
        run = replacement(real) if replacement is not None else real
        watched = Spy()

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            watched.calls.append((args, kwargs))
            result = run(*args, **kwargs)
            watched.returned.append(result)
            return result

        monkeypatch.setattr(module, name, wrapper)
        return watched

    return _spy


# --- The real `lrs` command on a database of its own ---------------------------------------------


def _synthetic_rows(n: int, *, seed: int = 2026) -> list[dict[str, str]]:
    """Rows of `n` different people, none like another (so a FUL batch registers them all).

    Realistic people from the synthetic register, one per household (no siblings or twins)
    and no two with the same family name, by the real service's field names.
    """
    rows: list[dict[str, str]] = []
    households: set[int] = set()
    families: set[str] = set()
    for person in generate_register(n * 5, seed=seed):
        if person.twin_of or person.household_id in households or person.family_name in families:
            continue
        households.add(person.household_id)
        families.add(person.family_name)
        rows.append(
            {
                "MISIdentifier": f"MIS{len(rows) + 1:05d}",
                **personal_fields(person),
                "VerificationType": "1",
                "PrivacyNoticeSeen": "1",
            }
        )
        if len(rows) == n:
            return rows
    raise AssertionError(f"the generator gave fewer than {n} unrelated people")


# Run by the subprocess database's own Python: an organisation, a batch user and the batches
# in the JSON file given, each submitted and queued (LRS_QUEUE decides where) in one
# transaction, as the portal and the API do. Prints the batch ids.
_SUBMIT_SCRIPT = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lrs.settings")
import django
django.setup()
from django.db import transaction
from lrs.batches.queue import enqueue_batch
from lrs.batches.services import ParsedBatch, submit_batch
from lrs.core.actor import Actor, Channel
from lrs.organisations.services import (
    create_organisation, create_user, service_desk_system_actor,
)

spec = json.loads(open(sys.argv[1], encoding="utf-8").read())
system = service_desk_system_actor(channel=Channel.CLI)
organisation = create_organisation(
    actor=system, ukprn="10034567", name="Riverside College", organisation_type="college",
    granted_roles=["batch", "online"],
)
user = create_user(
    actor=system, organisation=organisation, username="batch.user", roles=["batch"],
    password="Secret-pass-1",
).user
actor = Actor(user=user, channel=Channel.PORTAL)
ids = []
for rows in spec["batches"]:
    with transaction.atomic():
        batch = submit_batch(actor=actor, parsed=ParsedBatch(
            file_name=spec["file_name"], file_format="csv", submission_type="FUL", rows=rows,
        ))
        enqueue_batch(batch.pk)
    ids.append(batch.pk)
print(json.dumps(ids))
"""


def _suite_database_url() -> str:
    return os.environ.get("DATABASE_URL", "")


def _is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(url: str, statement: str, *names: str) -> None:
    """Run CREATE/DROP DATABASE with the database names quoted as identifiers."""
    import psycopg
    from psycopg import sql

    query = sql.SQL(statement).format(*(sql.Identifier(name) for name in names))
    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as admin:
        admin.execute(query)


@dataclass
class SubprocessDb:
    """A database the real `lrs` command can reach, and raw SQL to look into it."""

    url: str
    env: dict[str, str]
    workdir: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    @property
    def is_postgres(self) -> bool:
        return _is_postgres(self.url)

    def lrs(self, *args: str, timeout: float = 120, **extra_env: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "lrs.cli", *args],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def start_lrs(self, *args: str, log_name: str, **extra_env: str) -> subprocess.Popen[str]:
        """Start `lrs ARGS` in the background; its output goes to WORKDIR/LOG_NAME."""
        log = (self.workdir / log_name).open("w", encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "lrs.cli", *args],
            env={**self.env, **extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        log.close()
        self.processes.append(process)
        return process

    def log(self, log_name: str) -> str:
        return (self.workdir / log_name).read_text(encoding="utf-8")

    def submit(self, *batches: list[dict[str, str]], **extra_env: str) -> list[int]:
        """Create the organisation and its batch user, then submit and queue the batches."""
        spec = self.workdir / f"batches-{uuid.uuid4().hex[:6]}.json"
        spec.write_text(json.dumps({"file_name": FILE_NAME, "batches": list(batches)}))
        result = subprocess.run(
            [sys.executable, "-c", _SUBMIT_SCRIPT, str(spec)],
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return [int(pk) for pk in json.loads(result.stdout.strip().splitlines()[-1])]

    def query(self, statement: str, *params: object) -> list[tuple[Any, ...]]:
        """Run one read-only statement ("?" placeholders) against the database."""
        if self.is_postgres:
            import psycopg
            from psycopg import sql

            query = sql.SQL(statement.replace("?", "%s"))
            with psycopg.connect(self.url, autocommit=True) as conn:
                return list(conn.execute(query, params).fetchall())
        db = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30)
        try:
            return list(db.execute(statement, params).fetchall())
        finally:
            db.close()

    def scalar(self, statement: str, *params: object) -> Any:
        return self.query(statement, *params)[0][0]

    def writing(self) -> bool:
        """Whether another connection is in a write transaction (a worker mid-chunk)."""
        if self.is_postgres:
            # A transaction gets an id once it locks (FOR UPDATE) or writes a row.
            return bool(
                self.scalar(
                    "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                )
            )
        # The worker's IMMEDIATE transaction holds SQLite's write lock from BEGIN to COMMIT.
        conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()
        return False

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


class DatabaseTemplate:
    """A migrated database, copied for each test (migrating takes several seconds)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.suite_url = _suite_database_url()
        self.suffix = uuid.uuid4().hex[:8]
        self.made: list[str] = []
        if _is_postgres(self.suite_url):
            base = urlsplit(self.suite_url).path.lstrip("/") or "lrs"
            self.prefix = f"{base[:30]}_sub_{self.suffix}"
            self.url = _with_database(self.suite_url, f"{self.prefix}_tpl")
            _pg_admin(self.suite_url, "CREATE DATABASE {}", f"{self.prefix}_tpl")
            self.made.append(f"{self.prefix}_tpl")
        else:
            self.prefix = "sub"
            self.url = f"sqlite:///{workdir / 'template.sqlite3'}"
        self.env = self._env(self.url)
        subprocess.run(
            [sys.executable, "-m", "lrs.cli", "migrate", "-v", "0"],
            env=self.env,
            check=True,
            capture_output=True,
            timeout=180,
        )

    def _env(self, url: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("LRS_", "PYTEST_", "DJANGO_"))
        }
        env.update(
            {
                "DATABASE_URL": url,
                "LRS_DATA_DIR": str(self.workdir),
                "LRS_SECRET_KEY": "test-only-" + self.suffix,
                "LRS_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    @contextmanager
    def copy(self, name: str) -> Iterator[SubprocessDb]:
        workdir = self.workdir / name
        workdir.mkdir()
        if _is_postgres(self.suite_url):
            database = f"{self.prefix}_{name}"
            _pg_admin(
                self.suite_url, "CREATE DATABASE {} TEMPLATE {}", database, f"{self.prefix}_tpl"
            )
            self.made.append(database)
            url = _with_database(self.suite_url, database)
        else:
            path = workdir / "lrs.sqlite3"
            shutil.copyfile(self.url.removeprefix("sqlite:///"), path)
            url = f"sqlite:///{path}"
        db = SubprocessDb(url=url, env=self._env(url), workdir=workdir)
        try:
            yield db
        finally:
            db.stop_all()

    def drop(self) -> None:
        for database in reversed(self.made):
            _pg_admin(self.suite_url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", database)


@contextmanager
def _database_template(workdir: Path) -> Iterator[DatabaseTemplate]:
    template = DatabaseTemplate(workdir)
    try:
        yield template
    finally:
        template.drop()


def _wait_for(
    condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseTemplate]:
    """A migrated database for the test module's subprocesses, copied for each test."""
    with _database_template(tmp_path_factory.mktemp("subprocess-db")) as made:
        yield made


@pytest.fixture
def synthetic_rows() -> SyntheticRows:
    """`synthetic_rows(n, seed=2026)`: rows of `n` unrelated people (a FUL batch registers all)."""
    return _synthetic_rows


@pytest.fixture
def wait_for() -> WaitFor:
    """`wait_for(condition, timeout=..., what=..., every=0.05)`: poll until true, else fail."""
    return _wait_for
