"""Bulk load of an existing register (learners that already have ULNs)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction
from lrs.core.bulk import insert_rows
from lrs.core.errors import ValidationFailed
from lrs.core.models import AuditEvent
from lrs.core.roles import Permission
from lrs.identifiers import IdentifierError, validate_uln
from lrs.learners import matching_adapter
from lrs.learners.choices import LearnerStatus
from lrs.learners.columns import COLUMN_TO_FIELD, has_date_form, parse_date
from lrs.learners.details import DATE_FIELDS, LEARNER_FIELDS, LearnerDetails
from lrs.learners.models import KnownBy, KnownLearner, Learner, LearnerMatchKey
from lrs.learners.validation import validate_learner_details

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
    values: dict[str, object] = {}
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
    return LearnerDetails.from_mapping(values), errors


def import_learners(
    *,
    rows: Iterable[Mapping[str, str]],
    actor: Actor,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Load learners with their existing ULNs; bad rows are reported, good ones loaded.

    Rows are validated like a registration, except that the register's own ULN is kept and
    no search is made (the source register is taken as already de-duplicated; rows whose ULN
    or key information is already present are rejected).
    """
    ensure_can(actor, Permission.IMPORT_LEARNERS)
    report = ImportReport()
    pending: list[_Pending] = []
    seen_ulns: set[str] = set()
    seen_identities: set[str] = set()
    for row_number, row in enumerate(rows, start=2):
        raw_uln = (row.get("ULN") or "").strip()
        details, errors = details_from_row(row)
        try:
            uln = validate_uln(raw_uln)
        except IdentifierError as exc:
            errors.setdefault("uln", []).append(exc.message)
            uln = raw_uln
        try:
            details = validate_learner_details(details)
        except ValidationFailed as exc:
            for name, messages in exc.field_errors.items():
                errors.setdefault(name, []).extend(messages)
        if not errors:
            identity = matching_adapter.identity_key_of(details)
            if uln in seen_ulns:
                errors["uln"] = [_("This ULN appears more than once in the file.")]
            elif identity in seen_identities:
                errors["identity"] = [_("Key information identical to an earlier row.")]
            else:
                seen_ulns.add(uln)
                seen_identities.add(identity)
                pending.append(_Pending(row_number, uln, identity, details))
        if errors:
            report.reject(row_number, uln, errors)
        if len(pending) >= CHUNK_SIZE:
            _flush(pending, report, actor)
            pending = []
            if progress:
                progress(report.loaded, report.rejected)
    if pending:
        _flush(pending, report, actor)
    _refresh_statistics()
    if progress:
        progress(report.loaded, report.rejected)
    return report


@dataclass(frozen=True, slots=True)
class _Pending:
    row_number: int
    uln: str
    identity_key: str
    details: LearnerDetails


def _flush(pending: list[_Pending], report: ImportReport, actor: Actor) -> None:
    """Insert one chunk in one transaction, skipping rows already on the register.

    `insert_rows` (COPY, or executemany) rather than `bulk_create`: building ORM objects for
    every learner, key and audit row costs several times the database's own work at this volume.
    """
    ulns = [row.uln for row in pending]
    identities = [row.identity_key for row in pending]
    with transaction.atomic():
        taken_ulns = set(Learner.objects.filter(uln__in=ulns).values_list("uln", flat=True))
        taken_ids = set(
            Learner.objects.filter(identity_key__in=identities).values_list(
                "identity_key", flat=True
            )
        )
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
        if not fresh:
            return
        now = timezone.now()
        _insert_learners(fresh, actor, now)
        ids = dict(
            Learner.objects.filter(uln__in=[row.uln for row in fresh]).values_list("uln", "id")
        )
        insert_rows(
            LearnerMatchKey,
            ("learner_id", "key"),
            [
                (ids[row.uln], key)
                for row in fresh
                for key in matching_adapter.keys_for(row.details)
            ],
        )
        organisation = actor.organisation
        stamp = connection.ops.adapt_datetimefield_value(now)
        insert_rows(
            AuditEvent,
            (
                "occurred_at",
                "user_id",
                "username",
                "organisation_id",
                "organisation_name",
                "channel",
                "action",
                "learner_id",
                "version_number",
                "changes",
                "details",
            ),
            [
                (
                    stamp,
                    actor.user.pk,
                    actor.user.username,
                    organisation.pk,
                    organisation.name,
                    actor.channel,
                    AuditAction.LEARNER_IMPORTED,
                    ids[row.uln],
                    1,
                    "{}",
                    "{}",
                )
                for row in fresh
            ],
        )
        # The importing organisation knows the learners it loaded (new learners: no conflicts).
        insert_rows(
            KnownLearner,
            ("organisation_id", "learner_id", "how", "since"),
            [
                (
                    organisation.pk,
                    ids[row.uln],
                    KnownBy.IMPORTED.value,
                    stamp,
                )
                for row in fresh
            ],
        )
    report.loaded += len(fresh)


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


def _insert_learners(rows: list[_Pending], actor: Actor, now: datetime.datetime) -> None:
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    tail = (LearnerStatus.ACTIVE, 1, stamp, stamp, actor.organisation.pk)
    values = []
    for row in rows:
        fields = [
            ops.adapt_datefield_value(getattr(row.details, name))
            if name in DATE_FIELDS
            else getattr(row.details, name)
            for name in LEARNER_FIELDS
        ]
        values.append((row.uln, *fields, row.identity_key, *tail))
    insert_rows(Learner, _LEARNER_COLUMNS, values)


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
