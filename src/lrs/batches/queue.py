"""The one place that schedules batch work (docs/adr/0004-batch-processing.md).

The one upload path (`services.submit.submit_upload`) calls `enqueue_batch(batch.pk)` inside
the transaction that stores the batch; `transaction.on_commit` schedules the work only once
that transaction commits, so a worker never looks for rows that are not there yet, and a
rolled-back submission schedules nothing.

The backend is chosen by `LRS_QUEUE` (a Django setting, else the environment):

- `embedded` (the default): wake the worker thread of this process (`lrs serve`, `lrs demo`);
  every worker also polls the database, so a batch submitted by another process is found too.
- `rq`: put `LRS_BATCH_PARALLELISM` jobs `lrs.batches.worker.drain_batch` on the RQ queue
  `LRS_RQ_QUEUE` (default "lrs-batches") in Redis at `LRS_REDIS_URL`; that many RQ workers
  (`lrs worker --rq`) then share the batch's rows.

Only the batch id travels: the rows and their state stay in the database, so losing a job (or
Redis) loses no work; `lrs worker` or `lrs worker --rq` (at start) picks pending rows up again.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
from functools import partial
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

logger = logging.getLogger(__name__)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_RQ_QUEUE = "lrs-batches"
DEFAULT_PARALLELISM = 2
# Rows a worker processes in one transaction, unless LRS_BATCH_CHUNK says otherwise.
CHUNK_SIZE = 100
# An RQ job works on its batch for about this long, then hands over to a fresh job, so that a
# warm shutdown waits at most this long and no job comes near RQ's job timeout.
DEFAULT_SLICE_SECONDS = 60
JOB_TIMEOUT_SECONDS = 15 * 60
JOB_RETRIES = 3
DRAIN_FUNCTION = "lrs.batches.worker.drain_batch"

# Set when there may be work: the embedded worker waits on it between polls.
work_available = threading.Event()


class QueueBackend(enum.StrEnum):
    EMBEDDED = "embedded"
    RQ = "rq"


def _setting(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, "")
    return str(value).strip() or default


def _int_setting(name: str, default: int) -> int:
    raw = _setting(name, str(default))
    try:
        value = int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from exc
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1, not {value}.")
    return value


def queue_backend() -> QueueBackend:
    raw = _setting("LRS_QUEUE", QueueBackend.EMBEDDED).lower()
    try:
        return QueueBackend(raw)
    except ValueError as exc:
        choices = ", ".join(backend.value for backend in QueueBackend)
        raise ImproperlyConfigured(f"LRS_QUEUE must be one of {choices}, not {raw!r}.") from exc


def batch_chunk() -> int:
    """Rows per transaction (`LRS_BATCH_CHUNK`, default 100)."""
    return _int_setting("LRS_BATCH_CHUNK", CHUNK_SIZE)


def batch_parallelism() -> int:
    """How many RQ jobs (so RQ workers) share one batch (`LRS_BATCH_PARALLELISM`, default 2)."""
    return _int_setting("LRS_BATCH_PARALLELISM", DEFAULT_PARALLELISM)


def slice_seconds() -> int:
    return _int_setting("LRS_RQ_SLICE_SECONDS", DEFAULT_SLICE_SECONDS)


def redis_url() -> str:
    return _setting("LRS_REDIS_URL", DEFAULT_REDIS_URL)


def rq_queue_name() -> str:
    return _setting("LRS_RQ_QUEUE", DEFAULT_RQ_QUEUE)


def redis_connection() -> Redis:
    from redis import Redis

    return Redis.from_url(redis_url())


def rq_queue(connection: Redis | None = None) -> Queue:
    from rq import Queue

    return Queue(rq_queue_name(), connection=connection or redis_connection())


def enqueue_batch(batch_id: int) -> None:
    """Schedule a submitted batch's rows for processing once the current transaction commits."""
    # robust: a queue that is down must not turn a committed submission into an error; the
    # rows are pending in the database and the next worker (or worker start) takes them.
    transaction.on_commit(partial(_dispatch, batch_id), robust=True)


def _dispatch(batch_id: int) -> None:
    # A worker thread or `lrs worker` in this process starts at once (with RQ too: it helps).
    work_available.set()
    if queue_backend() is QueueBackend.RQ:
        enqueue_drain_jobs(batch_id, jobs=batch_parallelism())


def enqueue_drain_jobs(
    batch_id: int, *, jobs: int = 1, chunk: int | None = None, queue: Queue | None = None
) -> None:
    """Put `jobs` RQ jobs on the queue that process the batch's pending rows together."""
    from rq import Queue, Retry

    queue = queue or rq_queue()
    kwargs = {"batch_id": batch_id, "chunk": chunk or batch_chunk()}
    queue.enqueue_many(
        [
            Queue.prepare_data(
                DRAIN_FUNCTION,
                kwargs=kwargs,
                timeout=JOB_TIMEOUT_SECONDS,
                description=f"batch {batch_id}: process pending rows",
                retry=Retry(max=JOB_RETRIES),
                result_ttl=3600,
                failure_ttl=7 * 24 * 3600,
            )
            for _ in range(jobs)
        ]
    )
    logger.info("batch %s: %d job(s) queued on %s", batch_id, jobs, queue.name)


def enqueue_pending_batches(*, queue: Queue | None = None) -> list[int]:
    """Queue jobs for every batch with pending rows that no queued or running job covers.

    `lrs worker --rq` calls this as it starts, so a batch whose jobs were lost (Redis flushed,
    the queue down at submission, every worker killed) is finished without anyone's help.
    Two workers starting together may both queue a batch: the extra jobs find nothing to do.
    """
    from lrs.batches.models import BatchRow, RowState

    queue = queue or rq_queue()
    pending = set(
        BatchRow.objects.filter(state=RowState.PENDING)
        .values_list("batch_id", flat=True)
        .distinct()
        .order_by()
    )
    if not pending:
        return []
    missing = uncovered(queue, function=DRAIN_FUNCTION, argument="batch_id", wanted=pending)
    for batch_id in missing:
        enqueue_drain_jobs(batch_id, jobs=batch_parallelism(), queue=queue)
    return missing


def uncovered(queue: Queue, *, function: str, argument: str, wanted: set[int]) -> list[int]:
    """The ids of `wanted` that no queued or running job of `function` names in its `argument`
    (their jobs were lost, or Redis was down when they were asked for), in order."""
    from rq.registry import StartedJobRegistry

    if not wanted:
        return []
    job_ids = [*queue.get_job_ids(), *StartedJobRegistry(queue=queue).get_job_ids()]
    covered = {
        job.kwargs.get(argument)
        for job in queue.job_class.fetch_many(job_ids, connection=queue.connection)
        if job is not None and job.func_name == function
    }
    return sorted(wanted - covered)


def enqueue_run_job(
    function: str, run_id: int, *, description: str, timeout: int, queue: Queue | None = None
) -> None:
    """Put the job of one queued run (a duplicate finder run, a matching fit) on the RQ queue
    that `lrs worker --rq` works from."""
    (queue or rq_queue()).enqueue_call(
        function,
        kwargs={"run_id": run_id},
        timeout=timeout,
        description=description,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
    )
