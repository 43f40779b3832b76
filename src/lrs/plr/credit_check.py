"""Credit check: does this learner hold this unit or qualification? (awarding organisations)

The reference is mandatory and the answer is only the achievements of that reference, or "not
found", whatever else the learner holds: a credit check cannot browse a record (conference talk,
"Process – Credit Check"). Unknown ULN and details that are not the learner's give the same
"not found", so ULNs can't be mined either; sensitive events are never returned; a learner who
has not agreed to share gets the WSEC0206 refusal. Each check is audited (on the learner when
the details matched) and each user may make `LRS_CREDIT_CHECKS_PER_HOUR` checks an hour.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import ValidationFailed
from lrs.core.limits import per_hour_setting, under_hourly_limit
from lrs.core.roles import Permission
from lrs.identifiers import IdentifierError, validate_qn, validate_uln
from lrs.learners.choices import AbilityToShare
from lrs.learners.models import Learner
from lrs.organisations.models import OrganisationType
from lrs.organisations.selectors import acting_organisation
from lrs.plr.catalogue import normalise_unit_reference
from lrs.plr.errors import NotAnAwardingOrganisation, PlrNotShared, RateLimited
from lrs.plr.models import LearningEvent
from lrs.plr.selectors import linked_learner_ids
from lrs.plr.services import EventRow, match_learner

FOUND = "found"
NOT_FOUND = "not_found"


def checks_per_hour() -> int:
    return per_hour_setting("LRS_CREDIT_CHECKS_PER_HOUR", 60)


@dataclass(frozen=True)
class CreditCheckItem:
    awarding_organisation: str
    reference: str
    title: str
    level: str
    achieved_on: datetime.date | None
    grade: str
    credit: int | None


@dataclass(frozen=True)
class CreditCheckResult:
    outcome: str  # FOUND or NOT_FOUND
    reference: str
    achievements: list[CreditCheckItem] = field(default_factory=list)


def _reference(value: str) -> str:
    try:
        return validate_qn(value)
    except IdentifierError:
        pass
    try:
        return normalise_unit_reference(value)
    except ValueError:
        pass
    text = _("Enter a qualification number (601/4703/9) or a unit reference (A/601/0001).")
    raise ValidationFailed(text, field_errors={"reference": [text]})


def credit_check(
    *,
    actor: Actor,
    uln: str,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date,
    reference: str,
) -> CreditCheckResult:
    """That one achievement of the learner, or not found; never any other event."""
    ensure_can(actor, Permission.CREDIT_CHECK)
    if acting_organisation(actor).organisation_type != OrganisationType.AWARDING_ORGANISATION:
        raise NotAnAwardingOrganisation()
    reference = _reference(reference)
    with transaction.atomic():
        result = _check(
            actor=actor,
            uln=uln,
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
            reference=reference,
        )
    # Refusals are raised once their audit row is committed.
    if isinstance(result, Exception):
        raise result
    return result


def _check(
    *,
    actor: Actor,
    uln: str,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date,
    reference: str,
) -> CreditCheckResult | RateLimited | PlrNotShared:
    if not under_hourly_limit(
        actor=actor, action=AuditAction.CREDIT_CHECKED, limit=checks_per_hour()
    ):
        return RateLimited()
    try:
        learner = Learner.objects.select_related("master").filter(uln=validate_uln(uln)).first()
    except IdentifierError:
        learner = None
    probe = EventRow(
        uln=uln,
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        subject_code=reference,
        source_record_id="",
    )
    if learner is not None and match_learner(probe, learner):
        learner = None
    if learner is not None and learner.master is not None:
        learner = learner.master
    details = {"reference": reference}
    if learner is None:
        record_audit(
            actor=actor,
            action=AuditAction.CREDIT_CHECKED,
            details={**details, "outcome": NOT_FOUND},
        )
        return CreditCheckResult(outcome=NOT_FOUND, reference=reference)
    if learner.ability_to_share != AbilityToShare.SEEN:
        record_audit(
            actor=actor,
            action=AuditAction.CREDIT_CHECKED,
            learner=learner,
            details={**details, "outcome": PlrNotShared.code},
        )
        return PlrNotShared(found_uln=learner.uln, incoming_uln=uln)
    learner_ids = [learner.pk, *linked_learner_ids(learner)]
    events = LearningEvent.objects.filter(
        learner_id__in=learner_ids, subject_code=reference, sensitive=False
    ).order_by("achievement_award_date", "id")
    items = [
        CreditCheckItem(
            awarding_organisation=event.awarding_organisation_name,
            reference=event.subject_code,
            title=event.subject,
            level=event.level,
            achieved_on=event.achievement_award_date,
            grade=event.grade,
            credit=event.credits,
        )
        for event in events
    ]
    outcome = FOUND if items else NOT_FOUND
    record_audit(
        actor=actor,
        action=AuditAction.CREDIT_CHECKED,
        learner=learner,
        details={**details, "outcome": outcome},
    )
    return CreditCheckResult(outcome=outcome, reference=reference, achievements=items)
