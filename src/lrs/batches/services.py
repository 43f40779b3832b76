"""Batch files: submit, process rows, resolve exceptions (DESIGN 3.5, user guide 4.3).

Rows are processed in chunks. A chunk's results, the learners it registers and its audit rows
are written in one transaction, so a worker that dies part-way leaves its rows pending for the
next worker: no row is lost and none is done twice. On PostgreSQL, workers take rows with
`SELECT ... FOR UPDATE SKIP LOCKED`, so several can share one batch. On SQLite, whose one
write lock the portal's requests share, a chunk's rows are searched before the transaction
begins (`_search_ahead`).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Count, Exists, Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.batches import return_codes as rc
from lrs.batches.models import (
    EXCEPTION_LIFETIME,
    Batch,
    BatchException,
    BatchRow,
    BatchStatus,
    ExceptionStatus,
    RowState,
    SubmissionType,
)
from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.bulk import insert_objects
from lrs.core.errors import Conflict, NotFound, ValidationFailed
from lrs.core.roles import Permission
from lrs.identifiers import IdentifierError, validate_uln
from lrs.learners import matching_adapter
from lrs.learners.details import LearnerDetails, SearchDetails
from lrs.learners.errors import IdenticalLearnerExists, LearnerNotFound
from lrs.learners.imports import details_from_row
from lrs.learners.matching_adapter import SearchOutcome
from lrs.learners.models import Learner
from lrs.learners.selectors import (
    find_learner_by_uln,
    match_learners_many,
    record_searches,
    search_learners_many,
)
from lrs.learners.services import RegistrationStatus, register_learner
from lrs.learners.validation import MAX_AGE, MIN_AGE, age_on, validate_learner_details
from lrs.matching import MatchKind

# A row the file itself marks as not for the register; its value says why (CTF: "under_14").
SKIP_KEY = "_skip_reason"
MAX_ROWS = 5000
logger = logging.getLogger(__name__)
MIN_ROWS = 1
CHUNK_SIZE = 100
_IDENTIFIER_FIELDS = frozenset({"upn", "uci", "uln"})


@dataclass(frozen=True)
class ParsedBatch:
    """A batch file that passed the file-level checks, ready to become rows."""

    file_name: str
    file_format: str
    submission_type: str
    rows: Sequence[Mapping[str, str]]  # by the real service's field names
    file_version: str = ""
    file_reference: str = ""
    contact_email: str = ""
    header: Mapping[str, object] = field(default_factory=dict)


class RowAlreadyDone(RuntimeError):
    """Another worker finished a row this one was processing: roll the chunk back."""


# --- Submit -----------------------------------------------------------------------------------


@transaction.atomic
def submit_batch(*, actor: Actor, parsed: ParsedBatch) -> Batch:
    """Store a parsed file as a batch of pending rows; a worker processes it."""
    ensure_can(actor, Permission.SUBMIT_BATCH)
    if not MIN_ROWS <= len(parsed.rows) <= MAX_ROWS:
        raise ValidationFailed(
            _("A batch file must have between %(min)d and %(max)d learners; this one has %(n)d.")
            % {"min": MIN_ROWS, "max": MAX_ROWS, "n": len(parsed.rows)}
        )
    batch = Batch.objects.create(
        organisation=actor.organisation,
        submitted_by=actor.user,
        submitted_by_username=actor.user.username,
        channel=actor.channel,
        file_name=parsed.file_name,
        file_format=parsed.file_format,
        submission_type=parsed.submission_type,
        file_version=parsed.file_version,
        file_reference=parsed.file_reference,
        contact_email=parsed.contact_email,
        header=dict(parsed.header),
        row_count=len(parsed.rows),
    )
    seen: set[str] = set()
    rows = []
    now = timezone.now()
    for position, submitted in enumerate(parsed.rows, start=1):
        mis_id = (submitted.get("MISIdentifier") or "").strip()
        row = BatchRow(
            batch=batch, position=position, mis_identifier=mis_id, submitted=dict(submitted)
        )
        if (submitted.get(SKIP_KEY) or "").strip():
            # Not for the register (a CTF pupil under 14): done, with no return code.
            row.state, row.processed_at = RowState.DONE, now
        else:
            if mis_id and mis_id in seen:
                row.state, row.return_code, row.processed_at = RowState.DONE, rc.RC010, now
                row.message = str(rc.TABLE[rc.RC010].meaning)
            seen.add(mis_id)
        rows.append(row)
    BatchRow.objects.bulk_create(rows, batch_size=1000)
    if all(row.state == RowState.DONE for row in rows):
        batch.status, batch.started_at, batch.finished_at = BatchStatus.COMPLETE, now, now
        batch.save(update_fields=["status", "started_at", "finished_at"])
    record_audit(
        actor=actor,
        action=AuditAction.BATCH_SUBMITTED,
        details={"batch_id": batch.pk, "file_name": batch.file_name, "rows": batch.row_count},
    )
    return batch


# --- Process ------------------------------------------------------------------------------------


@dataclass
class _RowResult:
    code: str
    message: str = ""
    uln: str = ""
    learner: Learner | None = None
    candidates: list[dict[str, object]] = field(default_factory=list)


def _batch_actor(batch: Batch) -> Actor:
    if batch.submitted_by is None:
        # The submitter's account was deleted; the organisation's work goes on, recorded as
        # done by the service for it.
        from lrs.organisations.services import service_desk_system_actor

        return service_desk_system_actor(channel=Channel.BATCH)
    return Actor(user=batch.submitted_by, channel=Channel.BATCH)


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
            by_details = _sorted_rows(batch_rows)[2]
            found = match_learners_many(
                searches=[SearchDetails.from_learner_details(d) for _row, d in by_details],
                actor=_batch_actor(batches[batch_rows[0].batch_id]),
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
            _process_rows(batch, rows, searched or {})
        return
    except Exception:
        if len(rows) == 1:
            logger.exception("batch %s row %s could not be processed", batch.pk, rows[0].position)
            _write_failure(rows[0])
            return
        logger.exception("batch %s: a chunk failed; processing its rows one by one", batch.pk)
    for row in rows:
        _process_rows_safely(batch, [row])


def _write_failure(row: BatchRow) -> None:
    row.state, row.return_code, row.processed_at = RowState.DONE, rc.RC011, timezone.now()
    row.message = _(
        "This row could not be processed. Check its details or contact the service desk."
    )
    row.uln, row.learner = "", None
    _write_rows([row])


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


def _rejection(
    submitted: Mapping[str, str], errors: Mapping[str, list[str]], dob: datetime.date | None
) -> _RowResult:
    message = " ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
    if dob is not None and not MIN_AGE <= age_on(dob, timezone.localdate()) <= MAX_AGE:
        return _RowResult(rc.RC013, message)
    if set(errors) & _IDENTIFIER_FIELDS:
        return _RowResult(rc.RC012, message)
    return _RowResult(rc.RC011, message)


_Sorted = list[tuple[BatchRow, LearnerDetails]]


def _sorted_rows(rows: list[BatchRow]) -> tuple[dict[int, _RowResult], _Sorted, _Sorted]:
    """Parse the rows: (rejections by row id, rows with a ULN, rows to search by details)."""
    prepared: _Sorted = []
    rejected: dict[int, _RowResult] = {}
    for row in rows:
        details, errors = details_from_row(row.submitted)
        uln = (row.submitted.get("ULN") or "").strip()
        if uln:
            try:
                validate_uln(uln)
            except IdentifierError as exc:
                errors.setdefault("uln", []).append(exc.message)
        if errors:
            rejected[row.pk] = _rejection(row.submitted, errors, details.date_of_birth)
        else:
            prepared.append((row, details))
    by_uln = [(row, details) for row, details in prepared if row.submitted.get("ULN", "").strip()]
    by_details = [(row, details) for row, details in prepared if (row, details) not in by_uln]
    return rejected, by_uln, by_details


def _process_rows(
    batch: Batch, rows: list[BatchRow], searched: Mapping[int, SearchOutcome | ValidationFailed]
) -> None:
    actor = _batch_actor(batch)
    results, by_uln, by_details = _sorted_rows(rows)
    for row, details in by_uln:
        results[row.pk] = _check_supplied_uln(actor, row, details)
    registered: set[int] = set()
    # Searches made before the write lock and still standing (`_search_ahead`) are recorded
    # now; the other rows are searched here.
    ahead = [(row, details) for row, details in by_details if row.pk in searched]
    if ahead:
        ensure_can(actor, Permission.FIND_LEARNER)  # as the search did, with the user as now
        record_searches(actor=actor, results=[searched[row.pk] for row, _details in ahead])
    fresh = [(row, details) for row, details in by_details if row.pk not in searched]
    found = iter(
        search_learners_many(
            searches=[SearchDetails.from_learner_details(details) for _row, details in fresh],
            actor=actor,
        )
        if fresh
        else []
    )
    outcomes = [
        searched[row.pk] if row.pk in searched else next(found) for row, _details in by_details
    ]
    if batch.submission_type != SubmissionType.CHECK:
        _lock_registrations(
            [
                details
                for (_row, details), outcome in zip(by_details, outcomes, strict=True)
                if not isinstance(outcome, ValidationFailed) and outcome.kind is MatchKind.NONE
            ]
        )
    for (row, details), outcome in zip(by_details, outcomes, strict=True):
        if isinstance(outcome, ValidationFailed):
            results[row.pk] = _rejection(row.submitted, outcome.field_errors, details.date_of_birth)
        else:
            results[row.pk] = _from_search(batch, actor, details, outcome, registered)
    _save_results(batch, rows, results)


def _lock_registrations(to_register: list[LearnerDetails]) -> None:
    """Take every registration lock the chunk will need before it registers anyone.

    `register_learner` locks the keys of each learner it registers until the chunk commits;
    taken one learner at a time, two workers' chunks could each hold a key the other waits
    for. The keys are those of the details as registration cleans them.
    """
    cleaned = []
    for details in to_register:
        try:
            cleaned.append(validate_learner_details(details))
        except ValidationFailed:
            continue  # refused by the registration, which locks nothing
    matching_adapter.lock_for_registration(*cleaned)


def _registered_earlier_in_batch(batch: Batch, identity: str) -> Learner | None:
    """The learner an earlier row of the same file registered with these key details.

    A chunk's rows are all searched before any is registered, so the same person twice in a
    file reaches registration twice; the second time is the learner found, not a refusal.
    Rows of this chunk are checked by the caller; earlier chunks' rows are in the database.
    """
    row = (
        BatchRow.objects.filter(batch=batch, return_code=rc.RC002, learner__identity_key=identity)
        .select_related("learner")
        .first()
    )
    return row.learner if row is not None else None


def _check_supplied_uln(actor: Actor, row: BatchRow, details: LearnerDetails) -> _RowResult:
    """A row with a ULN: confirm it belongs to these details (the real batch's verify step)."""
    try:
        found = find_learner_by_uln(
            uln=row.submitted["ULN"].strip(),
            given_name=details.given_name,
            family_name=details.family_name,
            actor=actor,
        )
    except (LearnerNotFound, ValidationFailed):
        return _RowResult(rc.RC008, str(rc.TABLE[rc.RC008].meaning))
    learner = found.learner
    if details.date_of_birth and learner.date_of_birth != details.date_of_birth:
        return _RowResult(rc.RC008, str(rc.TABLE[rc.RC008].meaning))
    code = rc.RC004 if found.master_substituted else rc.RC003
    return _RowResult(code, uln=learner.uln, learner=learner)


def _candidates(outcome: SearchOutcome) -> list[dict[str, object]]:
    return [
        {
            "learner_id": match.learner.pk,
            "uln": match.learner.uln,
            "probability": round(match.scored.probability, 4),
            "reasons": list(match.scored.reasons),
        }
        for match in outcome.matches
    ]


def _from_search(
    batch: Batch,
    actor: Actor,
    details: LearnerDetails,
    outcome: SearchOutcome,
    registered_in_chunk: set[int],
) -> _RowResult:
    if outcome.kind is MatchKind.EXACT:
        learner = outcome.matches[0].learner
        return _RowResult(rc.RC001, uln=learner.uln, learner=learner)
    if outcome.kind is MatchKind.TOO_MANY:
        return _RowResult(rc.RC006, str(rc.TABLE[rc.RC006].meaning))
    if outcome.kind is MatchKind.POSSIBLE:
        return _RowResult(
            rc.RC007, str(rc.TABLE[rc.RC007].meaning), candidates=_candidates(outcome)
        )
    if batch.submission_type == SubmissionType.CHECK:
        return _RowResult(rc.RC005, str(rc.TABLE[rc.RC005].meaning))
    return _register(batch, actor, details, outcome, registered_in_chunk)


def _register(
    batch: Batch,
    actor: Actor,
    details: LearnerDetails,
    searched: SearchOutcome,
    registered_in_chunk: set[int],
) -> _RowResult:
    try:
        with transaction.atomic():
            # The chunk's search stands unless a learner among its candidates changed since
            # (one registered by an earlier row of this chunk, say): `register_learner` checks.
            result = register_learner(details=details, actor=actor, searched=searched)
    except IdenticalLearnerExists as exc:
        identity = matching_adapter.identity_key_of(details)
        earlier = _registered_earlier_in_batch(batch, identity)
        if earlier is None:
            earlier = Learner.objects.filter(
                identity_key=identity, pk__in=registered_in_chunk
            ).first()
        if earlier is not None:
            return _RowResult(rc.RC001, uln=earlier.uln, learner=earlier)
        return _RowResult(rc.RC009, exc.message)
    except ValidationFailed as exc:
        return _rejection({}, exc.field_errors, details.date_of_birth)
    if result.status is RegistrationStatus.REGISTERED:
        assert result.learner is not None
        registered_in_chunk.add(result.learner.pk)
        return _RowResult(rc.RC002, uln=result.learner.uln, learner=result.learner)
    if result.status is RegistrationStatus.ALREADY_REGISTERED:
        assert result.learner is not None
        return _RowResult(rc.RC001, uln=result.learner.uln, learner=result.learner)
    return _RowResult(
        rc.RC007, str(rc.TABLE[rc.RC007].meaning), candidates=_candidates(result.search)
    )


def _save_results(batch: Batch, rows: list[BatchRow], results: Mapping[int, _RowResult]) -> None:
    now = timezone.now()
    exceptions = []
    for row in rows:
        result = results[row.pk]
        row.state = RowState.DONE
        row.return_code = result.code
        row.message = result.message
        row.uln = result.uln
        row.learner = result.learner
        row.processed_at = now
        if rc.is_exception(result.code):
            exceptions.append(
                BatchException(
                    row=row,
                    organisation_id=batch.organisation_id,
                    candidates=result.candidates,
                    expires_at=batch.submitted_at + EXCEPTION_LIFETIME,
                )
            )
    _write_rows(rows)
    insert_objects(BatchException, exceptions)


def _write_rows(rows: list[BatchRow]) -> None:
    """Store the rows' results with one prepared UPDATE run for each row.

    Django's bulk_update builds a CASE expression per column per row, which cost more than
    matching the rows; a plain parameterised UPDATE through executemany does not.
    """
    quote = connection.ops.quote_name
    columns = ("state", "return_code", "message", "uln", "learner_id", "processed_at")
    assignments = ", ".join(f"{quote(column)} = %s" for column in columns)
    table, id_, state = (quote(name) for name in (BatchRow._meta.db_table, "id", "state"))
    # Only a pending row is written: a row is never done twice, whatever the locking.
    sql = f"UPDATE {table} SET {assignments} WHERE {id_} = %s AND {state} = %s"  # noqa: S608
    field = BatchRow._meta.get_field("processed_at")
    current = connections[DEFAULT_DB_ALIAS]  # not the proxy: one look-up, not one per row
    with current.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (
                    row.state,
                    row.return_code,
                    row.message,
                    row.uln,
                    row.learner_id,
                    field.get_db_prep_value(row.processed_at, current),
                    row.pk,
                    RowState.PENDING,
                )
                for row in rows
            ],
        )
        written = cursor.rowcount
    if written != len(rows):
        raise RowAlreadyDone(f"{len(rows) - written} of {len(rows)} rows were no longer pending")


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
            row__batch=batch, status=ExceptionStatus.OPEN
        ).count(),
    )


# --- Exceptions ---------------------------------------------------------------------------------


def expire_exceptions(*, now: datetime.datetime | None = None) -> int:
    """Close the exceptions nobody resolved within 45 days of the upload (user guide 4.3)."""
    return BatchException.objects.filter(
        status=ExceptionStatus.OPEN, expires_at__lte=now or timezone.now()
    ).update(status=ExceptionStatus.EXPIRED)


def _open_exception(actor: Actor, exception_id: int) -> BatchException:
    ensure_can(actor, Permission.SUBMIT_BATCH)
    exception = (
        BatchException.objects.select_for_update(of=("self",))
        .select_related("row__batch")
        .filter(pk=exception_id, organisation=actor.organisation)
        .first()
    )
    if exception is None:
        raise NotFound(_("There is no such exception for your organisation."))
    if exception.status == ExceptionStatus.OPEN and exception.expires_at <= timezone.now():
        exception.status = ExceptionStatus.EXPIRED
        exception.save(update_fields=["status"])
    if exception.status != ExceptionStatus.OPEN:
        raise Conflict(_("This exception has already been resolved or has expired."))
    return exception


def _close(
    actor: Actor, exception: BatchException, status: str, learner: Learner, code: str
) -> None:
    now = timezone.now()
    exception.status = status
    exception.learner = learner
    exception.resolved_at = now
    exception.resolved_by = actor.user
    exception.resolved_by_username = actor.user.username
    exception.save()
    row = exception.row
    row.return_code, row.uln, row.learner, row.message = code, learner.uln, learner, ""
    row.save(update_fields=["return_code", "uln", "learner", "message"])
    record_audit(
        actor=actor,
        action=AuditAction.BATCH_EXCEPTION_RESOLVED,
        learner=learner,
        details={"batch_id": row.batch_id, "row": row.position, "resolution": status},
    )


@transaction.atomic
def resolve_by_choosing(*, actor: Actor, exception_id: int, learner_id: int) -> BatchException:
    """The user chose one of the learners offered: the row gets that learner's ULN."""
    exception = _open_exception(actor, exception_id)
    offered = {int(c["learner_id"]) for c in exception.candidates}  # type: ignore[call-overload]
    if learner_id not in offered:
        raise ValidationFailed(field_errors={"learner": [_("Choose one of the learners listed.")]})
    learner = Learner.objects.get(pk=learner_id)
    _close(actor, exception, ExceptionStatus.MATCHED, learner, rc.RC001)
    return exception


@transaction.atomic
def resolve_by_registering(*, actor: Actor, exception_id: int) -> BatchException:
    """The user confirmed the learner is none of those offered: register a new learner."""
    exception = _open_exception(actor, exception_id)
    details, errors = details_from_row(exception.row.submitted)
    if errors:
        raise ValidationFailed(field_errors=errors)
    register_actor = Actor(user=actor.user, channel=Channel.BATCH)
    result = register_learner(
        details=details, actor=register_actor, confirm_not_possible_match=True
    )
    if result.learner is None:
        raise Conflict(_("The learner could not be registered."))
    _close(actor, exception, ExceptionStatus.REGISTERED, result.learner, rc.RC002)
    return exception
