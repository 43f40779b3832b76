"""Writes to the learner register: register, update, bulk import.

Every channel (portal, API, batch, SOAP, command line) calls these same functions.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, audit_event, record_audit, record_audits
from lrs.core.errors import ValidationFailed
from lrs.core.roles import Permission
from lrs.identifiers import generate_uln
from lrs.learners import matching_adapter
from lrs.learners.details import DATE_FIELDS, LEARNER_FIELDS, LearnerDetails
from lrs.learners.errors import (
    IdenticalLearnerExists,
    LearnerDeceasedNotUpdatable,
    LinkedUlnNotUpdatable,
    StaleVersion,
    UlnNotFoundForUpdate,
)
from lrs.learners.known import known_rows, record_known
from lrs.learners.matching_adapter import SearchOutcome
from lrs.learners.models import KnownBy, Learner
from lrs.learners.selectors import is_known_to_organisation
from lrs.learners.validation import validate_learner_details
from lrs.matching import MatchKind
from lrs.organisations.selectors import acting_organisation

_ULN_ATTEMPTS = 20


class RegistrationStatus(enum.Enum):
    REGISTERED = "registered"
    # The search found possible matches (or too many): the caller must confirm the learner
    # is none of them before a ULN is issued.
    NEEDS_CONFIRMATION = "needs_confirmation"
    # The search found the learner: no new ULN.
    ALREADY_REGISTERED = "already_registered"


@dataclass(frozen=True)
class RegistrationResult:
    status: RegistrationStatus
    search: SearchOutcome
    learner: Learner | None = None


@dataclass(frozen=True)
class UpdateResult:
    """The learner after an update, and what changed: {field: [old, new]}, empty if nothing
    did (the real service's WSRC0020, "no changes found")."""

    learner: Learner
    changes: dict[str, list[Any]]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _insert_learner(learner: Learner) -> None:
    """Save with a fresh random ULN; the database's unique constraints settle every race."""
    for _attempt in range(_ULN_ATTEMPTS):
        learner.uln = generate_uln()
        try:
            with transaction.atomic():
                learner.save()
        except IntegrityError:
            if Learner.objects.filter(identity_key=learner.identity_key).exists():
                raise IdenticalLearnerExists() from None
            if Learner.objects.filter(uln=learner.uln).exists():
                continue  # the random ULN was taken: draw another
            raise
        return
    msg = "Could not allocate an unused ULN"
    raise RuntimeError(msg)


def _record_shown(actor: Actor, search: SearchOutcome) -> None:
    """Audit the learners a registration's search showed, which become known to the actor's
    organisation, as a search's would (ADR 2)."""
    record_audits(
        [
            audit_event(
                actor=actor,
                action=AuditAction.LEARNER_SEARCHED_RESULT,
                learner=match.learner,
                details={"outcome": search.kind.value, "during": "registration"},
            )
            for match in search.matches
        ],
        together_with=[
            known_rows(
                actor=actor,
                learner_ids=[match.learner.pk for match in search.matches],
                how=KnownBy.SEARCH_RESULT,
            )
        ],
    )


@transaction.atomic
def register_learner(
    *,
    details: LearnerDetails,
    actor: Actor,
    confirm_not_possible_match: bool = False,
    searched: SearchOutcome | None = None,
) -> RegistrationResult:
    """Issue a ULN after searching the whole register for the learner.

    An exact match is returned instead of a new ULN. Possible matches (or too many to show)
    need the caller's confirmation that the learner is none of them. Key information
    identical to an existing learner is refused outright (WSRC0021).

    `searched`: a search the caller has just made for these same details (a batch chunk
    searches all its rows in one statement). It stands in for the registration's own search
    when, under the registration lock, the learners sharing the details' keys are still the
    ones it considered; otherwise the register is searched again.
    """
    ensure_can(actor, Permission.REGISTER_LEARNER)
    details = validate_learner_details(details)
    matching_adapter.lock_for_registration(details)
    identity = matching_adapter.identity_key_of(details)
    if Learner.objects.filter(identity_key=identity).exists():
        record_audit(
            actor=actor,
            action=AuditAction.LEARNER_REGISTRATION_REFUSED,
            details={"reason": IdenticalLearnerExists.code},
        )
        raise IdenticalLearnerExists()
    person = matching_adapter.person_from(details)
    if (
        searched is not None
        and searched.person == person
        and matching_adapter.still_seen(person, searched.seen)
    ):
        search = searched  # its learners were recorded as shown by the caller's search
    else:
        search = matching_adapter.find_matches(person)
        if search.kind is not MatchKind.NONE:
            _record_shown(actor, search)
    if search.kind is MatchKind.EXACT:
        return RegistrationResult(RegistrationStatus.ALREADY_REGISTERED, search, search.learners[0])
    if search.kind is not MatchKind.NONE and not confirm_not_possible_match:
        return RegistrationResult(RegistrationStatus.NEEDS_CONFIRMATION, search)
    learner = Learner(
        **details.as_model_fields(),
        identity_key=identity,
        created_by_organisation=acting_organisation(actor),
    )
    _insert_learner(learner)
    matching_adapter.store_keys(learner, new=True)
    registered = audit_event(
        actor=actor,
        action=AuditAction.LEARNER_REGISTERED,
        learner=learner,
        changes={
            name: [None, _json_value(value)]
            for name, value in details.as_model_fields().items()
            if value not in ("", None)
        },
        details={
            "search_outcome": search.kind.value,
            "search_model_version": search.model_version,
            "confirmed_not_possible_match": search.kind is not MatchKind.NONE,
        },
    )
    # The audit row and the learner known to the organisation: one statement.
    known = known_rows(actor=actor, learner_ids=[learner.pk], how=KnownBy.REGISTERED)
    record_audits([registered], together_with=[known])
    return RegistrationResult(RegistrationStatus.REGISTERED, search, learner)


def _diff(old: LearnerDetails, new: LearnerDetails) -> dict[str, list[Any]]:
    return {
        name: [_json_value(getattr(old, name)), _json_value(getattr(new, name))]
        for name in LEARNER_FIELDS
        if getattr(old, name) != getattr(new, name)
    }


@transaction.atomic
def update_learner(
    *,
    uln: str,
    version_number: int,
    changes: Mapping[str, Any],
    actor: Actor,
) -> UpdateResult:
    """Apply changes to the learner's current version; a stale version is refused (WSRC0013).

    Changes that change nothing write nothing: the result says so (`changed` is False).
    """
    ensure_can(actor, Permission.UPDATE_LEARNER)
    unknown = sorted(set(changes) - set(LEARNER_FIELDS))
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(unknown)},
            field_errors={name: [_("Unknown or read-only field.")] for name in unknown},
        )
    learner = Learner.objects.select_for_update().filter(uln=uln).first()
    if learner is None or not is_known_to_organisation(learner=learner, actor=actor):
        raise UlnNotFoundForUpdate()
    if learner.master_id is not None:
        master_uln = Learner.objects.values_list("uln", flat=True).get(pk=learner.master_id)
        raise LinkedUlnNotUpdatable(LinkedUlnNotUpdatable.default_message % {"master": master_uln})
    if learner.is_deceased:
        raise LearnerDeceasedNotUpdatable()
    if version_number != learner.version_number:
        raise StaleVersion()
    old = LearnerDetails.from_learner(learner)
    cleaned_changes = {
        name: (value if value is not None else (None if name in DATE_FIELDS else ""))
        for name, value in changes.items()
    }
    proposed = old.replace(**cleaned_changes)
    new = validate_learner_details(proposed)
    if new.family_name != old.family_name and new.previous_family_name == old.previous_family_name:
        # User guide, Appendix C: copy the old family name into previous family name.
        new = new.replace(previous_family_name=old.family_name)
    diff = _diff(old, new)
    if not diff:
        return UpdateResult(learner=learner, changes={})
    identity = matching_adapter.identity_key_of(new)
    if Learner.objects.filter(identity_key=identity).exclude(pk=learner.pk).exists():
        raise IdenticalLearnerExists(
            # The real service's "Learner update not allowed" message (user guide 4.2.4).
            _(
                "The updated data you have entered will create a learner with key information "
                "identical to one already registered – this is not allowed. This may be because "
                "you are attempting to update a learner that already has another ULN or you have "
                "a genuinely identical learner. If they are separate learners with the same "
                "details, please call the LRS Customer Helpdesk for further assistance."
            )
        )
    # New details are what a registration searching for them would find: take its locks, so
    # a registration in progress sees this learner's new details, or this waits for it.
    matching_adapter.lock_for_registration(new)
    for name, value in new.as_model_fields().items():
        setattr(learner, name, value)
    learner.identity_key = identity
    learner.version_number += 1
    try:
        with transaction.atomic():
            learner.save()
    except IntegrityError:
        raise IdenticalLearnerExists() from None
    matching_adapter.store_keys(learner)
    record_audit(actor=actor, action=AuditAction.LEARNER_UPDATED, learner=learner, changes=diff)
    record_known(actor=actor, learner_ids=[learner.pk], how=KnownBy.UPDATED)
    return UpdateResult(learner=learner, changes=diff)


def issue_uln_for_split(*, details: LearnerDetails, actor: Actor) -> Learner:
    """A new learner and ULN for the second person found sharing a ULN (a data challenge).

    The service desk has checked who the person is, so there is no search: only the details'
    validation and the identical-key rule (WSRC0021) apply. The caller holds the permission
    to resolve challenges and audits the split; this records the registration.
    """
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    details = validate_learner_details(details)
    identity = matching_adapter.identity_key_of(details)
    if Learner.objects.filter(identity_key=identity).exists():
        raise IdenticalLearnerExists()
    matching_adapter.lock_for_registration(details)
    learner = Learner(**details.as_model_fields(), identity_key=identity)
    _insert_learner(learner)
    matching_adapter.store_keys(learner, new=True)
    record_audit(
        actor=actor,
        action=AuditAction.LEARNER_REGISTERED,
        learner=learner,
        changes={
            name: [None, _json_value(value)]
            for name, value in details.as_model_fields().items()
            if value not in ("", None)
        },
        details={"split": True},
    )
    return learner
