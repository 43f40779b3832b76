"""Bulk load of an existing register (learners that already have ULNs)."""

from __future__ import annotations

import datetime
import itertools
import multiprocessing
import operator
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction
from lrs.core.bulk import (
    SecondaryIndex,
    copy_text,
    insert_copy_text,
    insert_for_ids,
    insert_grouped_rows,
    insert_rows,
    load_constraints,
    secondary_indexes_set_aside,
)
from lrs.core.errors import ValidationFailed
from lrs.core.models import AuditEvent
from lrs.core.roles import Permission
from lrs.identifiers import IdentifierError, validate_uln
from lrs.learners import matching_adapter
from lrs.learners.choices import LearnerStatus
from lrs.learners.columns import COLUMN_TO_FIELD, has_date_form, parse_date
from lrs.learners.details import DATE_FIELDS, LEARNER_FIELDS, LearnerDetails
from lrs.learners.models import KnownBy, KnownLearner, Learner, LearnerMatchKey
from lrs.learners.validation import LEARNER_DEFAULTS, validate_learner_values

REQUIRED_COLUMNS = ("ULN", "GivenName", "FamilyName", "DateOfBirth", "Gender", "LastKnownPostCode")
CHUNK_SIZE = 2000
MAX_REPORTED_REJECTIONS = 1000


@dataclass
class Rejection:
    row_number: int
    uln: str
    errors: dict[str, list[str]]


@dataclass
class ImportReport:
    loaded: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    def reject(self, row_number: int, uln: str, errors: dict[str, list[str]]) -> None:
        self.rejected += 1
        if len(self.rejections) < MAX_REPORTED_REJECTIONS:
            self.rejections.append(Rejection(row_number, uln, errors))


def check_columns(columns: Iterable[str]) -> None:
    """Refuse a file whose header lacks a required column or has an unknown one."""
    present = {column.strip() for column in columns}
    missing = [column for column in REQUIRED_COLUMNS if column not in present]
    unknown = sorted(present - set(COLUMN_TO_FIELD) - {"ULN"})
    problems = []
    if missing:
        problems.append(_("missing column(s): %(cols)s") % {"cols": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown column(s): %(cols)s") % {"cols": ", ".join(unknown)})
    if problems:
        raise ValidationFailed(_("The file's header is not usable: %s.") % "; ".join(problems))


def details_from_row(row: Mapping[str, str]) -> tuple[LearnerDetails, dict[str, list[str]]]:
    values, errors = _values_from_row(row, {})
    return LearnerDetails.from_mapping(values), errors


def _values_from_row(
    row: Mapping[str, str], values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The row's values by LearnerDetails field, added to `values`, and its unreadable dates."""
    errors: dict[str, list[str]] = {}
    for column, raw in row.items():
        name = COLUMN_TO_FIELD.get(column)
        if name is None or raw is None:
            continue
        if name in DATE_FIELDS:
            parsed = parse_date(raw)
            if raw.strip() and parsed is None:
                errors[name] = [
                    _("This date does not exist: check the day and the month.")
                    if has_date_form(raw)
                    else _("Write dates as YYYY-MM-DD or DD/MM/YYYY.")
                ]
            values[name] = parsed
        else:
            values[name] = raw
    # An existing register may not say how identity was checked or whether the privacy
    # notice was seen; the safe reading is "none provided" and "not seen".
    values.setdefault("verification_type", "0")
    if not values.get("verification_type"):
        values["verification_type"] = "0"
    if not values.get("ability_to_share"):
        values["ability_to_share"] = "0"
    return values, errors


def import_learners(
    *,
    rows: Iterable[Mapping[str, str]],
    actor: Actor,
    progress: Callable[[int, int], None] | None = None,
    jobs: int = 1,
    note: Callable[[str], None] | None = None,
    keep_indexes: bool = False,
) -> ImportReport:
    """Load learners with their existing ULNs; bad rows are reported, good ones loaded.

    Rows are validated like a registration, except that the register's own ULN is kept and
    no search is made (the source register is taken as already de-duplicated; rows whose ULN
    or key information is already present are rejected).

    `jobs` above 1: that many worker processes validate the rows and work out their identity
    and blocking keys, a block of rows at a time; this process takes their results in file
    order, keeps the ULNs and identities seen so far and writes to the database. The outcome is
    the same as with one job, row for row: only the per-row work is shared out.

    Into an empty register (no learner at all) on PostgreSQL, outside a transaction and unless
    `keep_indexes`: the learner and blocking-key tables' non-unique indexes, and the constraints
    the load cannot break (`_load_constraints`, the learners' unique ULN and identity among
    them), are dropped for the load and built again after it, however it ends (`jobs` of them
    at once); only the primary keys stay. The load is then the register's only writer
    (`_Writer`), so duplicates are refused as ever without looking the rows up. `note` hears
    what is done, and how long the rebuild took.
    """
    ensure_can(actor, Permission.IMPORT_LEARNERS)
    set_aside = not keep_indexes and not Learner.objects.exists()
    with secondary_indexes_set_aside(
        _REBUILT_TABLES if set_aside else (),
        builders=jobs,
        note=note or (lambda _message: None),
        constraints=_load_constraints if set_aside else list,
    ) as set_aside_indexes:
        writer = _Writer(actor, sole=bool(set_aside_indexes))
        report = _load(rows, writer, progress, jobs)
    _refresh_statistics()
    return report


# The tables whose non-unique indexes a load into an empty register builds afterwards, rather
# than row by row (the blocking keys are most of its rows); its own look-ups use none of them.
_REBUILT_TABLES = (Learner, LearnerMatchKey)


def _load_constraints() -> list[SecondaryIndex]:
    """The constraints a load into an empty register adds back after it, checked once over the
    whole table rather than row by row: the learners' unique ULN and identity and their foreign
    keys, the blocking keys' (key, learner) primary key (nothing refers to it; the learners'
    own primary key stays, their ids being what the keys and other rows refer to), and the
    known-learner rows' foreign keys (the blocking keys have no database foreign key,
    `LearnerMatchKey.learner`).

    The load cannot break them: the file's own ULNs and identities are refused when seen twice
    (`_load`), the register was empty and no one else writes learners while it loads
    (`_Writer`), every learner it writes keys for is new and its keys are a set, and the
    learner and organisation ids it writes are those it has just inserted and the importing
    organisation's. Should a duplicate get in all the same, the unique constraint or primary
    key is not added back and the rebuild says which value is there twice."""
    return load_constraints(
        (Learner, LearnerMatchKey), foreign_only=(KnownLearner,), primary_keys=(LearnerMatchKey,)
    )


def _load(
    rows: Iterable[Mapping[str, str]],
    writer: _Writer,
    progress: Callable[[int, int], None] | None,
    jobs: int,
) -> ImportReport:
    report = ImportReport()
    pending: list[_Pending] = []
    seen_ulns: set[str] = set()
    seen_identities: set[str] = set()
    for checked in _checked_rows(rows, jobs):
        if isinstance(checked, Rejection):
            report.reject(checked.row_number, checked.uln, checked.errors)
            continue
        if checked.uln in seen_ulns:
            report.reject(
                checked.row_number,
                checked.uln,
                {"uln": [_("This ULN appears more than once in the file.")]},
            )
            continue
        if checked.identity_key in seen_identities:
            report.reject(
                checked.row_number,
                checked.uln,
                {"identity": [_("Key information identical to an earlier row.")]},
            )
            continue
        seen_ulns.add(checked.uln)
        seen_identities.add(checked.identity_key)
        pending.append(checked)
        if len(pending) >= CHUNK_SIZE:
            writer.flush(pending, report)
            pending = []
            if progress:
                progress(report.loaded, report.rejected)
    if pending:
        writer.flush(pending, report)
    if progress:
        progress(report.loaded, report.rejected)
    return report


class _Pending(NamedTuple):
    """A valid row, ready for the database (a tuple: it crosses between processes)."""

    row_number: int
    uln: str
    identity_key: str
    values: tuple[Any, ...]  # the LEARNER_FIELDS, as database values
    keys: tuple[str, ...]  # the blocking keys to store
    # On PostgreSQL, from `_check_block`: the ULN, `values` and identity key as a line of COPY
    # text (`copy_text`), in place of `values`, so that the process writing only joins lines.
    copy_text: str = ""


def check_row(
    row_number: int,
    row: Mapping[str, str],
    *,
    today: datetime.date | None = None,
    adapt_date: Callable[[Any], Any] | None = None,
) -> _Pending | Rejection:
    """Validate one row on its own (nothing about other rows or the register) and work out
    what loading it would write.

    As `details_from_row`, `validate_learner_details` and `matching_adapter.identity_and_keys`
    would, without building the details twice. `today` (the day ages are worked out on) and
    `adapt_date` (the connection's date adapter) can be given once for a block of rows.
    """
    raw_uln = (row.get("ULN") or "").strip()
    values, errors = _values_from_row(row, dict(LEARNER_DEFAULTS))
    try:
        uln = validate_uln(raw_uln)
    except IdentifierError as exc:
        errors.setdefault("uln", []).append(exc.message)
        uln = raw_uln
    try:
        details = validate_learner_values(values, today=today)
    except ValidationFailed as exc:
        for name, messages in exc.field_errors.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        return Rejection(row_number, uln, errors)
    identity, keys = matching_adapter.identity_and_keys(details)
    fields = list(_learner_fields(details))
    adapt = adapt_date or connection.ops.adapt_datefield_value
    for index in _DATE_INDEXES:
        fields[index] = adapt(fields[index])
    return _Pending(row_number, uln, identity, tuple(fields), tuple(keys))


_learner_fields = operator.attrgetter(*LEARNER_FIELDS)
_DATE_INDEXES = tuple(index for index, name in enumerate(LEARNER_FIELDS) if name in DATE_FIELDS)


def _check_block(
    first_row_number: int, rows: list[Mapping[str, str]]
) -> list[_Pending | Rejection]:
    today = datetime.date.today()  # noqa: DTZ011 - a calendar date in local time
    adapt_date = connection.ops.adapt_datefield_value
    return [
        check_row(number, row, today=today, adapt_date=adapt_date)
        for number, row in enumerate(rows, start=first_row_number)
    ]


def _prepare_block(
    first_row_number: int, rows: list[Mapping[str, str]]
) -> list[_Pending | Rejection]:
    """`_check_block`, and on PostgreSQL each valid row's learner columns as COPY text (the
    work of a worker process, not of the one that writes)."""
    checked = _check_block(first_row_number, rows)
    if connection.vendor != "postgresql":
        return checked
    return [
        result._replace(
            values=(), copy_text=copy_text((result.uln, *result.values, result.identity_key))
        )
        if isinstance(result, _Pending)
        else result
        for result in checked
    ]


ROWS_PER_TASK = 1000


def _blocks(rows: Iterable[Mapping[str, str]]) -> Iterator[tuple[int, list[Mapping[str, str]]]]:
    """The rows in blocks, each with its first row's number in the file (the header is row 1)."""
    number = 2
    iterator = iter(rows)
    while block := list(itertools.islice(iterator, ROWS_PER_TASK)):
        yield number, block
        number += len(block)


def _checked_rows(rows: Iterable[Mapping[str, str]], jobs: int) -> Iterator[_Pending | Rejection]:
    """`check_row` for every row, in file order; by `jobs` worker processes when above 1.

    Workers are forked (they inherit the configured Django and never touch the database);
    at most two blocks per worker are in flight, so a file of any size is streamed.
    """
    if jobs <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for first, rows_of_block in _blocks(rows):
            yield from _prepare_block(first, rows_of_block)
        return
    blocks = _blocks(rows)
    pool = multiprocessing.get_context("fork").Pool(jobs, initializer=_default_signals)
    try:
        waiting: deque[Any] = deque(
            pool.apply_async(_prepare_block, task) for task in itertools.islice(blocks, 2 * jobs)
        )
        while waiting:
            checked = waiting.popleft().get()
            task = next(blocks, None)
            if task is not None:
                waiting.append(pool.apply_async(_prepare_block, task))
            yield from checked
        pool.close()  # every block is done: the workers exit on their own
    finally:
        pool.terminate()
        pool.join()


def _default_signals() -> None:
    """A forked worker starts with the default SIGTERM and SIGINT: a handler inherited from
    the parent (a worker loop's graceful stop, say) would keep it alive when the pool is
    terminated, and the import would wait for it forever."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _taken(column: str, values: list[str]) -> set[str]:
    """Which of the values the learners' `column` (ULN or identity key) already holds."""
    quote = connection.ops.quote_name
    table = quote(Learner._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(column)} FROM {table} WHERE {quote(column)} "  # noqa: S608 - names from model metadata
            + _in_values(len(values)),
            _value_parameters(values),
        )
        return {row[0] for row in cursor.fetchall()}


def _ids_of(ulns: list[str]) -> dict[str, int]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('uln')}, {quote('id')} FROM {quote(Learner._meta.db_table)} "  # noqa: S608 - names from model metadata
            f"WHERE {quote('uln')} " + _in_values(len(ulns)),
            _value_parameters(ulns),
        )
        return dict(cursor.fetchall())


# Separates the values of a look-up sent to PostgreSQL as one text parameter: a ULN or an
# identity key (built from validated names, a date, a gender and a postcode) never holds it.
_SEPARATOR = "\x1f"


def _in_values(count: int) -> str:
    if connection.vendor == "postgresql":
        # One text parameter split by the server: psycopg quotes a list of 2,000 strings for an
        # array parameter element by element, which cost more than the look-up itself.
        return f"= ANY(string_to_array(%s, '{_SEPARATOR}'))"
    return "IN ({})".format(", ".join(["%s"] * count))


def _value_parameters(values: list[str]) -> list[Any]:
    if connection.vendor != "postgresql":
        return values
    if any(_SEPARATOR in value for value in values):
        raise ValueError("a look-up value holds the separator")
    return [_SEPARATOR.join(values)]


class _Writer:
    """Writes the valid rows, a chunk at a time, each chunk in a transaction of its own.

    Into a register that holds other learners (or on SQLite), each chunk first looks up which
    of its ULNs and identities are taken and refuses those rows. As the `sole` writer (a load
    into an empty register whose unique ULN and identity are set aside, `_load_constraints`),
    no look-up: the file's own repeats are refused by `_load`, and each chunk locks the learners
    against every other writer and checks that no learner but its own came in since the last
    (else the load stops, with what it loaded kept and the unique constraints put back).

    On PostgreSQL the learners' ids are taken from their sequence for each chunk, and written
    with them, rather than read back after.
    """

    def __init__(self, actor: Actor, *, sole: bool) -> None:
        self.actor = actor
        self.sole = sole
        self.last_id: int | None = None  # the sole writer's latest learner

    def flush(self, pending: list[_Pending], report: ImportReport) -> None:
        """Insert one chunk in one transaction, refusing rows already on the register.

        `insert_rows` (COPY, or executemany) rather than `bulk_create`: building ORM objects for
        every learner, key and audit row costs several times the database's own work at this
        volume.
        """
        with transaction.atomic():
            if self.sole:
                self._keep_others_out()
                fresh = pending
            else:
                fresh = _not_taken(pending, report)
            if not fresh:
                return
            now = timezone.now()
            if connection.vendor == "postgresql":
                new_ids = _new_ids(len(fresh))
                _insert_learners(fresh, self.actor, now, new_ids)
                ids: Sequence[int] = new_ids
                self.last_id = new_ids[-1]
            else:
                _insert_learners(fresh, self.actor, now, None)
                by_uln = _ids_of([row.uln for row in fresh])
                ids = [by_uln[row.uln] for row in fresh]
            _insert_the_rest(fresh, ids, self.actor, now)
        report.loaded += len(fresh)

    def _keep_others_out(self) -> None:
        """Lock the learners against other writers to the end of this chunk's transaction, and
        check that none wrote a learner since the last chunk (or since the start).

        SHARE ROW EXCLUSIVE waits for every transaction that inserts or changes a learner and
        keeps new ones out; a learner added between two chunks took an id from the sequence
        after this load's last, so the highest id tells."""
        table = connection.ops.quote_name(Learner._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute(f"SELECT max(id) FROM {table}")  # noqa: S608 - name from model metadata
            (highest,) = cursor.fetchone()
        if highest != self.last_id:
            raise RuntimeError(
                "Another process wrote learners to the register while this import loaded it "
                "(as the only writer, it no longer checks for learners already there). The "
                "rows before this chunk are loaded; run the import again with the rest of the "
                "file, or the whole file (the rows loaded are then refused as already there)."
            )


def _not_taken(pending: list[_Pending], report: ImportReport) -> list[_Pending]:
    """The rows whose ULN and identity the register does not hold yet; the others refused."""
    taken_ulns = _taken("uln", [row.uln for row in pending])
    taken_ids = _taken("identity_key", [row.identity_key for row in pending])
    fresh: list[_Pending] = []
    for row in pending:
        if row.uln in taken_ulns:
            report.reject(row.row_number, row.uln, {"uln": [_("ULN already on the register.")]})
        elif row.identity_key in taken_ids:
            report.reject(
                row.row_number,
                row.uln,
                {"identity": [_("Key information identical to a registered learner.")]},
            )
        else:
            fresh.append(row)
    return fresh


def _new_ids(count: int) -> range | list[int]:
    """`count` new learner ids from the learners' own sequence (PostgreSQL), as inserting the
    rows one by one would have taken them."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [quote(Learner._meta.db_table), count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    # Usually one run of ids (the sole writer always gets one).
    if ids[-1] - ids[0] == count - 1:
        return range(ids[0], ids[-1] + 1)
    return ids


def _insert_the_rest(
    fresh: list[_Pending], ids: Sequence[int], actor: Actor, now: datetime.datetime
) -> None:
    """The new learners' blocking keys, audit rows and known-learner rows."""
    insert_grouped_rows(
        LearnerMatchKey,
        ("learner_id", "key"),
        [(learner_id, row.keys) for learner_id, row in zip(ids, fresh, strict=True)],
    )
    organisation = actor.organisation
    stamp = connection.ops.adapt_datetimefield_value(now)
    audit_tail = (
        actor.user.pk,
        actor.user.username,
        organisation.pk,
        organisation.name,
        actor.channel,
        AuditAction.LEARNER_IMPORTED,
    )
    insert_for_ids(
        AuditEvent,
        (
            "occurred_at",
            "user_id",
            "username",
            "organisation_id",
            "organisation_name",
            "channel",
            "action",
            "version_number",
            "changes",
            "details",
        ),
        (stamp, *audit_tail, 1, "{}", "{}"),
        "learner_id",
        ids,
    )
    # The importing organisation knows the learners it loaded (new learners: no conflicts).
    insert_for_ids(
        KnownLearner,
        ("organisation_id", "how", "since"),
        (organisation.pk, KnownBy.IMPORTED.value, stamp),
        "learner_id",
        ids,
    )


_LEARNER_COLUMNS = (
    "uln",
    *LEARNER_FIELDS,
    "identity_key",
    "learner_status",
    "version_number",
    "created_at",
    "updated_at",
    "created_by_organisation_id",
)


def _insert_learners(
    rows: list[_Pending],
    actor: Actor,
    now: datetime.datetime,
    ids: Sequence[int] | None,
) -> None:
    """The learners, with the `ids` given, or the database's own when None."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    tail = (LearnerStatus.ACTIVE, 1, stamp, stamp, actor.organisation.pk)
    if ids is None:
        insert_rows(
            Learner,
            _LEARNER_COLUMNS,
            [(row.uln, *row.values, row.identity_key, *tail) for row in rows],
        )
        return
    if all(row.copy_text for row in rows):
        end = "\t" + copy_text(tail) + "\n"
        insert_copy_text(
            Learner,
            ("id", *_LEARNER_COLUMNS),
            "".join(
                f"{learner_id}\t{row.copy_text}{end}"
                for learner_id, row in zip(ids, rows, strict=True)
            ),
        )
        return
    insert_rows(
        Learner,
        ("id", *_LEARNER_COLUMNS),
        [
            (learner_id, row.uln, *row.values, row.identity_key, *tail)
            for learner_id, row in zip(ids, rows, strict=True)
        ],
    )


def _refresh_statistics() -> None:
    """Let the query planner see the new rows: after a bulk load its statistics are stale and
    it may scan instead of using the blocking-key index.

    On PostgreSQL, outside a transaction, VACUUM as well: it marks the new pages all-visible,
    so candidate look-ups become index-only scans of (key, learner_id).
    """
    tables = [
        model._meta.db_table for model in (Learner, LearnerMatchKey, AuditEvent, KnownLearner)
    ]
    command = "ANALYZE"
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        command = "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")
