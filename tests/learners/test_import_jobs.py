"""`import_learners` with worker processes (`jobs`) loads exactly what one process loads."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from lrs.core.actor import Actor, Channel
from lrs.core.models import AuditEvent
from lrs.learners import imports
from lrs.learners.imports import ImportReport, import_learners
from lrs.learners.models import KnownLearner, Learner, LearnerMatchKey
from lrs.organisations.services import service_desk_system_actor
from lrs.synthetic import generate_register, write_register_csv

pytestmark = pytest.mark.django_db


def _rows(count: int, *, seed: int) -> list[dict[str, str]]:
    buffer = io.StringIO()
    write_register_csv(generate_register(count, seed=seed), buffer)
    buffer.seek(0)
    return [dict(row) for row in csv.DictReader(buffer)]


def _planted_file() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """A file with every kind of rejection, spread over many blocks and flushes, and the rows
    put on the register before it is loaded."""
    rows = _rows(150, seed=7)
    spare = _rows(160, seed=8)[150:]  # learners whose ULNs the file does not hold
    # On the register before the load: six rows of the file and a learner it does not hold.
    already = [*rows[40:46], spare[2]]
    rows[3]["ULN"] = "123"  # not a ULN
    rows[9]["LastKnownPostCode"] = "NOT A POSTCODE"
    rows[17]["GivenName"] = "Test"  # a placeholder name
    rows[25]["DateOfBirth"] = "2009-02-30"
    rows[33]["Gender"] = "7"
    # The same ULN again, many blocks later, with other details.
    rows[120]["ULN"] = rows[5]["ULN"]
    # The same key information as an earlier row, under another ULN.
    rows[131] = {**rows[12], "ULN": spare[0]["ULN"]}
    # The key information of a learner already on the register, under another ULN.
    rows[140] = {**spare[2], "ULN": spare[1]["ULN"]}
    # A duplicate of a bad row: only the first counts as "more than once" if it were valid.
    rows[141] = {**rows[3]}
    return rows, already


def _snapshot(report: ImportReport) -> dict[str, Any]:
    uln_of = dict(Learner.objects.values_list("id", "uln"))
    learner_fields = [
        field.name
        for field in Learner._meta.concrete_fields
        if field.name not in {"id", "created_at", "updated_at"}
    ]
    return {
        "learners": sorted(Learner.objects.values_list(*learner_fields)),
        "keys": sorted(
            (uln_of[learner_id], key)
            for learner_id, key in LearnerMatchKey.objects.values_list("learner_id", "key")
        ),
        "audit": sorted(
            (uln_of.get(row[0] or 0, ""), *row[1:])
            for row in AuditEvent.objects.values_list(
                "learner_id", "action", "organisation_id", "user_id", "channel", "version_number"
            )
        ),
        "known": sorted(
            (uln_of[learner_id], organisation_id, how)
            for learner_id, organisation_id, how in KnownLearner.objects.values_list(
                "learner_id", "organisation_id", "how"
            )
        ),
        "loaded": report.loaded,
        "rejected": report.rejected,
        "rejections": [(r.row_number, r.uln, r.errors) for r in report.rejections],
    }


def _load_and_undo(rows: list[dict[str, str]], actor: Actor, jobs: int) -> dict[str, Any]:
    """Load the rows, note what the register holds, and roll the load back."""
    progress: list[tuple[int, int]] = []
    with transaction.atomic():
        report = import_learners(
            rows=iter(rows), actor=actor, jobs=jobs, progress=lambda *p: progress.append(p)
        )
        snapshot = _snapshot(report)
        snapshot["progress"] = progress
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Small blocks and chunks, so 150 rows cross many of each (the work is the same per row).
    monkeypatch.setattr(imports, "ROWS_PER_TASK", 7)
    monkeypatch.setattr(imports, "CHUNK_SIZE", 20)


@pytest.mark.usefixtures("small_blocks")
def test_worker_processes_load_exactly_what_one_process_loads():
    actor = service_desk_system_actor(channel=Channel.CLI)
    rows, already = _planted_file()
    import_learners(rows=already, actor=actor)

    one = _load_and_undo(rows, actor, jobs=1)
    three = _load_and_undo(rows, actor, jobs=3)

    assert three == one
    reasons = {number: errors for number, _uln, errors in one["rejections"]}
    # Row numbers count the header as row 1.
    assert set(reasons[5]) == {"uln"}
    assert set(reasons[11]) == {"last_known_postcode"}
    assert set(reasons[19]) == {"given_name"}
    assert set(reasons[27]) == {"date_of_birth"}
    assert set(reasons[35]) == {"gender"}
    assert reasons[122] == {"uln": ["This ULN appears more than once in the file."]}
    assert reasons[133] == {"identity": ["Key information identical to an earlier row."]}
    assert reasons[142] == {"identity": ["Key information identical to a registered learner."]}
    for number in range(42, 48):
        assert reasons[number] == {"uln": ["ULN already on the register."]}
    assert one["loaded"] == 150 - 15
    assert one["rejected"] == 15
    assert one["progress"][-1] == (135, 15)
    assert len(one["keys"]) > 4 * one["loaded"]


def test_the_command_takes_a_number_of_jobs(tmp_path: Path):
    csv_file = tmp_path / "learners.csv"
    with csv_file.open("w", newline="", encoding="utf-8") as fh:
        write_register_csv(generate_register(60, seed=3), fh)
    out = io.StringIO()
    call_command("import_learners", str(csv_file), "--jobs", "2", "--quiet", stdout=out)
    assert "Loaded 60 learners, rejected 0" in out.getvalue()
    assert Learner.objects.count() == 60
    assert LearnerMatchKey.objects.values("learner_id").distinct().count() == 60


def test_workers_do_not_inherit_a_sigterm_handler_that_would_keep_them_alive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A process that set a graceful-stop handler (a worker loop run in-process, as the test
    # suite does) forked workers that ignored the pool's SIGTERM at the end of the load, and
    # the import waited for them forever. The load now ends, and the handler is the caller's.
    import signal

    def graceful(signum: int, frame: Any) -> None:  # pragma: no cover - must not be called
        raise AssertionError("the parent's handler ran")

    waited_too_long: list[bool] = []

    def too_long(signum: int, frame: Any) -> None:  # pragma: no cover - the defect
        waited_too_long.append(True)
        raise TimeoutError("the import waited for its workers")

    previous = signal.signal(signal.SIGTERM, graceful)
    previous_alarm = signal.signal(signal.SIGALRM, too_long)
    monkeypatch.setattr(imports, "ROWS_PER_TASK", 5)
    signal.alarm(60)
    try:
        report = import_learners(
            rows=_rows(30, seed=3),
            actor=service_desk_system_actor(channel=Channel.CLI),
            jobs=2,
        )
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous_alarm)
        handler = signal.signal(signal.SIGTERM, previous)
    assert not waited_too_long, "the import waited a minute for workers that would not stop"
    assert report.loaded == 30
    assert handler is graceful
