"""`lrs batch submit` and `lrs batch output`: the command line as a batch user."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from lrs.batches import return_codes as rc
from lrs.batches.models import Batch, BatchStatus
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
CSV_NAME = "LRB_10034567_231120260900.CSV"
CSV_TEXT = (
    "FileVersion,FileName,UKPRN,Email\r\n"
    "3A,Autumn intake,10034567,mis@riverside.example.ac.uk\r\n"
    "MISIdentifier,GivenName,FamilyName,DateOfBirth,Gender,LastKnownPostCode,"
    "VerificationType,PrivacyNoticeSeen\r\n"
    "A0001,Megan,Pritchard,2009-04-12,2,CF10 3AT,1,1\r\n"
    "A0002,Dafydd,O'Brien,12/05/2008,1,SA1 1AA,1,1\r\n"
    "A0003,,Nobody,2008-05-12,1,SA1 1AA,1,1\r\n"
)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("batch", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def batch_user(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(college, ["batch"])


@pytest.fixture(autouse=True)
def _in_a_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--wait` writes the output file to the current folder: keep it out of the checkout."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / CSV_NAME
    path.write_text(CSV_TEXT, encoding="utf-8")
    return path


def _table(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def test_lrs_batch_submit_wait_prints_the_totals_and_writes_the_output(
    batch_user: User,
    csv_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`lrs batch submit FILE --user U --wait` with no worker running: it processes the rows.

    (call_command: `lrs.cli.main` runs the same command but closes the test's connection.)
    """
    work = tmp_path / "out"
    work.mkdir()
    monkeypatch.chdir(work)

    printed = run("submit", str(csv_file), "--user", batch_user.username, "--wait")

    batch = Batch.objects.get()
    assert batch.status == BatchStatus.COMPLETE
    assert batch.channel == "cli"
    assert f"Submitted batch {batch.pk}: {CSV_NAME}, 3 learner(s), FUL" in printed
    assert "processing the batch here" in printed
    assert re.search(r"new \(registered\)\s+2\b", printed)
    assert re.search(r"rejected\s+1\b", printed)
    output = work / "LRB_10034567_231120260900_OUTPUT.CSV"
    assert f"Output: {output}" in printed
    table = _table(output)
    assert table[2][0] == "ULN"
    assert [row[-1] for row in table[3:]] == [rc.RC002, rc.RC002, rc.RC011]
    assert Learner.objects.filter(uln=table[3][0], given_name="Megan").exists()


def test_submit_with_a_type_and_an_output_path(
    batch_user: User, csv_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "result.csv"
    printed = run(
        "submit",
        str(csv_file),
        "--user",
        batch_user.username,
        "--type",
        "chk",
        "--wait",
        "--grace",
        "0",
        "--out",
        str(out),
    )
    assert "learner(s), CHK" in printed
    assert re.search(r"not found\s+2\b", printed)
    assert [row[-1] for row in _table(out)[3:]] == [rc.RC005, rc.RC005, rc.RC011]
    assert not Learner.objects.exists()


@pytest.mark.parametrize("slash", ["", "/"])
def test_out_as_an_existing_folder_writes_the_output_inside_it(
    batch_user: User, csv_file: Path, tmp_path: Path, slash: str
) -> None:
    folder = tmp_path / "results"
    folder.mkdir()
    printed = run(
        "submit",
        str(csv_file),
        "--user",
        batch_user.username,
        "--wait",
        "--grace",
        "0",
        "--out",
        f"{folder}{slash}",
    )
    written = folder / "LRB_10034567_231120260900_OUTPUT.CSV"
    assert f"Output: {written}" in printed
    assert _table(written)[3][-1]


def test_out_as_a_folder_that_does_not_exist_is_refused(
    batch_user: User, csv_file: Path, tmp_path: Path
) -> None:
    run("submit", str(csv_file), "--user", batch_user.username, "--wait", "--grace", "0")
    batch = Batch.objects.get()
    with pytest.raises(CommandError, match="no such folder"):
        run("output", str(batch.pk), "--user", batch_user.username, "--out", f"{tmp_path}/no/")


def test_submit_without_wait_leaves_the_batch_queued(batch_user: User, csv_file: Path) -> None:
    printed = run("submit", str(csv_file), "--user", batch_user.username)
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.QUEUED
    assert f"lrs batch output {batch.pk} --user {batch_user.username}" in printed
    with pytest.raises(CommandError, match="not complete yet"):
        run("output", str(batch.pk), "--user", batch_user.username)


def test_lrs_batch_output_writes_the_output_file(
    batch_user: User, csv_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("submit", str(csv_file), "--user", batch_user.username, "--wait", "--grace", "0")
    batch = Batch.objects.get()
    monkeypatch.chdir(tmp_path)

    printed = run("output", str(batch.pk), "--user", batch_user.username)

    default = tmp_path / "LRB_10034567_231120260900_OUTPUT.CSV"
    assert printed.strip() == f"Output: {default}"
    assert _table(default)[0][-2:] == ["JobStartedDateTime", "JobFinishedDateTime"]
    chosen = tmp_path / "again.csv"
    run("output", str(batch.pk), "--user", batch_user.username, "--out", str(chosen))
    assert chosen.read_bytes() == default.read_bytes()
    downloads = AuditEvent.objects.filter(action=AuditAction.BATCH_OUTPUT_DOWNLOADED)
    assert downloads.count() == 3  # --wait, then twice
    assert set(downloads.values_list("channel", flat=True)) == {"cli"}


def test_a_ctf_comes_back_with_ulns_and_an_exceptions_sheet(
    school: Organisation, make_user: Callable[..., User], tmp_path: Path
) -> None:
    user = make_user(school, ["batch"])
    out = tmp_path / "returned.xml"
    printed = run(
        "submit",
        str(FIXTURES / "ctf_v26_caereinion.xml"),
        "--user",
        user.username,
        "--wait",
        "--grace",
        "0",
        "--out",
        str(out),
    )
    assert "8 learner(s), FUL" in printed
    assert re.search(r"skipped\s+1\b", printed)
    assert b"<UniqueLearnerNumber>" in out.read_bytes()
    sheet = tmp_path / "ctf_v26_caereinion_exceptions.xlsx"
    assert f"Exceptions: {sheet}" in printed
    assert openpyxl.load_workbook(sheet).sheetnames == ["Exceptions", "Summary"]


def test_another_organisations_batch_is_not_found(
    batch_user: User,
    csv_file: Path,
    school: Organisation,
    make_user: Callable[..., User],
) -> None:
    run("submit", str(csv_file), "--user", batch_user.username, "--wait", "--grace", "0")
    stranger = make_user(school, ["batch"])
    with pytest.raises(CommandError, match="no such batch"):
        run("output", str(Batch.objects.get().pk), "--user", stranger.username)


def test_the_user_must_exist_and_hold_the_batch_role(
    college: Organisation, make_user: Callable[..., User], csv_file: Path
) -> None:
    with pytest.raises(CommandError, match="No user is called nobody"):
        run("submit", str(csv_file), "--user", "nobody")
    online = make_user(college, ["online"])
    with pytest.raises(CommandError, match="batch role"):
        run("submit", str(csv_file), "--user", online.username)
    with pytest.raises(CommandError, match="--user"):
        run("submit", str(csv_file))
    assert not Batch.objects.exists()


def test_a_bad_file_is_refused_with_the_reason(
    batch_user: User, tmp_path: Path, school: Organisation
) -> None:
    wrong = tmp_path / "LRB_10045678_231120260900.CSV"  # the school's UKPRN, not the college's
    wrong.write_text(CSV_TEXT.replace("10034567", "10045678"), encoding="utf-8")
    with pytest.raises(CommandError, match=r"UKPRN in the file name \(10045678\)"):
        run("submit", str(wrong), "--user", batch_user.username)
    with pytest.raises(CommandError, match="Cannot read"):
        run("submit", str(tmp_path / "missing.CSV"), "--user", batch_user.username)
    assert not Batch.objects.exists()


class TestWaitKnowsWhetherAWorkerIsAlive:
    """Issue 19 item 23: `--wait` knows at once, by the workers' heartbeat, whether a worker
    will take the batch, and never sleeps when none will."""

    def test_with_no_worker_alive_it_processes_at_once_without_sleeping(
        self, batch_user: User, csv_file: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        slept: list[float] = []
        monkeypatch.setattr("time.sleep", slept.append)
        printed = run("submit", str(csv_file), "--user", batch_user.username, "--wait")
        assert Batch.objects.get().status == BatchStatus.COMPLETE
        assert "No worker is running: processing the batch here." in printed
        assert slept == []

    def test_a_worker_loop_beats_and_forgets_its_heartbeat(self) -> None:
        import threading

        from lrs.batches.selectors import worker_alive
        from lrs.batches.worker import run_worker

        assert not worker_alive()
        stop = threading.Event()
        seen: list[bool] = []
        wake = threading.Event()

        def look_then_stop(timeout: float | None = None) -> bool:
            seen.append(worker_alive())
            stop.set()
            return True

        wake.wait = look_then_stop  # type: ignore[method-assign]
        run_worker(stop=stop, wake=wake, poll_seconds=0.01)
        assert seen == [True]
        assert not worker_alive()  # a stopped worker removed its heartbeat

    def test_an_old_heartbeat_is_not_a_live_worker(self) -> None:
        import datetime

        from django.utils import timezone

        from lrs.batches.models import HEARTBEAT_ALIVE_SECONDS, WorkerHeartbeat
        from lrs.batches.selectors import worker_alive

        old = timezone.now() - datetime.timedelta(seconds=HEARTBEAT_ALIVE_SECONDS + 1)
        WorkerHeartbeat.objects.create(name="gone:1:1", seen_at=old)
        assert not worker_alive()
        WorkerHeartbeat.objects.create(name="here:2:2", seen_at=timezone.now())
        assert worker_alive()

    def test_with_a_live_worker_it_waits_for_the_worker(
        self, batch_user: User, csv_file: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from django.utils import timezone

        from lrs.batches.models import WorkerHeartbeat
        from lrs.batches.services import process_until_done

        WorkerHeartbeat.objects.create(name="here:2:2", seen_at=timezone.now())
        slept: list[float] = []

        def worker_runs_meanwhile(seconds: float) -> None:
            slept.append(seconds)
            process_until_done(batch_id=Batch.objects.get().pk)

        monkeypatch.setattr("time.sleep", worker_runs_meanwhile)
        printed = run("submit", str(csv_file), "--user", batch_user.username, "--wait")
        assert Batch.objects.get().status == BatchStatus.COMPLETE
        assert "processing" not in printed.split("Submitted", 1)[1].split("complete")[0].lower()
        assert slept == [0.2]

    def test_the_command_skips_the_web_layers_system_checks(self) -> None:
        """They import the API and the portal, which the command never uses (`lrs check`)."""
        from lrs.batches.management.commands.batch import Command

        assert Command.requires_system_checks == []
