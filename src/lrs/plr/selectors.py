"""Reads of the PLR that apply the service's rules: who may see a learner's events, and which.

Organisations see a learner's learning events only when (user guide 5.3, DESIGN 3.6):
- the user holds the learner record role (Permission.VIEW_PLR);
- the organisation has found the learner (ADR 2: a ULN alone opens nothing), else WSEC0208;
- the learner's ability to share is 1 (privacy notice seen), else WSEC0206 with no events;
and never the sensitive (restricted) events. A linked ULN opens its master's record, and the
master's PLR includes the events recorded against its linked ULNs. Every look, refused or not,
is an audit row on the learner, so it appears in the learner's access log.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.roles import Permission
from lrs.identifiers import IdentifierError, validate_qn, validate_uln
from lrs.learners.choices import AbilityToShare
from lrs.learners.models import Learner
from lrs.learners.response_codes import ResponseCode
from lrs.learners.selectors import is_known_to_organisation
from lrs.plr.choices import Level, RuleGroupKind
from lrs.plr.errors import InvalidUln, LearnerNotVerified, PlrNotShared
from lrs.plr.models import AwardingBody, LearningEvent, Qualification, RuleGroup
from lrs.plr.services import EventRow, differing_details

WSRC_EXACT_MATCH = str(ResponseCode.EXACT_MATCH)
WSRC_MASTER_SUBSTITUTED = str(ResponseCode.MASTER_SUBSTITUTED)

# Sort keys of the PLR table (user guide 5.3: every column sorts both ways).
SORT_FIELDS = {
    "subject": "subject",
    "level": "level",
    "grade": "grade",
    "credits": "credits",
    "source": "source",
    "start": "participation_start_date",
    "end": "participation_end_date",
    "award": "achievement_award_date",
}
DEFAULT_SORT: Final = "award"


# --- Qualification catalogue ------------------------------------------------------------------


def search_qualifications(
    *,
    keywords: str = "",
    qn: str = "",
    sector_subject_area: str = "",
    level: str = "",
    awarding_body: str = "",
) -> QuerySet[Qualification]:
    """Routes to achievement: every filter narrows (title keywords, QN, SSA, level, AO)."""
    found = Qualification.objects.select_related("awarding_body")
    for word in keywords.lower().split():
        found = found.filter(search_text__contains=word)
    if qn.strip():
        try:
            found = found.filter(qn=validate_qn(qn))
        except IdentifierError:
            found = found.filter(qn__startswith=qn.strip().upper())
    area = sector_subject_area.strip()
    if area:
        found = found.filter(
            Q(sector_subject_area=area) | Q(sector_subject_area__startswith=area + ".")
        )
    if level:
        found = found.filter(level=level)
    if awarding_body.strip():
        body = awarding_body.strip()
        found = found.filter(
            Q(awarding_body__recognition_number__iexact=body)
            | Q(awarding_body__name__icontains=body)
            | Q(awarding_body__acronym__iexact=body)
        )
    return found.order_by("title", "qn")


def list_awarding_bodies() -> QuerySet[AwardingBody]:
    return AwardingBody.objects.order_by("name")


def get_qualification(*, qn: str) -> Qualification | None:
    try:
        qn = validate_qn(qn)
    except IdentifierError:
        return None
    return (
        Qualification.objects.select_related("awarding_body__organisation")
        .prefetch_related("rule_groups__units")
        .filter(qn=qn)
        .first()
    )


@dataclass(frozen=True)
class UnitProgress:
    unit_reference: str
    title: str
    level: str
    credit_value: int | None
    achieved: bool
    credits_recorded: int

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level else ""


@dataclass(frozen=True)
class GroupProgress:
    name: str
    kind: str
    minimum_credits: int
    units: list[UnitProgress]
    credits_recorded: int

    @property
    def is_met(self) -> bool:
        if self.kind == RuleGroupKind.MANDATORY:
            return all(unit.achieved for unit in self.units)
        return self.credits_recorded >= self.minimum_credits


@dataclass(frozen=True)
class QualificationProgress:
    groups: list[GroupProgress]
    credits_recorded: int
    total_credits: int | None

    @property
    def is_met(self) -> bool:
        total_ok = self.total_credits is None or self.credits_recorded >= self.total_credits
        return bool(self.groups) and all(group.is_met for group in self.groups) and total_ok


def rules_of_combination(
    qualification: Qualification, events: Sequence[LearningEvent] = ()
) -> QualificationProgress:
    """The qualification's groups and units, with the credits the events record towards each."""
    credits_by_unit: dict[str, int] = {}
    for event in events:
        if event.unit_id is not None:
            credits_by_unit[event.subject_code] = max(
                credits_by_unit.get(event.subject_code, 0), event.credits or 0
            )
    groups = []
    counted: set[str] = set()
    total = 0
    group: RuleGroup
    for group in qualification.rule_groups.all():
        units = []
        for unit in sorted(group.units.all(), key=lambda u: u.unit_reference):
            achieved = unit.unit_reference in credits_by_unit
            credit = credits_by_unit.get(unit.unit_reference, 0)
            units.append(
                UnitProgress(
                    unit_reference=unit.unit_reference,
                    title=unit.title,
                    level=unit.level,
                    credit_value=unit.credit_value,
                    achieved=achieved,
                    credits_recorded=credit,
                )
            )
            if achieved and unit.unit_reference not in counted:
                counted.add(unit.unit_reference)
                total += credit
        groups.append(
            GroupProgress(
                name=group.name,
                kind=group.kind,
                minimum_credits=group.minimum_credits,
                units=units,
                credits_recorded=sum(unit.credits_recorded for unit in units),
            )
        )
    return QualificationProgress(
        groups=groups, credits_recorded=total, total_credits=qualification.total_credits
    )


# --- Opening a learner's PLR ------------------------------------------------------------------


@dataclass
class LearnerRecord:
    """A learner's PLR as an organisation may see it (GetLearnerLearningEvents' result)."""

    learner: Learner  # the master when a linked ULN was asked for
    incoming_uln: str
    response_code: str
    events: QuerySet[LearningEvent] = field(repr=False)

    @property
    def found_uln(self) -> str:
        return self.learner.uln

    @property
    def master_substituted(self) -> bool:
        return self.response_code == WSRC_MASTER_SUBSTITUTED


def _open(
    *,
    uln: str,
    actor: Actor,
    given_name: str = "",
    family_name: str = "",
    date_of_birth: datetime.date | None = None,
    action: AuditAction,
    details: dict[str, object] | None = None,
) -> tuple[Learner, str, str]:
    ensure_can(actor, Permission.VIEW_PLR)
    try:
        incoming = validate_uln(uln)
    except IdentifierError as exc:
        raise InvalidUln() from exc
    learner = Learner.objects.select_related("master").filter(uln=incoming).first()
    if learner is None:
        raise LearnerNotVerified(incoming_uln=incoming)
    code = WSRC_EXACT_MATCH
    if learner.master is not None:
        learner, code = learner.master, WSRC_MASTER_SUBSTITUTED
    if not is_known_to_organisation(learner=learner, actor=actor):
        raise LearnerNotVerified(incoming_uln=incoming)
    if given_name or family_name or date_of_birth:
        probe = EventRow(
            uln=incoming,
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth or learner.date_of_birth,
            subject_code="",
            source_record_id="",
        )
        if differing_details(probe, learner):
            raise LearnerNotVerified(incoming_uln=incoming)
    if learner.ability_to_share != AbilityToShare.SEEN:
        record_audit(
            actor=actor,
            action=AuditAction.PLR_VIEW_REFUSED,
            learner=learner,
            details={"incoming_uln": incoming, "code": PlrNotShared.code},
        )
        raise PlrNotShared(found_uln=learner.uln, incoming_uln=incoming)
    record_audit(
        actor=actor,
        action=action,
        learner=learner,
        details={"incoming_uln": incoming, **(details or {})},
    )
    return learner, incoming, code


def open_learner_record(
    *,
    uln: str,
    actor: Actor,
    given_name: str = "",
    family_name: str = "",
    action: AuditAction,
    details: dict[str, object] | None = None,
) -> tuple[Learner, str, str]:
    """The learner whose record an organisation opens (their master for a linked ULN), with
    the ULN asked for and the response code (WSRC0004, or WSRC0022 for a linked ULN), under
    the PLR's rules: the PLR viewer role, a learner the organisation has found, matching names
    (WSEC0208 otherwise) and the privacy notice seen (WSEC0206). Audited as `action`."""
    return _open(
        uln=uln,
        actor=actor,
        given_name=given_name,
        family_name=family_name,
        action=action,
        details=details,
    )


def linked_learner_ids(learner: Learner) -> list[int]:
    """The ids of the ULNs linked to this master.

    Unordered on purpose: the learners' default order (by ULN) leads SQLite to walk the whole
    ULN index instead of the master index (100 ms at 100,000 learners).
    """
    return list(
        Learner.objects.filter(master_id=learner.pk).order_by().values_list("pk", flat=True)
    )


def _visible_events(learner: Learner) -> QuerySet[LearningEvent]:
    """The master's events and its linked ULNs', never the sensitive ones."""
    learner_ids = [learner.pk, *linked_learner_ids(learner)]
    return LearningEvent.objects.filter(learner_id__in=learner_ids, sensitive=False)


def sort_events(
    events: QuerySet[LearningEvent], *, sort: str = DEFAULT_SORT, descending: bool = True
) -> QuerySet[LearningEvent]:
    column = SORT_FIELDS.get(sort, SORT_FIELDS[DEFAULT_SORT])
    key = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    tie = "-id" if descending else "id"
    return events.order_by(key, tie)


def get_learner_learning_events(
    *,
    uln: str,
    actor: Actor,
    sort: str = DEFAULT_SORT,
    descending: bool = True,
    given_name: str = "",
    family_name: str = "",
    date_of_birth: datetime.date | None = None,
    page: int | None = None,
) -> LearnerRecord:
    """A learner's PLR for an organisation (portal page, API, SOAP GetLearnerLearningEvents).

    Names and date of birth, when given, must be the learner's (WSEC0208 otherwise).
    """
    learner, incoming, code = _open(
        uln=uln,
        actor=actor,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        action=AuditAction.PLR_VIEWED,
        details={"page": page} if page else None,
    )
    events = sort_events(_visible_events(learner), sort=sort, descending=descending)
    return LearnerRecord(learner=learner, incoming_uln=incoming, response_code=code, events=events)


def get_learning_event(*, uln: str, event_id: int, actor: Actor) -> tuple[Learner, LearningEvent]:
    """One event of a learner's PLR, with the same rules as the whole record."""
    learner, _incoming, _code = _open(
        uln=uln, actor=actor, action=AuditAction.PLR_EVENT_VIEWED, details={"event": event_id}
    )
    event = _visible_events(learner).filter(pk=event_id).first()
    if event is None:
        raise LearnerNotVerified(
            incoming_uln=learner.uln, message=_("This learning event is not on the learner's PLR.")
        )
    return learner, event


def list_report_events(
    *, uln: str, actor: Actor, event_ids: Sequence[int] | None, reference: str
) -> tuple[Learner, list[LearningEvent]]:
    """The events chosen for a PLR report, in date order (audited with the report reference)."""
    learner, _incoming, _code = _open(
        uln=uln,
        actor=actor,
        action=AuditAction.PLR_REPORT_CREATED,
        details={"reference": reference, "events": list(event_ids) if event_ids else "all"},
    )
    events = _visible_events(learner)
    if event_ids is not None:
        events = events.filter(pk__in=list(event_ids))
    return learner, list(report_order(events))


def report_order(events: QuerySet[LearningEvent]) -> QuerySet[LearningEvent]:
    """Date order: award date, else end date, else start date; oldest first."""
    return events.annotate(
        _when=Coalesce(
            "achievement_award_date", "participation_end_date", "participation_start_date"
        )
    ).order_by(F("_when").asc(nulls_last=True), "subject", "id")


def learner_events_for_qualification(
    *, uln: str, actor: Actor, qualification: Qualification
) -> tuple[Learner, list[LearningEvent]]:
    """A learner's visible unit events towards a qualification's rules of combination."""
    references = set(qualification.rule_groups.values_list("units__unit_reference", flat=True)) - {
        None
    }
    learner, _incoming, _code = _open(
        uln=uln,
        actor=actor,
        action=AuditAction.PLR_VIEWED,
        details={"qualification": qualification.qn},
    )
    events = list(_visible_events(learner).filter(subject_code__in=references))
    return learner, events
