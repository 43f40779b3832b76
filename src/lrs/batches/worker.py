"""Batch workers: the polling loop (`lrs worker`, the embedded thread) and the RQ job.

All state is in the database (docs/adr/0004-batch-processing.md). A worker takes a chunk of
pending rows and commits their results, learners and audit rows in one transaction
(`services.process_pending_rows`), so killing a worker at any moment loses nothing and repeats
nothing: the chunk it was on is still pending, and the next worker takes it. On PostgreSQL the
rows are claimed with SKIP LOCKED, so any number of workers share the work; on SQLite one
writer at a time holds the database (IMMEDIATE transactions), which is all the embedded
default needs.
"""

from __future__ import annotations

import datetime
import gc
import logging
import math
import threading
import time
from dataclasses import dataclass

from django.contrib.sessions.backends.db import SessionStore
from django.db import close_old_connections, connections
from django.db.models import Count, Q
from django.utils import timezone

from lrs.batches import queue as batch_queue
from lrs.batches.models import HEARTBEAT_SECONDS, Batch, BatchRow, BatchStatus, RowState
from lrs.batches.queue import CHUNK_SIZE
from lrs.batches.services import (
    complete_finished_batches,
    expire_exceptions,
    heartbeat,
    process_pending_rows,
)
from lrs.challenges.duplicates import run_next_queued_duplicates
from lrs.challenges.model_fits import run_next_queued_fit
from lrs.core import metrics
from lrs.core.partitions import ensure_audit_partitions

logger = logging.getLogger(__name__)

# Open exceptions past their 45 days are closed this often by every polling worker.
EXPIRY_INTERVAL_SECONDS = 10 * 60
# After an unexpected error (the database restarting, say) a worker waits this long.
ERROR_BACKOFF_SECONDS = 5.0


# The cyclic garbage collector's first-generation threshold while batch work runs. At the
# default (700 allocations) it ran thousands of times a chunk, each pass also walking the
# survivors of earlier ones; a batch row allocates a few thousand short-lived objects, freed
# by reference counting anyway. Objects alive when a worker starts (Django, the settings, the
# nickname tables) are moved out of the collector's sight with `gc.freeze`.
GC_THRESHOLD = 50_000


def _tune_garbage_collector() -> None:
    """Collect less often during batch work (see GC_THRESHOLD); idempotent, process-wide."""
    first, *older = gc.get_threshold()
    if first < GC_THRESHOLD:
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_THRESHOLD, *older)


def _release_connections() -> None:
    """Close this thread's database connections unless a transaction holds them (a test's).

    A long-lived worker must not keep a connection the database has dropped, nor one opened
    before a fork.
    """
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


def log_progress(since: datetime.datetime) -> None:
    """Log rows done / total for the batches processed since `since`."""
    batches = (
        Batch.objects.filter(Q(status=BatchStatus.PROCESSING) | Q(finished_at__gte=since))
        .annotate(done=Count("rows", filter=Q(rows__state=RowState.DONE)))
        .values_list("pk", "done", "row_count", "status")
        .order_by("pk")
    )
    for pk, done, total, status in batches:
        logger.info("batch %s: %d/%d rows done (%s)", pk, done, total, status)


# --- The polling loop ---------------------------------------------------------------------------


def run_worker(
    *,
    stop: threading.Event,
    poll_seconds: float = 1.0,
    chunk: int = CHUNK_SIZE,
    burst: bool = False,
    wake: threading.Event | None = None,
) -> int:
    """Process pending rows of any batch until `stop` is set (or, with `burst`, none are left).

    Rows of every batch are taken oldest batch first, so rows a dead worker left pending are
    found by whichever worker runs next. When idle the loop waits `poll_seconds` for `wake`
    (set by `queue.enqueue_batch` in this process; `stop` wakes it too when set through
    `request_stop`). A chunk in progress is always finished before the loop looks at `stop`.
    Returns the number of rows processed.
    """
    wake = wake if wake is not None else batch_queue.work_available
    _tune_garbage_collector()
    total = 0
    next_expiry = time.monotonic()
    # The heartbeat says this worker is alive (`selectors.worker_alive`): written on starting
    # and every HEARTBEAT_SECONDS, idle or busy; a burst run is over too soon to need one.
    name = heartbeat.worker_name()
    next_beat = time.monotonic()
    logger.info("worker started (chunk %d, poll %.1fs)", chunk, poll_seconds)
    processed = 0
    while not stop.is_set():
        if not processed:
            # Between batches, not between chunks: a new connection starts with a cold page
            # cache (on SQLite, the memory map too), which cost a third of a chunk's time.
            _release_connections()
        try:
            if not burst and time.monotonic() >= next_beat:
                heartbeat.beat(name)
                next_beat = time.monotonic() + HEARTBEAT_SECONDS
            if time.monotonic() >= next_expiry:
                expired = expire_exceptions()
                if expired:
                    logger.info("%d batch exception(s) expired", expired)
                repaired = complete_finished_batches()
                if repaired:
                    logger.info("%d finished batch(es) marked complete", repaired)
                # Ended sessions hold searched learner details until they are deleted.
                SessionStore.clear_expired()
                # PostgreSQL: next months' audit partitions exist before rows arrive.
                ensure_audit_partitions()
                next_expiry = time.monotonic() + EXPIRY_INTERVAL_SECONDS
            # Cleared before looking, so a wake-up that arrives while we look is not lost.
            wake.clear()
            started = timezone.now()
            processed = process_pending_rows(limit=chunk)
            metrics.count_batch_rows(processed)
            if processed:
                total += processed
                log_progress(started)
            elif not burst and (run_next_queued_duplicates() or run_next_queued_fit()):
                # The service desk's duplicate finder, then a fit of the matching model, when
                # no batch is waiting (batches first: a school's file should not wait behind
                # a scan of the register).
                continue
        except Exception:
            # The loop must outlive a database restart; the chunk rolled back, nothing is lost.
            logger.exception("batch worker: processing failed; trying again shortly")
            _release_connections()
            if burst:
                raise
            stop.wait(ERROR_BACKOFF_SECONDS)
            continue
        if processed:
            # No pause for the web requests' writes on SQLite: a chunk searches before it
            # takes the write lock (`services.processing._search_ahead`), which leaves them room.
            continue
        if burst:
            break
        elif not stop.is_set():  # a stop request may have come with a wake-up just cleared
            wake.wait(min(poll_seconds, HEARTBEAT_SECONDS))
    if not burst:
        _forget(name)
    _release_connections()
    logger.info("worker stopped after %d row(s)", total)
    return total


def _forget(name: str) -> None:
    try:
        heartbeat.forget(name)
    except Exception:  # stopping anyway: the row just grows old
        logger.exception("batch worker: could not remove its heartbeat")


def request_stop(stop: threading.Event, wake: threading.Event | None = None) -> None:
    """Ask a running loop to stop after its current chunk, waking it if it is idle."""
    stop.set()
    (wake if wake is not None else batch_queue.work_available).set()


# --- The embedded worker (a thread of the web process) -------------------------------------------


@dataclass
class _Embedded:
    thread: threading.Thread
    stop: threading.Event


_embedded: _Embedded | None = None
_embedded_lock = threading.Lock()


def start_embedded_worker(
    *, poll_seconds: float = 1.0, chunk: int | None = None
) -> threading.Thread:
    """Start this process's worker thread, or return the one already running.

    A daemon thread: when the process exits mid-chunk, the chunk's transaction is never
    committed and its rows stay pending for the next start.
    """
    global _embedded
    with _embedded_lock:
        if _embedded is not None and _embedded.thread.is_alive():
            return _embedded.thread
        stop = threading.Event()
        thread = threading.Thread(
            target=run_worker,
            kwargs={
                "stop": stop,
                "poll_seconds": poll_seconds,
                "chunk": chunk or batch_queue.batch_chunk(),
            },
            name="lrs-batch-worker",
            daemon=True,
        )
        _embedded = _Embedded(thread=thread, stop=stop)
        thread.start()
        return thread


def stop_embedded_worker(*, timeout: float | None = 30.0) -> bool:
    """Stop the worker thread after its current chunk; True when it has stopped."""
    global _embedded
    with _embedded_lock:
        embedded, _embedded = _embedded, None
    if embedded is None:
        return True
    request_stop(embedded.stop)
    embedded.thread.join(timeout)
    return not embedded.thread.is_alive()


# --- The RQ job -----------------------------------------------------------------------------------


def drain_batch(batch_id: int, *, chunk: int = CHUNK_SIZE, max_seconds: float | None = None) -> int:
    """RQ job: process the batch's pending rows, sharing them with the batch's other jobs.

    Works for about `max_seconds` (`LRS_RQ_SLICE_SECONDS`, default 60) and then, if rows are
    left, queues a job to go on, so a worker's warm shutdown waits for one slice at most.
    Returns the number of rows this job processed.
    """
    from rq import get_current_job

    job = get_current_job()
    who = (job.worker_name if job is not None else None) or "in-process"
    limit = max_seconds if max_seconds is not None else batch_queue.slice_seconds()
    deadline = time.monotonic() + (limit if limit > 0 else math.inf)
    _tune_garbage_collector()
    _release_connections()
    total = 0
    try:
        while time.monotonic() < deadline:
            started = timezone.now()
            processed = process_pending_rows(batch_id=batch_id, limit=chunk)
            metrics.count_batch_rows(processed)
            if not processed:
                break
            total += processed
            logger.info("batch %s: %d row(s) processed by %s", batch_id, processed, who)
            log_progress(started)
        else:
            # Out of time with rows left: a fresh job goes on (this worker or another).
            if BatchRow.objects.filter(batch_id=batch_id, state=RowState.PENDING).exists():
                batch_queue.enqueue_drain_jobs(batch_id, chunk=chunk)
    finally:
        _release_connections()
    logger.info("batch %s: job done, %d row(s) processed by %s", batch_id, total, who)
    return total
