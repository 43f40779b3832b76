"""The batch processing engine: chunks of pending rows, each in one transaction.

A chunk's results, the learners it registers and its audit rows are written in one
transaction, so a worker that dies part-way leaves its rows pending for the next worker: no
row is lost and none is done twice. On PostgreSQL, workers take rows with
`SELECT ... FOR UPDATE SKIP LOCKED`, so several can share one batch. On SQLite, whose one
write lock the portal's requests share, a chunk's rows are searched before the transaction
begins (`_search_ahead`, with SQLite's `PRAGMA data_version`). What each row gets is decided
in `rows`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Subquery
from django.utils import timezone

from lrs.batches.models import Batch, BatchRow, BatchStatus, RowState
from lrs.batches.queue import CHUNK_SIZE
from lrs.batches.services.rows import batch_actor, process_rows, sorted_rows, write_failure
from lrs.batches.uploads import RowProcessor, upload_kind, upload_kind_names
from lrs.core.errors import ValidationFailed
from lrs.learners import matching_adapter
from lrs.learners.details import SearchDetails
from lrs.learners.matching_adapter import SearchOutcome
from lrs.learners.selectors import match_learners_many

logger = logging.getLogger(__name__)


def _claim(batch_id: int | None, limit: int) -> list[BatchRow]:
    rows = BatchRow.objects.filter(state=RowState.PENDING)
    if batch_id is not None:
        rows = rows.filter(batch_id=batch_id)
    rows = rows.order_by("batch_id", "position")
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True, of=("self",))
    return list(rows[:limit])


@dataclass(frozen=True)
class _SearchedAhead:
    """A chunk's rows and their searches, made before taking SQLite's write lock.

    `data_version` is SQLite's count of other connections' commits when the reads began: if it
    is the same once the lock is held, the database is as the searches saw it.
    """

    data_version: int
    rows: list[BatchRow]
    batches: dict[int, Batch]
    outcomes: dict[int, SearchOutcome | ValidationFailed]  # by row id, rows searched by details


def process_pending_rows(*, batch_id: int | None = None, limit: int = CHUNK_SIZE) -> int:
    """Process up to `limit` pending rows (of one batch, or of any) in one transaction.

    Returns how many rows were processed; 0 when there was nothing to do.
    """
    ahead = _search_ahead(batch_id, limit)
    with transaction.atomic():
        searched: dict[int, SearchOutcome | ValidationFailed] = {}
        if ahead is not None and _data_version() == ahead.data_version:
            rows, batches, searched = ahead.rows, ahead.batches, ahead.outcomes
        else:
            rows = _claim(batch_id, limit)
            batches = _batches_of(rows) if rows else {}
            if ahead is not None:
                # Another connection wrote meanwhile (a portal request, say): keep the
                # searches among whose candidates nothing changed; the others run again.
                claimed = {row.pk for row in rows}
                searched = _still_standing(
                    {pk: o for pk, o in ahead.outcomes.items() if pk in claimed}
                )
        if not rows:
            return 0
        now = timezone.now()
        for batch_rows in _group(rows):
            batch = batches[batch_rows[0].batch_id]
            if batch.started_at is None:
                Batch.objects.filter(pk=batch.pk, started_at__isnull=True).update(
                    started_at=now, status=BatchStatus.PROCESSING
                )
            own = _own_processor(batch)
            if own is not None:
                _process_own_rows_safely(batch, batch_rows, own)
            else:
                _process_rows_safely(batch, batch_rows, searched)
        for pk in sorted(batches):  # one order of locks for every worker
            _finish_if_done(batches[pk])
        return len(rows)


def _batches_of(rows: list[BatchRow]) -> dict[int, Batch]:
    return Batch.objects.select_related("submitted_by__organisation").in_bulk(
        {row.batch_id for row in rows}
    )


def _data_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA data_version")
        return int(cursor.fetchone()[0])


def _still_standing(
    outcomes: Mapping[int, SearchOutcome | ValidationFailed],
) -> dict[int, SearchOutcome | ValidationFailed]:
    """The searches whose candidates are still the learners (and versions) they considered."""
    searches = [
        (pk, o, o.person)
        for pk, o in outcomes.items()
        if isinstance(o, SearchOutcome) and o.person is not None
    ]
    now = matching_adapter.seen_now([person for _pk, _o, person in searches])
    standing: dict[int, SearchOutcome | ValidationFailed] = {
        pk: o for (pk, o, _person), seen in zip(searches, now, strict=True) if seen == o.seen
    }
    # A refusal of the details themselves does not depend on the register.
    standing.update((pk, o) for pk, o in outcomes.items() if isinstance(o, ValidationFailed))
    return standing


def _search_ahead(batch_id: int | None, limit: int) -> _SearchedAhead | None:
    """On SQLite, claim and search a chunk's rows before taking the write lock.

    SQLite has one writer at a time, and a chunk's transaction holds the lock from BEGIN.
    Searching is most of a chunk's work and only reads, which WAL lets run beside a writer:
    done first, it leaves the lock free for the portal's requests most of the time, and the
    worker need not pause between chunks for them. The transaction then uses these searches as
    they are if no other connection has committed since they began (`PRAGMA data_version`);
    otherwise those whose candidates are unchanged (`_still_standing`), searching the rest
    again. None when not on SQLite, inside a transaction already (a
    test's), with nothing to do, or on any error (the transaction meets it again and deals
    with it row by row).
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    try:
        version = _data_version()
        rows = _claim(batch_id, limit)
        if not rows:
            return None
        batches = _batches_of(rows)
        outcomes: dict[int, SearchOutcome | ValidationFailed] = {}
        for batch_rows in _group(rows):
            if _own_processor(batches[batch_rows[0].batch_id]) is not None:
                continue  # not learners to search
            by_details = sorted_rows(batch_rows)[2]
            found = match_learners_many(
                searches=[SearchDetails.from_learner_details(d) for _row, d in by_details],
                actor=batch_actor(batches[batch_rows[0].batch_id]),
            )
            outcomes.update(
                (row.pk, outcome) for (row, _d), outcome in zip(by_details, found, strict=True)
            )
    except Exception:
        logger.exception("batch rows could not be searched ahead; searching under the lock")
        return None
    return _SearchedAhead(version, rows, batches, outcomes)


def _process_rows_safely(
    batch: Batch,
    rows: list[BatchRow],
    searched: Mapping[int, SearchOutcome | ValidationFailed] | None = None,
) -> None:
    """Process the rows together; if that fails, one by one, so one bad row can't stall a batch.

    A row that fails on its own (a fault in the service, not in the row's data, which gets a
    return code) is recorded as RC011 with the fault logged, and the others go on.
    `searched`: the rows' searches made ahead (`_search_ahead`), used by the first attempt.
    """
    try:
        with transaction.atomic():
            process_rows(batch, rows, searched or {})
        return
    except Exception:
        if len(rows) == 1:
            logger.exception("batch %s row %s could not be processed", batch.pk, rows[0].position)
            write_failure(rows[0])
            return
        logger.exception("batch %s: a chunk failed; processing its rows one by one", batch.pk)
    for row in rows:
        _process_rows_safely(batch, [row])


def _own_processor(batch: Batch) -> RowProcessor | None:
    """The processor of a batch whose kind processes its own rows (None: learner rows)."""
    if batch.kind not in upload_kind_names():
        return None
    return upload_kind(batch.kind).process_rows


def _process_own_rows_safely(batch: Batch, rows: list[BatchRow], process: RowProcessor) -> None:
    """As `_process_rows_safely`, for a kind with its own processor."""
    try:
        with transaction.atomic():
            process(batch, rows)
        return
    except Exception:
        if len(rows) == 1:
            logger.exception("batch %s row %s could not be processed", batch.pk, rows[0].position)
            write_failure(rows[0])
            return
        logger.exception("batch %s: a chunk failed; processing its rows one by one", batch.pk)
    for row in rows:
        _process_own_rows_safely(batch, [row], process)


def _group(rows: list[BatchRow]) -> list[list[BatchRow]]:
    groups: dict[int, list[BatchRow]] = {}
    for row in rows:
        groups.setdefault(row.batch_id, []).append(row)
    return list(groups.values())


def _finish_if_done(batch: Batch) -> None:
    """Mark the batch complete if this chunk's rows were its last pending ones.

    The batch row is locked first. Two workers finishing a batch's last two chunks at once
    would otherwise each still see the other's rows pending (not yet committed) and neither
    would complete the batch. Locked, the second one waits for the first to commit, and its
    look (a new snapshot, under READ COMMITTED) sees those rows done.
    """
    list(Batch.objects.select_for_update().filter(pk=batch.pk).values_list("pk", flat=True))
    if not BatchRow.objects.filter(batch=batch, state=RowState.PENDING).exists():
        Batch.objects.filter(pk=batch.pk).exclude(status=BatchStatus.COMPLETE).update(
            status=BatchStatus.COMPLETE, finished_at=timezone.now()
        )


def complete_finished_batches() -> int:
    """Mark complete every batch still processing whose rows are all done; returns how many.

    Repairs batches left at 100% but "processing" by the race `_finish_if_done` now closes
    (two workers finishing one batch at once, before 2026-11-23): their output could never
    be downloaded. The finish time is that of the batch's last row.
    """
    rows = BatchRow.objects.filter(batch=OuterRef("pk"))
    last_done = rows.order_by().values("batch").annotate(last=Max("processed_at")).values("last")
    return (
        Batch.objects.filter(status=BatchStatus.PROCESSING)
        .exclude(Exists(rows.filter(state=RowState.PENDING)))
        .update(status=BatchStatus.COMPLETE, finished_at=Subquery(last_done))
    )


def process_until_done(*, batch_id: int | None = None, chunk: int = CHUNK_SIZE) -> int:
    """Process pending rows until there are none (a worker's job for one batch, or all)."""
    total = 0
    while processed := process_pending_rows(batch_id=batch_id, limit=chunk):
        total += processed
    return total
