"""Learning events in: one service for every channel (AO API and file, ILR and NPD returns).

`record_learning_events` takes rows that already passed their channel's parsing and, for each:
1. finds the learner by ULN (or, for NPD rows without one, by UPN) and checks that the row's
   names and date of birth are that learner's (known name variants allowed, as find-by-ULN
   does). A row that doesn't agree is rejected with the reason and never attached to anyone;
2. finds the qualification or unit in the catalogue (an AO may award only its own);
3. creates the event, or, when the source sent this record before (same source, submitter and
   source record id), updates it and keeps the old values in its history.
All of a call's writes and its audit row are one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.core.actor import LEARNER_LABEL, Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.bulk import insert_objects, insert_rows
from lrs.core.errors import NotFound
from lrs.core.roles import Permission
from lrs.identifiers import IdentifierError, validate_qn, validate_uln
from lrs.learners.models import Learner
from lrs.matching import are_name_variants, normalise_name
from lrs.organisations.models import Organisation, OrganisationType
from lrs.organisations.selectors import acting_organisation, acting_user
from lrs.plr.catalogue import normalise_unit_reference
from lrs.plr.choices import (
    COLLECTION_TYPE,
    UNKNOWN_AO_NAME,
    UNKNOWN_AO_UKPRN,
    EventStatus,
    LanguageForAssessment,
    Source,
)
from lrs.plr.errors import NotAnAwardingOrganisation
from lrs.plr.models import (
    AwardingBody,
    LearningEvent,
    LearningEventChange,
    Qualification,
    RuleGroup,
    Unit,
)

MAX_ROWS_PER_CALL = 5000
CHUNK_SIZE = 1000


@dataclass(frozen=True)
class EventRow:
    """One learning event as a channel received it, before matching."""

    uln: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    subject_code: str  # a QN (either form) or a unit reference
    source_record_id: str
    grade: str = ""
    credits: int | None = None
    achievement_award_date: datetime.date | None = None
    participation_start_date: datetime.date | None = None
    participation_end_date: datetime.date | None = None
    achievement_provider_ukprn: str = ""
    achievement_provider_name: str = ""
    language_for_assessment: str = ""
    sensitive: bool = False
    status: str = EventStatus.FINAL
    completion_status: str = ""
    outcome: str = ""
    return_number: str = ""
    upn: str = ""  # NPD rows may name the pupil by UPN instead of ULN
    # Problems the channel's parser found (field -> messages); such a row is rejected as given.
    parse_errors: dict[str, list[str]] = field(default_factory=dict)


class RowStatus:
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


class RejectionCode:
    """Why a row was rejected: stable codes (portal, API, output files translate them)."""

    INVALID = "invalid"
    ULN_INVALID = "uln_invalid"
    ULN_UNKNOWN = "uln_unknown"
    UPN_UNKNOWN = "upn_unknown"
    LEARNER_MISMATCH = "learner_mismatch"
    SUBJECT_UNKNOWN = "subject_unknown"
    NOT_OWNER = "not_owner"
    DUPLICATE_ROW = "duplicate_row"


@dataclass(frozen=True)
class RowOutcome:
    position: int  # 1 for the first row
    status: str
    source_record_id: str
    uln: str = ""
    code: str = ""
    message: str = ""
    # For LEARNER_MISMATCH: the fields that differ (given_name, family_name, date_of_birth);
    # for INVALID: field -> messages.
    fields: dict[str, list[str]] = field(default_factory=dict)
    event_id: int | None = None


@dataclass
class SubmissionReport:
    outcomes: list[RowOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def totals(self) -> dict[str, int]:
        return {
            status: self.count(status)
            for status in (
                RowStatus.CREATED,
                RowStatus.UPDATED,
                RowStatus.UNCHANGED,
                RowStatus.REJECTED,
            )
        }


def rejection_message(code: str, fields: dict[str, list[str]] | None = None) -> str:
    """The sentence for a rejection code, in the active language."""
    fields = fields or {}
    if code == RejectionCode.LEARNER_MISMATCH:
        labels = {
            "given_name": _("given name"),
            "family_name": _("family name"),
            "date_of_birth": _("date of birth"),
        }
        differing = ", ".join(str(labels.get(name, name)) for name in fields)
        return _(
            "The learner's details do not match the learner with this ULN (%(fields)s differ): "
            "the row was not recorded."
        ) % {"fields": differing}
    if code == RejectionCode.INVALID:
        problems = "; ".join(" ".join(messages) for messages in fields.values())
        return _("The row is not valid: %(problems)s") % {"problems": problems}
    messages = {
        RejectionCode.ULN_INVALID: _("The ULN is not a valid ULN."),
        RejectionCode.ULN_UNKNOWN: _("No learner has this ULN: the row was not recorded."),
        RejectionCode.UPN_UNKNOWN: _(
            "No single learner has this UPN, and no ULN was given: the row was not recorded."
        ),
        RejectionCode.SUBJECT_UNKNOWN: _(
            "The qualification or unit reference is not in the qualification catalogue."
        ),
        RejectionCode.NOT_OWNER: _(
            "Your organisation does not award this qualification or unit (qualification "
            "catalogue): the row was not recorded."
        ),
        RejectionCode.DUPLICATE_ROW: _(
            "The same source record id appears earlier in this submission: the row was not "
            "recorded."
        ),
    }
    return str(messages.get(code, code))


# --- Matching a row to its learner -----------------------------------------------------------


def _given_agrees(given: str, learner: Learner | LearnerKey) -> bool:
    searched = normalise_name(given)
    if not searched:
        return False
    if searched in {
        normalise_name(learner.given_name),
        normalise_name(learner.preferred_given_name),
        # Data returns send all given names ("GivenNames"): the given and middle names.
        normalise_name(f"{learner.given_name} {learner.middle_other_name}"),
    }:
        return True
    return are_name_variants(given, learner.given_name)


def _family_agrees(family: str, learner: Learner | LearnerKey) -> bool:
    searched = normalise_name(family)
    return bool(searched) and searched in {
        normalise_name(learner.family_name),
        normalise_name(learner.previous_family_name),
    }


def differing_details(row: EventRow, learner: Learner | LearnerKey) -> list[str]:
    """The row's details that are not the learner's: [] when names and date of birth agree."""
    differing = []
    if not _given_agrees(row.given_name, learner):
        differing.append("given_name")
    if not _family_agrees(row.family_name, learner):
        differing.append("family_name")
    if row.date_of_birth is None or row.date_of_birth != learner.date_of_birth:
        differing.append("date_of_birth")
    return differing


def match_learner(row: EventRow, learner: Learner | LearnerKey) -> list[str]:
    """Differences from the learner of the ULN; a linked ULN may also match its master."""
    differing = differing_details(row, learner)
    if differing and learner.master is not None and not differing_details(row, learner.master):
        return []
    return differing


# --- The one service -------------------------------------------------------------------------

_COMPARED_FIELDS = (
    "learner_id",
    "submitted_uln",
    "qualification_id",
    "unit_id",
    "subject",
    "subject_code",
    "qualification_type",
    "level",
    "grade",
    "credits",
    "awarding_organisation_ukprn",
    "awarding_organisation_name",
    "achievement_provider_ukprn",
    "achievement_provider_name",
    "participation_start_date",
    "participation_end_date",
    "achievement_award_date",
    "language_for_assessment",
    "collection_type",
    "return_number",
    "status",
    "completion_status",
    "outcome",
    "sensitive",
)


@dataclass(frozen=True)
class Submitter:
    """Who a set of rows comes from: the source and the submitting organisation's UKPRN."""

    source: str
    ukprn: str
    organisation: Organisation | None
    # For an AO: the awarding organisation, whose own qualifications only it may award.
    awarding_organisation: Organisation | None = None


class _Catalogue:
    """The qualifications and units a chunk names, fetched once per chunk."""

    def __init__(self, codes: set[str]) -> None:
        qns, units = set(), set()
        for code in codes:
            try:
                qns.add(validate_qn(code))
                continue
            except IdentifierError:
                pass
            try:
                units.add(normalise_unit_reference(code))
            except ValueError:
                continue
        self.qualifications = {
            q.qn: q
            for q in Qualification.objects.filter(qn__in=qns).select_related(
                "awarding_body__organisation"
            )
        }
        self.units = {u.unit_reference: u for u in Unit.objects.filter(unit_reference__in=units)}
        # A unit belongs to the awarding bodies of the qualifications it counts towards.
        self.unit_bodies: dict[int, list[AwardingBody]] = {}
        if self.units:
            links = RuleGroup.units.through.objects.filter(
                unit_id__in=[unit.pk for unit in self.units.values()]
            ).values_list("unit_id", "rulegroup__qualification__awarding_body_id")
            body_ids = {body_id for _unit, body_id in links}
            bodies = AwardingBody.objects.select_related("organisation").in_bulk(body_ids)
            for unit_id, body_id in sorted(links):
                if bodies[body_id] not in self.unit_bodies.setdefault(unit_id, []):
                    self.unit_bodies[unit_id].append(bodies[body_id])

    def find(self, code: str) -> Qualification | Unit | None:
        try:
            return self.qualifications.get(validate_qn(code))
        except IdentifierError:
            pass
        try:
            return self.units.get(normalise_unit_reference(code))
        except ValueError:
            return None


def _event_values(
    row: EventRow,
    learner: LearnerKey,
    subject: Qualification | Unit,
    submitter: Submitter,
    catalogue: _Catalogue,
) -> dict[str, Any]:
    body: AwardingBody | None
    if isinstance(subject, Qualification):
        qualification, unit = subject, None
        body = subject.awarding_body
        title, code = subject.title, subject.qn
        qualification_type, credits = subject.qualification_type, row.credits
    else:
        qualification, unit = None, subject
        bodies = catalogue.unit_bodies.get(subject.pk, [])
        body = bodies[0] if bodies else None
        title, code = subject.title, subject.unit_reference
        qualification_type = ""
        credits = row.credits if row.credits is not None else subject.credit_value
    if body is not None and body.organisation is not None:
        ao_ukprn, ao_name = body.organisation.ukprn, body.organisation.name
    elif body is not None:
        ao_ukprn, ao_name = UNKNOWN_AO_UKPRN, body.name
    else:
        ao_ukprn, ao_name = UNKNOWN_AO_UKPRN, UNKNOWN_AO_NAME
    if submitter.source == Source.AO and submitter.awarding_organisation is not None:
        ao_ukprn = submitter.awarding_organisation.ukprn
        ao_name = submitter.awarding_organisation.name
    return {
        "learner_id": learner.pk,
        "submitted_uln": learner.uln,
        "qualification_id": qualification.pk if qualification else None,
        "unit_id": unit.pk if unit else None,
        "subject": title[:500],
        "subject_code": code,
        "qualification_type": qualification_type,
        "level": subject.level,
        "grade": row.grade.strip()[:20],
        "credits": credits,
        "awarding_organisation_ukprn": ao_ukprn,
        "awarding_organisation_name": ao_name[:255],
        "achievement_provider_ukprn": row.achievement_provider_ukprn.strip()[:8],
        "achievement_provider_name": row.achievement_provider_name.strip()[:255],
        "participation_start_date": row.participation_start_date,
        "participation_end_date": row.participation_end_date,
        "achievement_award_date": row.achievement_award_date,
        "language_for_assessment": row.language_for_assessment,
        "collection_type": COLLECTION_TYPE.get(submitter.source, ""),
        "return_number": row.return_number[:2],
        "status": row.status,
        "completion_status": row.completion_status[:1],
        "outcome": row.outcome[:1],
        "sensitive": row.sensitive,
    }


def _owns(subject: Qualification | Unit, catalogue: _Catalogue, organisation: Organisation) -> bool:
    if isinstance(subject, Qualification):
        return subject.awarding_body.organisation_id == organisation.pk
    return any(
        body.organisation_id == organisation.pk
        for body in catalogue.unit_bodies.get(subject.pk, [])
    )


def _check_row(row: EventRow) -> dict[str, list[str]]:
    errors = {name: list(messages) for name, messages in row.parse_errors.items()}
    if not row.source_record_id.strip():
        errors.setdefault("source_record_id", []).append(_("Give the record's own id."))
    elif len(row.source_record_id.strip()) > 100:
        errors.setdefault("source_record_id", []).append(_("Use at most 100 characters."))
    if not row.subject_code.strip():
        errors.setdefault("subject_code", []).append(
            _("Give the qualification number or unit reference.")
        )
    if len(row.grade.strip()) > 20:
        errors.setdefault("grade", []).append(_("Use at most 20 characters."))
    if row.credits is not None and row.credits < 0:
        errors.setdefault("credits", []).append(_("Credits cannot be negative."))
    if (
        row.language_for_assessment
        and row.language_for_assessment not in LanguageForAssessment.values
    ):
        errors.setdefault("language_for_assessment", []).append(_("Use en, cy, ga or gd."))
    start, end = row.participation_start_date, row.participation_end_date
    if start and end and end < start:
        errors.setdefault("participation_end_date", []).append(
            _("The end date is before the start date.")
        )
    today = timezone.localdate()
    for name in ("achievement_award_date", "participation_start_date"):
        value = getattr(row, name)
        if value is not None and value > today:
            errors.setdefault(name, []).append(_("The date is in the future."))
    return errors


@dataclass(frozen=True)
class LearnerKey:
    """What matching a row needs of a learner (read as plain values: a chunk reads many)."""

    pk: int
    uln: str
    given_name: str
    preferred_given_name: str
    middle_other_name: str
    family_name: str
    previous_family_name: str
    date_of_birth: datetime.date
    _: KW_ONLY
    master: LearnerKey | None = None


_KEY_FIELDS = (
    "id",
    "uln",
    "given_name",
    "preferred_given_name",
    "middle_other_name",
    "family_name",
    "previous_family_name",
    "date_of_birth",
)


def _keys(learners: Any) -> list[LearnerKey]:
    values = learners.values_list(*_KEY_FIELDS, *(f"master__{name}" for name in _KEY_FIELDS))
    keys = []
    for row in values:
        own, master = row[: len(_KEY_FIELDS)], row[len(_KEY_FIELDS) :]
        keys.append(LearnerKey(*own, master=LearnerKey(*master) if master[0] is not None else None))
    return keys


def _learners_for(
    rows: Sequence[EventRow],
) -> tuple[dict[str, LearnerKey], dict[str, list[LearnerKey]]]:
    ulns = {row.uln.strip() for row in rows if row.uln.strip()}
    upns = {row.upn.strip().upper() for row in rows if not row.uln.strip() and row.upn.strip()}
    by_uln = {key.uln: key for key in _keys(Learner.objects.filter(uln__in=ulns).order_by())}
    by_upn: dict[str, list[LearnerKey]] = {}
    if upns:
        found = dict(Learner.objects.filter(upn__in=upns).values_list("id", "upn"))
        for key in _keys(Learner.objects.filter(pk__in=found).order_by("id")):
            by_upn.setdefault(found[key.pk], []).append(key)
    return by_uln, by_upn


_INSERTED = [field for field in LearningEvent._meta.concrete_fields if not field.primary_key]


def _insert_events(events: list[dict[str, Any]], now: datetime.datetime) -> None:
    """Insert new events from their values, adapting only the dates (the hot path of a load)."""
    connection = connections[DEFAULT_DB_ALIAS]
    stamp = LearningEvent._meta.get_field("date_loaded").get_db_prep_save(now, connection)
    rows = []
    for values in events:
        row = []
        for column in _INSERTED:
            value = values[column.attname]
            if isinstance(column, models.DateTimeField):
                value = stamp
            elif isinstance(column, models.DateField):
                value = connection.ops.adapt_datefield_value(value)
            row.append(value)
        rows.append(row)
    columns = [column.column for column in _INSERTED if column.column is not None]  # all have one
    insert_rows(LearningEvent, columns, rows)


def _record_chunk(
    *,
    actor: Actor,
    submitter: Submitter,
    rows: Sequence[tuple[int, EventRow]],
    seen: set[str],
) -> list[RowOutcome]:
    catalogue = _Catalogue({row.subject_code.strip() for _pos, row in rows})
    by_uln, by_upn = _learners_for([row for _pos, row in rows])
    ids = [row.source_record_id.strip() for _pos, row in rows]
    existing = {
        event.source_record_id: event
        for event in LearningEvent.objects.filter(
            source=submitter.source, submitter_ukprn=submitter.ukprn, source_record_id__in=ids
        )
    }
    now = timezone.now()
    outcomes: list[RowOutcome] = []
    new_events: list[dict[str, Any]] = []
    changed: list[LearningEvent] = []
    history: list[LearningEventChange] = []
    for position, row in rows:
        record_id = row.source_record_id.strip()
        rejected = _reject_reason(row, record_id, seen, by_uln, by_upn, catalogue, submitter)
        if isinstance(rejected, RowOutcome):
            outcomes.append(replace(rejected, position=position))
            continue
        learner, subject = rejected
        seen.add(record_id)
        values = _event_values(row, learner, subject, submitter, catalogue)
        event = existing.get(record_id)
        if event is None:
            new_events.append(
                {
                    **values,
                    "source": submitter.source,
                    "submitter_ukprn": submitter.ukprn,
                    "submitting_organisation_id": (
                        submitter.organisation.pk if submitter.organisation else None
                    ),
                    "source_record_id": record_id,
                    "date_loaded": now,
                    "updated_at": now,
                    "loaded_by_username": actor.user.username,
                    "channel": actor.channel,
                    "version_number": 1,
                    "under_challenge": False,
                }
            )
            outcomes.append(RowOutcome(position, RowStatus.CREATED, record_id, learner.uln))
            continue
        differences = {
            name: [_jsonable(getattr(event, name)), _jsonable(value)]
            for name, value in values.items()
            if getattr(event, name) != value
        }
        if not differences:
            outcomes.append(
                RowOutcome(position, RowStatus.UNCHANGED, record_id, learner.uln, event_id=event.pk)
            )
            continue
        for name, value in values.items():
            setattr(event, name, value)
        event.version_number += 1
        event.updated_at = now
        changed.append(event)
        history.append(
            LearningEventChange(
                event=event,
                occurred_at=now,
                user=acting_user(actor),
                username=actor.user.username,
                organisation_name=actor.organisation.name,
                channel=actor.channel,
                reason="resubmitted",
                version_number=event.version_number,
                changes=_readable(differences, by_id={learner.pk: learner.uln}),
            )
        )
        outcomes.append(
            RowOutcome(position, RowStatus.UPDATED, record_id, learner.uln, event_id=event.pk)
        )
    if new_events:
        _insert_events(new_events, now)
    if changed:
        LearningEvent.objects.bulk_update(
            changed, [*_COMPARED_FIELDS, "version_number", "updated_at"]
        )
        insert_objects(LearningEventChange, history)
    return outcomes


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _readable(differences: dict[str, list[Any]], *, by_id: dict[int, str]) -> dict[str, Any]:
    """History values as people read them: a learner by ULN, not by row id."""
    readable = dict(differences)
    if "learner_id" in readable:
        old, new = readable.pop("learner_id")
        readable["learner"] = [
            Learner.objects.filter(pk=old).values_list("uln", flat=True).first(),
            by_id.get(new),
        ]
    for name in ("qualification_id", "unit_id"):
        readable.pop(name, None)
    return readable


def _reject_reason(
    row: EventRow,
    record_id: str,
    seen: set[str],
    by_uln: dict[str, LearnerKey],
    by_upn: dict[str, list[LearnerKey]],
    catalogue: _Catalogue,
    submitter: Submitter,
) -> RowOutcome | tuple[LearnerKey, Qualification | Unit]:
    def rejected(
        code: str, uln: str = "", fields: dict[str, list[str]] | None = None
    ) -> RowOutcome:
        return RowOutcome(
            0,
            RowStatus.REJECTED,
            record_id,
            uln,
            code=code,
            message=rejection_message(code, fields),
            fields=fields or {},
        )

    uln = row.uln.strip()
    errors = _check_row(row)
    if errors:
        return rejected(RejectionCode.INVALID, uln, errors)
    if record_id in seen:
        return rejected(RejectionCode.DUPLICATE_ROW, uln)
    if uln:
        try:
            uln = validate_uln(uln)
        except IdentifierError:
            return rejected(RejectionCode.ULN_INVALID, uln)
        learner = by_uln.get(uln)
        if learner is None:
            return rejected(RejectionCode.ULN_UNKNOWN, uln)
    else:
        found = by_upn.get(row.upn.strip().upper(), [])
        if len(found) != 1:
            return rejected(RejectionCode.UPN_UNKNOWN)
        learner = found[0]
    differing = match_learner(row, learner)
    if differing:
        return rejected(RejectionCode.LEARNER_MISMATCH, uln, {name: [] for name in differing})
    subject = catalogue.find(row.subject_code.strip())
    if subject is None:
        return rejected(RejectionCode.SUBJECT_UNKNOWN, learner.uln)
    if submitter.awarding_organisation is not None and not _owns(
        subject, catalogue, submitter.awarding_organisation
    ):
        return rejected(RejectionCode.NOT_OWNER, learner.uln)
    return learner, subject


def record_learning_events(
    *,
    actor: Actor,
    submitter: Submitter,
    rows: Sequence[EventRow],
    audit_action: AuditAction,
    progress: Callable[[int, int], None] | None = None,
) -> SubmissionReport:
    """Match, check and store rows of learning events; every channel comes through here.

    Rows are stored in chunks, each one transaction with its audit row: a file that stops
    part-way can be sent again, and its stored rows then come back unchanged.
    """
    report = SubmissionReport()
    seen: set[str] = set()
    numbered = list(enumerate(rows, start=1))
    for start in range(0, len(numbered), CHUNK_SIZE):
        chunk = numbered[start : start + CHUNK_SIZE]
        for attempt in range(3):
            before = set(seen)
            try:
                with transaction.atomic():
                    outcomes = _record_chunk(
                        actor=actor, submitter=submitter, rows=chunk, seen=seen
                    )
                    totals = SubmissionReport(outcomes).totals
                    record_audit(
                        actor=actor,
                        action=audit_action,
                        details={
                            "source": submitter.source,
                            "ukprn": submitter.ukprn,
                            "rows": [chunk[0][0], chunk[-1][0]],
                            **totals,
                        },
                    )
                break
            except IntegrityError:
                # Another submission stored one of these records meanwhile: look again, and
                # this time the row updates that record.
                seen.clear()
                seen.update(before)
                if attempt == 2:
                    raise
        report.outcomes.extend(outcomes)
        if progress is not None:
            progress(len(report.outcomes), len(numbered))
    return report


def _awarding_submitter(actor: Actor) -> Submitter:
    ensure_can(actor, Permission.SUBMIT_ACHIEVEMENTS)
    organisation = acting_organisation(actor)
    if organisation.organisation_type != OrganisationType.AWARDING_ORGANISATION:
        raise NotAnAwardingOrganisation()
    return Submitter(
        source=Source.AO,
        ukprn=organisation.ukprn,
        organisation=organisation,
        awarding_organisation=organisation,
    )


def submit_achievements(
    *,
    actor: Actor,
    rows: Sequence[EventRow],
    progress: Callable[[int, int], None] | None = None,
) -> SubmissionReport:
    """An awarding organisation's achievements (API, portal file, command line)."""
    submitter = _awarding_submitter(actor)
    return record_learning_events(
        actor=actor,
        submitter=submitter,
        rows=rows,
        audit_action=AuditAction.ACHIEVEMENTS_SUBMITTED,
        progress=progress,
    )


def import_data_return(
    *,
    actor: Actor,
    source: str,
    submitter_ukprn: str,
    rows: Sequence[EventRow],
    progress: Callable[[int, int], None] | None = None,
) -> SubmissionReport:
    """An ILR or NPD return loaded by the service desk; a later return corrects its records."""
    ensure_can(actor, Permission.IMPORT_ACHIEVEMENTS)
    if source not in (Source.ILR, Source.NPD):
        raise NotFound(_("Unknown data return."))
    organisation = Organisation.objects.filter(ukprn=submitter_ukprn).first()
    submitter = Submitter(source=source, ukprn=submitter_ukprn, organisation=organisation)
    return record_learning_events(
        actor=actor,
        submitter=submitter,
        rows=rows,
        audit_action=AuditAction.LEARNING_EVENTS_IMPORTED,
        progress=progress,
    )


@transaction.atomic
def set_event_flags(
    *,
    actor: Actor,
    event: LearningEvent,
    sensitive: bool | None = None,
    under_challenge: bool | None = None,
) -> LearningEvent:
    """The service desk marks an event sensitive, or under data challenge (or clears it)."""
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    event = LearningEvent.objects.select_for_update().get(pk=event.pk)
    differences: dict[str, list[Any]] = {}
    if sensitive is not None and sensitive != event.sensitive:
        differences["sensitive"] = [event.sensitive, sensitive]
        event.sensitive = sensitive
    if under_challenge is not None and under_challenge != event.under_challenge:
        differences["under_challenge"] = [event.under_challenge, under_challenge]
        event.under_challenge = under_challenge
    if not differences:
        return event
    now = timezone.now()
    event.version_number += 1
    event.updated_at = now
    event.save(update_fields=["sensitive", "under_challenge", "version_number", "updated_at"])
    LearningEventChange.objects.create(
        event=event,
        occurred_at=now,
        user=acting_user(actor),
        username=actor.user.username,
        organisation_name=actor.organisation.name,
        channel=actor.channel,
        reason="flags",
        version_number=event.version_number,
        changes=differences,
    )
    record_audit(
        actor=actor,
        action=AuditAction.LEARNING_EVENT_FLAGGED,
        learner=event.learner,
        details={"event": event.pk, "changes": differences},
    )
    return event


def change_events(
    *,
    actor: Actor | None,
    changes: dict[int, dict[str, Any]],
    reason: str,
) -> list[LearningEvent]:
    """Apply field changes to events, keeping each change in the event's history.

    `changes`: {event id: {field: new value}}; `learner_id` moves an event to another learner.
    For the data challenge services, which check the actor's permission themselves; call
    inside their transaction. Changes that change nothing write nothing. No actor: the
    learner on the learner portal (a challenge they raised marks its events).
    """
    now = timezone.now()
    events = list(
        LearningEvent.objects.select_for_update().filter(pk__in=list(changes)).order_by("pk")
    )
    history = []
    changed = []
    for event in events:
        differences: dict[str, list[Any]] = {}
        for name, value in changes[event.pk].items():
            old = getattr(event, name)
            if old != value:
                differences[name] = [_jsonable(old), _jsonable(value)]
                setattr(event, name, value)
        if not differences:
            continue
        event.version_number += 1
        event.updated_at = now
        event.save(update_fields=[*differences, "version_number", "updated_at"])
        changed.append(event)
        history.append(
            LearningEventChange(
                event=event,
                occurred_at=now,
                user=acting_user(actor) if actor is not None else None,
                username=actor.user.username if actor is not None else LEARNER_LABEL,
                organisation_name=actor.organisation.name if actor is not None else "",
                channel=actor.channel if actor is not None else Channel.LEARNER,
                reason=reason,
                version_number=event.version_number,
                changes=differences,
            )
        )
    LearningEventChange.objects.bulk_create(history)
    return changed
