"""`lrs worker`: process batch files off the request path.

    lrs worker                 poll the database for pending rows of any batch (SQLite or
                               PostgreSQL; on PostgreSQL run as many as you like)
    lrs worker --rq            an RQ worker on the "lrs-batches" queue (LRS_QUEUE=rq); it
                               also runs the duplicate finder's jobs (lrs find-duplicates)
                               and the matching fit's (lrs fit-matching --queue)
    lrs worker --burst         stop when there is nothing left to do (tests, cron)

SIGTERM or Ctrl+C stops the worker once its current chunk is committed (RQ: once the current
job's slice is done); a second signal stops it at once, and the unfinished chunk rolls back to
pending. Killing it outright loses nothing either (docs/adr/0004-batch-processing.md).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from lrs.batches import queue as batch_queue
from lrs.batches.worker import request_stop, run_worker
from lrs.challenges.duplicates import enqueue_lost_runs
from lrs.challenges.model_fits import enqueue_lost_fit_runs

_LOG_LEVELS = {0: logging.WARNING, 1: logging.INFO}
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

SignalHandler = Callable[[int, FrameType | None], Any] | int | None


@contextmanager
def _graceful_stop(stop: threading.Event, wake: threading.Event) -> Iterator[None]:
    """First SIGTERM/SIGINT: stop after the current chunk. Second: stop now."""

    def handle(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        logging.getLogger("lrs.batches.worker").warning(
            "%s: stopping after the current chunk (send it again to stop at once)",
            signal.Signals(signum).name,
        )
        request_stop(stop, wake)

    previous: dict[signal.Signals, SignalHandler] = {}
    for signum in _STOP_SIGNALS:
        previous[signum] = signal.signal(signum, handle)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class Command(BaseCommand):
    help = (
        "Process batch files: poll the database for pending rows (default), "
        "or run an RQ worker on Redis (--rq)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rq",
            action="store_true",
            help="run an RQ worker on LRS_RQ_QUEUE (default lrs-batches) at LRS_REDIS_URL",
        )
        parser.add_argument(
            "--burst", action="store_true", help="stop when there is nothing left to do"
        )
        parser.add_argument(
            "--chunk",
            type=int,
            default=None,
            help="rows per transaction (default LRS_BATCH_CHUNK or 100); with --rq each job "
            "carries the chunk size it was queued with",
        )
        parser.add_argument(
            "--poll",
            type=float,
            default=1.0,
            help="seconds between looks at the database when idle (default 1)",
        )
        parser.add_argument("--name", default=None, help="the RQ worker's name (with --rq)")

    def handle(self, *args: Any, **options: Any) -> None:
        level = _LOG_LEVELS.get(options["verbosity"], logging.DEBUG)
        logging.getLogger("lrs.batches").setLevel(level)
        chunk = options["chunk"] or batch_queue.batch_chunk()
        if chunk < 1:
            raise CommandError("--chunk must be at least 1.")
        if options["poll"] <= 0:
            raise CommandError("--poll must be more than 0 seconds.")
        if options["rq"]:
            self._run_rq(burst=options["burst"], name=options["name"], level=level)
        else:
            self._run_polling(burst=options["burst"], chunk=chunk, poll=options["poll"])

    def _run_polling(self, *, burst: bool, chunk: int, poll: float) -> None:
        stop = threading.Event()
        wake = batch_queue.work_available
        with _graceful_stop(stop, wake):
            try:
                total = run_worker(
                    stop=stop, poll_seconds=poll, chunk=chunk, burst=burst, wake=wake
                )
            except KeyboardInterrupt:
                raise CommandError(
                    "Stopped at once; the unfinished chunk is pending again.", returncode=130
                ) from None
        self.stdout.write(f"Processed {total} batch row(s).")

    def _run_rq(self, *, burst: bool, name: str | None, level: int) -> None:
        from redis.exceptions import RedisError
        from rq import Worker

        connection = batch_queue.redis_connection()
        queue = batch_queue.rq_queue(connection)
        try:
            connection.ping()
            recovered = batch_queue.enqueue_pending_batches(queue=queue)
            lost_runs = enqueue_lost_runs(queue)
            lost_fits = enqueue_lost_fit_runs(queue)
        except RedisError as exc:
            raise CommandError(
                f"Cannot reach Redis at {batch_queue.redis_url()} (LRS_REDIS_URL): {exc}"
            ) from exc
        if recovered:
            self.stdout.write(f"Queued jobs for batches left pending: {recovered}")
        if lost_runs:
            self.stdout.write(f"Queued jobs for duplicate finder runs left queued: {lost_runs}")
        if lost_fits:
            self.stdout.write(f"Queued jobs for matching fit runs left queued: {lost_fits}")
        # Each job runs in a forked work horse: it must open its own database connections.
        connections.close_all()
        worker = Worker([queue], connection=connection, name=name)
        self.stdout.write(f"RQ worker {worker.name} on queue {queue.name}")
        self.stdout.flush()
        worker.work(burst=burst, logging_level=logging.getLevelName(level))
