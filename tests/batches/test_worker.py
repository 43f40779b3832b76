"""Batch workers: the embedded thread, `lrs worker` (polling, burst, SIGTERM) and RQ workers.

Tests that run the real `lrs` command in subprocesses give it a database of its own (a SQLite
file, or a PostgreSQL database named after the suite's with a unique suffix, dropped after),
as tests/e2e/test_served_api.py does.
"""

from __future__ import annotations

import os
import re
import signal
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from io import StringIO
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import call_command
from django.db import transaction

from lrs.batches import queue
from lrs.batches import return_codes as rc
from lrs.batches.models import Batch, BatchStatus, RowState
from lrs.batches.services import ParsedBatch, submit_batch
from lrs.batches.worker import start_embedded_worker, stop_embedded_worker
from lrs.core.actor import Actor, Channel
from lrs.learners.details import LearnerDetails
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User

if TYPE_CHECKING:
    from tests.batches.conftest import (
        DatabaseTemplate,
        SubprocessDb,
        SyntheticRows,
        WaitFor,
    )

FILE_NAME = "LRB_10034567_231120260900.CSV"


# --- In-process: the embedded worker and `lrs worker --burst` ----------------------------------


def _row(mis: str, given: str, family: str, postcode: str) -> dict[str, str]:
    return {
        "MISIdentifier": mis,
        "GivenName": given,
        "FamilyName": family,
        "DateOfBirth": "2008-09-30",
        "Gender": "1",
        "LastKnownPostCode": postcode,
        "VerificationType": "1",
        "PrivacyNoticeSeen": "1",
    }


def _submit(actor: Actor, rows: list[dict[str, str]], *, enqueue: bool = True) -> Batch:
    """Submit as the portal and the API do: the batch and its queueing in one transaction."""
    with transaction.atomic():
        batch = submit_batch(
            actor=actor,
            parsed=ParsedBatch(
                file_name=FILE_NAME, file_format="csv", submission_type="FUL", rows=rows
            ),
        )
        if enqueue:
            queue.enqueue_batch(batch.pk)
    return batch


@pytest.fixture
def _embedded_worker_stopped() -> Iterator[None]:
    stop_embedded_worker()
    yield
    assert stop_embedded_worker(timeout=30), "the worker thread did not stop"


def _status(batch: Batch) -> str:
    batch.refresh_from_db()
    return batch.status


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_embedded_worker_stopped")
def test_the_embedded_worker_processes_a_submitted_batch_then_stops(
    batch_actor: Actor, wait_for: WaitFor
) -> None:
    # It polls only every 60 s: finishing sooner shows the submission woke it on commit.
    thread = start_embedded_worker(poll_seconds=60, chunk=2)
    assert start_embedded_worker() is thread, "one worker thread per process"
    time.sleep(0.3)  # let it find nothing and go idle
    people = [
        _row("A1", "Rhodri", "Bevan", "LL57 2DG"),
        _row("A2", "Ffion", "Tudor", "SA1 1AA"),
        _row("A3", "Owain", "Pryce", "CF10 3AT"),
        _row("A4", "Nia", "Gwyn", "NP20 1AA"),
        _row("A5", "Iolo", "Rees", "SY23 1AA"),
    ]
    batch = _submit(batch_actor, people)
    wait_for(lambda: _status(batch) == BatchStatus.COMPLETE, timeout=20, what="the batch")

    assert sorted(batch.rows.values_list("return_code", flat=True)) == [rc.RC002] * 5
    assert Learner.objects.count() == 5
    assert stop_embedded_worker(timeout=30)
    assert not thread.is_alive()
    assert start_embedded_worker(poll_seconds=60) is not thread, "a stopped worker can restart"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_embedded_worker_stopped")
def test_a_portal_registration_gets_its_turn_while_a_batch_runs(
    batch_actor: Actor,
    college: Organisation,
    make_user: Callable[..., User],
    details: Callable[..., LearnerDetails],
    synthetic_rows: SyntheticRows,
    wait_for: WaitFor,
) -> None:
    """On SQLite the worker and the web requests share one write lock: they take turns."""
    from lrs.learners.services import register_learner

    online = Actor(user=make_user(college, ["online"]), channel=Channel.PORTAL)
    batch = _submit(batch_actor, synthetic_rows(400), enqueue=False)
    start_embedded_worker(poll_seconds=0.1, chunk=20)
    wait_for(lambda: batch.rows.filter(state=RowState.DONE).exists(), timeout=20, what="a chunk")
    started = time.perf_counter()
    result = register_learner(
        details=details(given_name="Gwenllian", family_name="Zephaniah"),
        actor=online,
        confirm_not_possible_match=True,
    )
    waited = time.perf_counter() - started
    assert result.learner is not None
    assert _status(batch) != BatchStatus.COMPLETE, "the batch was still running meanwhile"
    assert waited < 5, f"the registration waited {waited:.1f} s for the batch"
    wait_for(lambda: _status(batch) == BatchStatus.COMPLETE, timeout=120, what="the batch")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_embedded_worker_stopped")
def test_the_embedded_worker_finds_rows_nobody_queued(
    batch_actor: Actor, wait_for: WaitFor
) -> None:
    """Rows left pending (by a dead worker, or another process's submission) are polled for."""
    batch = _submit(batch_actor, [_row("A1", "Rhodri", "Bevan", "LL57 2DG")], enqueue=False)
    queue.work_available.clear()
    start_embedded_worker(poll_seconds=0.2)
    wait_for(lambda: _status(batch) == BatchStatus.COMPLETE, timeout=20, what="the batch")
    assert batch.rows.get().return_code == rc.RC002


@pytest.mark.django_db
def test_a_rolled_back_submission_wakes_no_worker(
    django_capture_on_commit_callbacks: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_QUEUE", "embedded")
    queue.work_available.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                queue.enqueue_batch(1)
                raise RuntimeError("the submission failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not queue.work_available.is_set()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue.enqueue_batch(1)
    assert len(callbacks) == 1
    assert queue.work_available.is_set()
    queue.work_available.clear()


@pytest.mark.django_db(transaction=True)
def test_lrs_worker_burst_processes_every_batch_and_exits(batch_actor: Actor) -> None:
    first = _submit(
        batch_actor,
        [_row(f"A{i}", n, "Bevan", "LL57 2DG") for i, n in enumerate(["Rhodri", "Ffion", "Owain"])],
        enqueue=False,
    )
    second = _submit(batch_actor, [_row("B1", "Nia", "Gwyn", "NP20 1AA")], enqueue=False)
    out = StringIO()
    call_command("worker", "--burst", "--chunk", "2", stdout=out)
    assert "Processed 4 batch row(s)." in out.getvalue()
    for batch in (first, second):
        assert _status(batch) == BatchStatus.COMPLETE
        assert not batch.rows.exclude(state=RowState.DONE).exists()
        assert not batch.rows.filter(return_code="").exists()


def test_a_second_stop_signal_stops_the_worker_at_once() -> None:
    from lrs.batches.management.commands.worker import _graceful_stop

    before = signal.getsignal(signal.SIGTERM)
    stop, wake = threading.Event(), threading.Event()
    with _graceful_stop(stop, wake):
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop.is_set(), "the first asks for a stop after the current chunk"
        assert wake.is_set(), "and wakes an idle worker"
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGTERM) is before


def test_queue_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setenv("LRS_QUEUE", "celery")
    with pytest.raises(ImproperlyConfigured):
        queue.queue_backend()
    monkeypatch.setenv("LRS_QUEUE", "RQ")
    assert queue.queue_backend() is queue.QueueBackend.RQ
    monkeypatch.delenv("LRS_QUEUE")
    assert queue.queue_backend() is queue.QueueBackend.EMBEDDED
    monkeypatch.setenv("LRS_BATCH_PARALLELISM", "0")
    with pytest.raises(ImproperlyConfigured):
        queue.batch_parallelism()


# --- Subprocesses: SIGTERM, and RQ workers sharing one batch -----------------------------------


def _counts(db: SubprocessDb, batch_id: int) -> tuple[int, int]:
    """(rows done, rows in the batch)."""
    done, total = db.query(
        "SELECT SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), COUNT(*) "
        "FROM batches_batchrow WHERE batch_id = ?",
        batch_id,
    )[0]
    return int(done or 0), int(total)


def _assert_finished_once(db: SubprocessDb, batch_id: int, n: int) -> None:
    assert db.scalar("SELECT status FROM batches_batch WHERE id = ?", batch_id) == "complete"
    assert _counts(db, batch_id) == (n, n)
    codes = db.query(
        "SELECT return_code, COUNT(*) FROM batches_batchrow WHERE batch_id = ? "
        "GROUP BY return_code",
        batch_id,
    )
    assert codes == [(rc.RC002, n)]
    assert db.scalar("SELECT COUNT(*) FROM learners_learner") == n
    assert db.scalar("SELECT COUNT(DISTINCT uln) FROM learners_learner") == n
    row_ulns = "SELECT COUNT(DISTINCT uln) FROM batches_batchrow WHERE batch_id = ?"
    assert db.scalar(row_ulns, batch_id) == n


@pytest.mark.slow
def test_sigterm_stops_lrs_worker_after_its_current_chunk(
    template: DatabaseTemplate, synthetic_rows: SyntheticRows, wait_for: WaitFor
) -> None:
    with template.copy("sigterm") as db:
        (batch_id,) = db.submit(synthetic_rows(200))
        worker = db.start_lrs("worker", "--chunk", "4", "--poll", "0.2", log_name="worker.log")
        wait_for(lambda: _counts(db, batch_id)[0] >= 12, timeout=60, what="the first chunks")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, db.log("worker.log")
        done, total = _counts(db, batch_id)
        assert 0 < done < total, "stopped part-way"
        reported = re.search(r"Processed (\d+) batch row", db.log("worker.log"))
        assert reported is not None, db.log("worker.log")
        assert int(reported.group(1)) == done, "every chunk it began was committed"
        # The rest is processed by the next worker.
        db.lrs("worker", "--burst", "--chunk", "50")
        _assert_finished_once(db, batch_id, total)


def _purge_rq_queue(connection: Any, name: str) -> None:
    """Delete a test queue, its registries, jobs and results from the shared Redis."""
    from rq import Queue
    from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

    rq_queue = Queue(name, connection=connection)
    job_ids = set(rq_queue.get_job_ids())
    for registry in (FinishedJobRegistry, FailedJobRegistry, StartedJobRegistry):
        job_ids.update(registry(queue=rq_queue).get_job_ids())
    for pattern in [f"rq:*{job_id}*" for job_id in job_ids] + [f"rq:*{name}*"]:
        for key in connection.scan_iter(pattern):
            connection.delete(key)
    connection.srem("rq:queues", f"rq:queue:{name}")


@pytest.fixture
def redis_url() -> str:
    """The local Redis (LRS_REDIS_URL); skipped when unreachable unless LRS_REDIS_REQUIRED=1."""
    from redis import Redis
    from redis.exceptions import RedisError

    url = os.environ.get("LRS_REDIS_URL", queue.DEFAULT_REDIS_URL)
    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except RedisError as exc:
        message = f"RQ tests need Redis at {url} (LRS_REDIS_URL): {exc}"
        if os.environ.get("LRS_REDIS_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return url


@pytest.mark.slow
def test_two_rq_workers_share_one_batch(
    template: DatabaseTemplate, redis_url: str, synthetic_rows: SyntheticRows
) -> None:
    from redis import Redis
    from rq import Queue

    queue_name = f"lrs-batches-test-{uuid.uuid4().hex[:8]}"
    rq_env = {
        "LRS_QUEUE": "rq",
        "LRS_REDIS_URL": redis_url,
        "LRS_RQ_QUEUE": queue_name,
        "LRS_BATCH_PARALLELISM": "2",
        "LRS_BATCH_CHUNK": "5",
    }
    connection = Redis.from_url(redis_url)
    rq_queue = Queue(queue_name, connection=connection)
    try:
        with template.copy("rq") as db:
            (batch_id,) = db.submit(synthetic_rows(300), **rq_env)
            assert rq_queue.count == 2, "LRS_BATCH_PARALLELISM jobs queued on commit"
            workers = [
                db.start_lrs(
                    "worker",
                    "--rq",
                    "--burst",
                    "--name",
                    f"{queue_name}-{name}",
                    log_name=f"{name}.log",
                    **rq_env,
                )
                for name in ("a", "b")
            ]
            for worker, name in zip(workers, ("a", "b"), strict=True):
                assert worker.wait(timeout=120) == 0, db.log(f"{name}.log")
            _assert_finished_once(db, batch_id, 300)
            by_worker = {
                name: sum(
                    int(n)
                    for n in re.findall(
                        r"batch \d+: (\d+) row\(s\) processed by", db.log(f"{name}.log")
                    )
                )
                for name in ("a", "b")
            }
            print(f"rows processed by each RQ worker: {by_worker}")
            assert sum(by_worker.values()) == 300, by_worker
            if db.is_postgres:
                # SKIP LOCKED: both workers took rows of the one batch at the same time.
                assert all(by_worker.values()), by_worker
    finally:
        _purge_rq_queue(connection, queue_name)


def test_an_rq_job_out_of_time_hands_over_to_a_new_job(
    batch_actor: Actor, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lrs.batches.worker import drain_batch

    queue_name = f"lrs-batches-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("LRS_REDIS_URL", redis_url)
    monkeypatch.setenv("LRS_RQ_QUEUE", queue_name)
    rq_queue = queue.rq_queue()
    try:
        batch = _submit(batch_actor, [_row("A1", "Rhodri", "Bevan", "LL57 2DG")], enqueue=False)
        assert drain_batch(batch.pk, chunk=1, max_seconds=1e-9) == 0
        (job,) = rq_queue.get_jobs()
        assert (job.func_name, job.kwargs) == (
            queue.DRAIN_FUNCTION,
            {"batch_id": batch.pk, "chunk": 1},
        )
        assert drain_batch(batch.pk, chunk=1, max_seconds=60) == 1
        assert _status(batch) == BatchStatus.COMPLETE
        assert rq_queue.count == 1, "a job that finished its batch queues nothing"
    finally:
        _purge_rq_queue(rq_queue.connection, queue_name)


@pytest.mark.django_db
def test_the_worker_deletes_ended_sessions() -> None:
    """Sessions hold searched learner details; once ended they are deleted, not kept."""
    import datetime

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from lrs.batches.worker import run_worker

    Session.objects.create(
        session_key="ended",
        session_data="x",
        expire_date=timezone.now() - datetime.timedelta(minutes=1),
    )
    Session.objects.create(
        session_key="live",
        session_data="x",
        expire_date=timezone.now() + datetime.timedelta(minutes=20),
    )
    run_worker(stop=threading.Event(), poll_seconds=0.1, burst=True)
    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]


def test_a_batch_whose_jobs_were_lost_is_queued_again(
    batch_actor: Actor, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Submitted while Redis was down, say: the rows are pending, no job names the batch.
    monkeypatch.setenv("LRS_QUEUE", "rq")
    monkeypatch.setenv("LRS_REDIS_URL", redis_url)
    monkeypatch.setenv("LRS_RQ_QUEUE", f"lrs-worker-test-{uuid.uuid4().hex[:8]}")
    rq_queue = queue.rq_queue()
    try:
        batch = _submit(batch_actor, [_row("1", "Alys", "Pritchard", "CF10 3AT")], enqueue=False)
        assert rq_queue.count == 0

        assert queue.enqueue_pending_batches(queue=rq_queue) == [batch.pk]
        assert rq_queue.count == queue.batch_parallelism()
        assert {job.kwargs["batch_id"] for job in rq_queue.jobs} == {batch.pk}
        assert queue.enqueue_pending_batches(queue=rq_queue) == [], "its jobs are queued now"
    finally:
        _purge_rq_queue(rq_queue.connection, rq_queue.name)
