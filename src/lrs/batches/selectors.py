"""Reads of batches and their exceptions, for the API, the command line and the portal.

Every read needs the batch role (Permission.SUBMIT_BATCH) and is scoped to the actor's
organisation: another organisation's batch or exception is simply not found (NotFound, 404),
so its existence is not revealed. Each read of an output file (the output file, the returned
CTF, the CTF exceptions workbook) is audited as AuditAction.BATCH_OUTPUT_DOWNLOADED.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.batches import return_codes as rc
from lrs.batches.ctf import (
    returned_file_name,
    write_ctf,
    write_ctf_exceptions_xlsx,
)
from lrs.batches.models import (
    HEARTBEAT_ALIVE_SECONDS,
    Batch,
    BatchException,
    BatchRow,
    BatchStatus,
    ExceptionStatus,
    FileFormat,
    RowState,
    WorkerHeartbeat,
)
from lrs.batches.output import write_output
from lrs.batches.uploads import kinds_needing, upload_kind, upload_kind_names
from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import Conflict, NotFound
from lrs.core.roles import Permission
from lrs.learners.models import Learner

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CTF_CONTENT_TYPE = "application/xml"


# --- Batches ------------------------------------------------------------------------------------


def list_batches(
    actor: Actor, *, permission: Permission = Permission.SUBMIT_BATCH
) -> QuerySet[Batch]:
    """The organisation's batches of the kinds that need `permission`, newest first.

    Learner batches (LRB files, CTFs) need the batch role; other kinds their own permission
    (awarding organisations' achievement files: Permission.SUBMIT_ACHIEVEMENTS).
    """
    ensure_can(actor, permission)
    return Batch.objects.filter(
        organisation_id=actor.organisation.pk, kind__in=kinds_needing(permission)
    ).order_by("-submitted_at", "-id")


def worker_alive() -> bool:
    """Whether any batch worker is running, by its heartbeat (RQ: by RQ's own worker registry).

    Read by `lrs batch submit --wait` to decide at once whether to wait for a worker or to
    process the rows itself.
    """
    from lrs.batches import queue

    if queue.queue_backend() is queue.QueueBackend.RQ:
        from redis.exceptions import RedisError
        from rq import Worker

        try:
            return bool(Worker.count(queue=queue.rq_queue()))
        except RedisError:
            return False
    since = timezone.now() - datetime.timedelta(seconds=HEARTBEAT_ALIVE_SECONDS)
    return WorkerHeartbeat.objects.filter(seen_at__gte=since).exists()


def get_batch(
    actor: Actor, batch_id: int, *, permission: Permission = Permission.SUBMIT_BATCH
) -> Batch:
    """One of the organisation's batches of the kinds `permission` covers; NotFound otherwise."""
    ensure_can(actor, permission)
    batch = (
        Batch.objects.select_related("organisation")
        .filter(
            pk=batch_id, organisation_id=actor.organisation.pk, kind__in=kinds_needing(permission)
        )
        .first()
    )
    if batch is None:
        raise NotFound(_("There is no such batch for your organisation."))
    return batch


# --- Totals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchCounts:
    """The real service's totals for an output file (BatchOutputResp)."""

    total: int
    done: int
    new: int
    found: int
    possible: int
    not_found: int
    rejected: int
    open_exceptions: int
    skipped: int = 0  # rows not sent to the register (CTF pupils under 14)

    @property
    def percent_done(self) -> int:
        return 100 if self.total == 0 else int(100 * self.done / self.total)


# From this many rows a batch's progress also says its speed and the time left (issue 19
# item 19); a small file is done before either would mean anything.
RATE_SHOWN_FROM_ROWS = 500


@dataclass(frozen=True)
class BatchSpeed:
    rows_per_second: float
    seconds_left: int


def batch_speed(
    batch: Batch, counts: BatchCounts, now: datetime.datetime | None = None
) -> BatchSpeed | None:
    """Rows a second since the batch's first row was taken, and the time left at that rate;
    None for a small file, one not started or finished, or before a second has passed."""
    if batch.row_count < RATE_SHOWN_FROM_ROWS or batch.status != BatchStatus.PROCESSING:
        return None
    if batch.started_at is None or not counts.done:
        return None
    elapsed = ((now or timezone.now()) - batch.started_at).total_seconds()
    if elapsed < 1:
        return None
    rate = counts.done / elapsed
    left = max(counts.total - counts.done, 0)
    return BatchSpeed(rows_per_second=rate, seconds_left=int(left / rate + 0.999))


def batch_counts(batch: Batch) -> BatchCounts:
    codes = dict(
        BatchRow.objects.filter(batch=batch, state=RowState.DONE)
        .values_list("return_code")
        .annotate(n=Count("id"))
    )
    by_outcome = {outcome: 0 for outcome in rc.Outcome}
    for code, n in codes.items():
        if code:
            by_outcome[rc.outcome_of(code)] += n
    return BatchCounts(
        total=batch.row_count,
        done=sum(codes.values()),
        new=by_outcome[rc.Outcome.NEW],
        found=by_outcome[rc.Outcome.FOUND],
        possible=by_outcome[rc.Outcome.POSSIBLE],
        not_found=by_outcome[rc.Outcome.NOT_FOUND],
        rejected=by_outcome[rc.Outcome.REJECTED],
        skipped=codes.get("", 0),
        open_exceptions=BatchException.objects.filter(
            of_batch(batch.pk), status=ExceptionStatus.OPEN
        )
        .distinct()
        .count(),
    )


# --- Output files -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputFile:
    content: bytes
    file_name: str
    content_type: str


def _complete_batch(
    actor: Actor, batch_id: int, permission: Permission = Permission.SUBMIT_BATCH
) -> Batch:
    batch = get_batch(actor, batch_id, permission=permission)
    if batch.status != BatchStatus.COMPLETE:
        # Counted from the rows' state, whatever the batch's kind writes as return codes.
        done = BatchRow.objects.filter(batch=batch, state=RowState.DONE).count()
        raise Conflict(
            _(
                "The batch is not complete yet (%(done)d of %(total)d learners processed): "
                "its output is ready when every learner has been processed."
            )
            % {"done": done, "total": batch.row_count},
            code="batch_not_complete",
        )
    return batch


def _audit_download(actor: Actor, batch: Batch, output: OutputFile, what: str) -> None:
    record_audit(
        actor=actor,
        action=AuditAction.BATCH_OUTPUT_DOWNLOADED,
        details={"batch_id": batch.pk, "file": what, "file_name": output.file_name},
    )


def read_output(
    actor: Actor, batch_id: int, *, permission: Permission = Permission.SUBMIT_BATCH
) -> OutputFile:
    """The output file of a complete batch: CSV/XML as submitted, or the CTF with ULNs (or
    what the batch's kind writes, for kinds that are not learner batches).

    Conflict (409, code batch_not_complete) until every row has been processed.
    """
    batch = _complete_batch(actor, batch_id, permission)
    rows = batch.rows.order_by("position")
    writer = upload_kind(batch.kind).write_output if batch.kind in upload_kind_names() else None
    if writer is not None:
        output = OutputFile(*writer(batch, list(rows)))
    elif batch.file_format == FileFormat.CTF:
        content, name = write_ctf(batch, rows)
        output = OutputFile(content, name, CTF_CONTENT_TYPE)
    else:
        output = OutputFile(*write_output(batch, rows, batch_counts(batch)))
    _audit_download(actor, batch, output, "output")
    return output


def exceptions_file_name(batch: Batch) -> str:
    """``6664000_CTF.xml`` -> ``6664000_CTF_exceptions.xlsx``."""
    return returned_file_name(batch.file_name).removesuffix("_ULN.xml") + "_exceptions.xlsx"


def read_ctf_exceptions(actor: Actor, batch_id: int) -> OutputFile:
    """The exceptions workbook of a complete CTF batch (NotFound for other batches)."""
    batch = get_batch(actor, batch_id)
    if batch.file_format != FileFormat.CTF:
        raise NotFound(
            _(
                "Only a Common Transfer File batch has an exceptions spreadsheet; list this "
                "batch's exceptions at /api/v1/batch-exceptions?batch_id=%(id)d instead."
            )
            % {"id": batch.pk}
        )
    batch = _complete_batch(actor, batch_id)
    output = OutputFile(
        write_ctf_exceptions_xlsx(batch, batch.rows.order_by("position")),
        exceptions_file_name(batch),
        XLSX_CONTENT_TYPE,
    )
    _audit_download(actor, batch, output, "ctf_exceptions")
    return output


# --- Exceptions ---------------------------------------------------------------------------------


def of_batch(batch_id: int) -> Q:
    """The exceptions of a batch: its rows' own, and those its rows share (a file sent again)."""
    return Q(row__batch_id=batch_id) | Q(shared_rows__batch_id=batch_id)


def effective_status(exception: BatchException) -> str:
    """The exception's status, counting an open one past its expiry date as expired."""
    if exception.status == ExceptionStatus.OPEN and exception.expires_at <= timezone.now():
        return str(ExceptionStatus.EXPIRED)
    return str(exception.status)


def list_exceptions(
    actor: Actor,
    status: str | None = ExceptionStatus.OPEN,
    batch_id: int | None = None,
) -> QuerySet[BatchException]:
    """The organisation's exceptions (of one batch, when given), soonest to expire first.

    `status` None lists every status. Open exceptions past their expiry date count as expired
    (the nightly `expire_exceptions` may not have run yet).
    """
    ensure_can(actor, Permission.SUBMIT_BATCH)
    exceptions = BatchException.objects.filter(
        organisation_id=actor.organisation.pk
    ).select_related("row__batch", "learner")
    now = timezone.now()
    if status == ExceptionStatus.OPEN:
        exceptions = exceptions.filter(status=ExceptionStatus.OPEN, expires_at__gt=now)
    elif status == ExceptionStatus.EXPIRED:
        exceptions = exceptions.filter(
            Q(status=ExceptionStatus.EXPIRED) | Q(status=ExceptionStatus.OPEN, expires_at__lte=now)
        )
    elif status is not None:
        exceptions = exceptions.filter(status=status)
    if batch_id is not None:
        exceptions = exceptions.filter(of_batch(batch_id)).distinct()
    return exceptions.order_by("expires_at", "id")


def get_exception(actor: Actor, exception_id: int) -> BatchException:
    """One of the organisation's exceptions; NotFound for any other."""
    ensure_can(actor, Permission.SUBMIT_BATCH)
    exception = (
        BatchException.objects.select_related("row__batch", "learner")
        .filter(pk=exception_id, organisation_id=actor.organisation.pk)
        .first()
    )
    if exception is None:
        raise NotFound(_("There is no such exception for your organisation."))
    return exception


def candidate_learners(exceptions: Iterable[BatchException]) -> dict[int, Learner]:
    """The learners the exceptions offer, by id, in one query.

    Only the learners the batch's search offered the organisation: what it may see of them.
    """
    ids = {
        int(candidate["learner_id"])
        for exception in exceptions
        for candidate in exception.candidates
        if isinstance(candidate, dict) and candidate.get("learner_id") is not None
    }
    return Learner.objects.in_bulk(ids) if ids else {}


def candidate_learner_id(exception: BatchException, uln: str) -> int | None:
    """The id of the learner offered with this ULN, or None when none was offered."""
    uln = uln.strip()
    for candidate in exception.candidates:
        if isinstance(candidate, dict) and str(candidate.get("uln") or "") == uln and uln:
            return int(candidate["learner_id"])
    return None
