"""The service desk's resolutions: merge, de-merge, transfer, correct, remove, deceased, split.

Each runs in one transaction with its audit rows; one that would break a rule of the register
raises `ResolutionRefused` before changing anything. The merge invariants:

* a master is never linked: merging into a linked ULN merges into its master instead, and the
  ULNs linked to the duplicate are pointed at the new master (no chains);
* no cycles: a learner is never merged into itself or into a ULN linked to it;
* a linked ULN is never updated (`update_learner` refuses it) nor issued again (its row stays);
* a de-merge is the exact inverse of its merge: both learners, the re-pointed ULNs and the
  moved events are put back as they were. A later merge touching either learner is undone
  first (the de-merge is refused until then).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.challenges.choices import DATE_FIELDS_OF_EVENTS, SuspectStatus, UlnChangeKind
from lrs.challenges.errors import ResolutionRefused
from lrs.challenges.models import SuspectedDuplicate, UlnChange, UlnMerge
from lrs.challenges.services.raising import PROPOSABLE_FIELDS, resolve_with
from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import ValidationFailed
from lrs.core.roles import Permission
from lrs.learners.choices import LearnerStatus
from lrs.learners.details import LearnerDetails
from lrs.learners.models import Learner
from lrs.learners.services import issue_uln_for_split
from lrs.plr.models import LearningEvent
from lrs.plr.services import change_events


def _learner(uln: str) -> Learner:
    learner = Learner.objects.select_for_update().filter(uln=uln.strip()).first()
    if learner is None:
        raise ResolutionRefused(_("No learner has the ULN %(uln)s.") % {"uln": uln})
    return learner


def _change(
    kind: str,
    learner: Learner,
    other: Learner | None,
    challenge_reference: str,
    now: datetime.datetime,
) -> None:
    UlnChange.objects.create(
        kind=kind,
        uln=learner.uln,
        other_uln=other.uln if other is not None else "",
        learner=learner,
        other_learner=other,
        challenge_reference=challenge_reference,
        occurred_at=now,
    )


@transaction.atomic
def merge_ulns(
    *,
    master_uln: str,
    duplicate_uln: str,
    actor: Actor,
    challenge_reference: str = "",
    comment: str = "",
) -> UlnMerge:
    """Make the duplicate a linked ULN of the master; its events move to the master."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    master = _learner(master_uln)
    duplicate = _learner(duplicate_uln)
    if master.master_id is not None:  # no chains: merge into the master's master
        master = Learner.objects.select_for_update().get(pk=master.master_id)
    if duplicate.master_id is not None:
        raise ResolutionRefused(
            _("ULN %(uln)s is already linked to a master ULN; de-merge it first.")
            % {"uln": duplicate.uln}
        )
    if duplicate.pk == master.pk:
        raise ResolutionRefused(_("A ULN cannot be merged into itself or a ULN linked to it."))
    if duplicate.is_deceased or master.is_deceased:
        raise ResolutionRefused(_("A deceased learner's ULN cannot be merged."))
    now = timezone.now()
    repointed = sorted(Learner.objects.filter(master=duplicate).values_list("pk", flat=True))
    Learner.objects.filter(pk__in=repointed).update(master=master, updated_at=now)
    moved = sorted(LearningEvent.objects.filter(learner=duplicate).values_list("pk", flat=True))
    change_events(
        actor=actor, changes={pk: {"learner_id": master.pk} for pk in moved}, reason="merge"
    )
    merge = UlnMerge.objects.create(
        master=master,
        duplicate=duplicate,
        duplicate_status=duplicate.learner_status,
        repointed=repointed,
        moved_events=moved,
        merged_at=now,
        merged_by=actor.user.username,
    )
    duplicate.master = master
    duplicate.learner_status = LearnerStatus.LINKED
    duplicate.save(update_fields=["master", "learner_status", "updated_at"])
    challenge = resolve_with(
        challenge_reference, actor, comment, concerning=[master.pk, duplicate.pk, *repointed]
    )
    if challenge is not None:
        merge.challenge = challenge
        merge.save(update_fields=["challenge"])
    _change(UlnChangeKind.MERGED, duplicate, master, challenge_reference, now)
    SuspectedDuplicate.objects.filter(
        low_id=min(master.pk, duplicate.pk), high_id=max(master.pk, duplicate.pk)
    ).update(status=SuspectStatus.MERGED, decided_by=actor.user.username, decided_at=now)
    record_audit(
        actor=actor,
        action=AuditAction.ULN_MERGED,
        learner=master,
        details={
            "master": master.uln,
            "duplicate": duplicate.uln,
            "repointed": repointed,
            "events": moved,
            "challenge": challenge_reference,
        },
    )
    return merge


@transaction.atomic
def demerge_ulns(
    *, duplicate_uln: str, actor: Actor, challenge_reference: str = "", comment: str = ""
) -> UlnMerge:
    """Undo the merge of this ULN: both learners, linked ULNs and events as they were."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    duplicate = _learner(duplicate_uln)
    merge = (
        UlnMerge.objects.select_for_update()
        .filter(duplicate=duplicate, demerged_at=None)
        .select_related("master")
        .first()
    )
    if merge is None:
        raise ResolutionRefused(
            _("ULN %(uln)s is not merged into another ULN.") % {"uln": duplicate.uln}
        )
    involved = [merge.master_id, merge.duplicate_id]
    later_ids = list(
        UlnMerge.objects.filter(demerged_at=None, pk__gt=merge.pk)
        .filter(Q(master_id__in=involved) | Q(duplicate_id__in=involved))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if later_ids:
        raise ResolutionRefused(
            _("A later merge involves these ULNs; de-merge it first (merge %(ids)s).")
            % {"ids": ", ".join(str(pk) for pk in later_ids)}
        )
    master = Learner.objects.select_for_update().get(pk=merge.master_id)
    now = timezone.now()
    # The duplicate's own events go back, and so do events its source has sent since under
    # the duplicate's ULN that ended up on the master.
    back = set(merge.moved_events) | set(
        LearningEvent.objects.filter(learner=master, submitted_uln=duplicate.uln).values_list(
            "pk", flat=True
        )
    )
    back &= set(LearningEvent.objects.filter(learner=master).values_list("pk", flat=True))
    change_events(
        actor=actor, changes={pk: {"learner_id": duplicate.pk} for pk in back}, reason="demerge"
    )
    Learner.objects.filter(pk__in=merge.repointed, master=master).update(
        master=duplicate, updated_at=now
    )
    duplicate.master = None
    duplicate.learner_status = merge.duplicate_status
    duplicate.save(update_fields=["master", "learner_status", "updated_at"])
    merge.demerged_at = now
    merge.demerged_by = actor.user.username
    merge.save(update_fields=["demerged_at", "demerged_by"])
    resolve_with(challenge_reference, actor, comment, concerning=[master.pk, duplicate.pk])
    _change(UlnChangeKind.DEMERGED, duplicate, master, challenge_reference, now)
    record_audit(
        actor=actor,
        action=AuditAction.ULN_DEMERGED,
        learner=master,
        details={
            "master": master.uln,
            "duplicate": duplicate.uln,
            "events": sorted(back),
            "challenge": challenge_reference,
        },
    )
    return merge


def _events(event_ids: Sequence[int]) -> list[LearningEvent]:
    events = list(LearningEvent.objects.select_for_update().filter(pk__in=list(event_ids)))
    if len(events) != len(set(event_ids)) or not events:
        raise ResolutionRefused(_("Choose learning events that are on the register."))
    return events


@transaction.atomic
def transfer_events(
    *,
    event_ids: Sequence[int],
    to_uln: str,
    actor: Actor,
    challenge_reference: str = "",
    comment: str = "",
) -> list[LearningEvent]:
    """Move events to another learner (to its master if the ULN is linked)."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    target = _learner(to_uln)
    if target.master_id is not None:
        target = Learner.objects.get(pk=target.master_id)
    events = _events(event_ids)
    if any(event.learner_id == target.pk for event in events):
        raise ResolutionRefused(_("An event chosen is already on this learner's record."))
    sources = sorted({event.learner_id for event in events})
    change_events(
        actor=actor,
        changes={event.pk: {"learner_id": target.pk} for event in events},
        reason="transfer",
    )
    resolve_with(challenge_reference, actor, comment, concerning=[*sources, target.pk])
    record_audit(
        actor=actor,
        action=AuditAction.LEARNING_EVENT_TRANSFERRED,
        learner=target,
        details={"events": sorted(e.pk for e in events), "from": sources, "to": target.uln},
    )
    return events


def _event_value(name: str, value: Any) -> Any:
    if value in (None, ""):
        return None if name in DATE_FIELDS_OF_EVENTS or name == "credits" else ""
    if name in DATE_FIELDS_OF_EVENTS:
        return datetime.date.fromisoformat(str(value))
    if name == "credits":
        return int(value)
    return str(value)


@transaction.atomic
def correct_event(
    *,
    event_id: int,
    values: Mapping[str, Any],
    actor: Actor,
    challenge_reference: str = "",
    comment: str = "",
) -> LearningEvent:
    """Correct an event's details; its history keeps the old values."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    if not values:
        raise ValidationFailed(
            field_errors={"values": [_("Enter the corrected value of at least one detail.")]}
        )
    (event,) = _events([event_id])
    unknown = sorted(set(values) - set(PROPOSABLE_FIELDS))
    if unknown:
        raise ResolutionRefused(
            _("These fields cannot be corrected: %(fields)s.") % {"fields": ", ".join(unknown)}
        )
    try:
        cleaned = {name: _event_value(name, value) for name, value in values.items()}
    except ValueError:
        raise ResolutionRefused(_("A corrected value is not valid.")) from None
    change_events(actor=actor, changes={event.pk: cleaned}, reason="correction")
    resolve_with(challenge_reference, actor, comment, concerning=[event.learner_id])
    event.refresh_from_db()
    record_audit(
        actor=actor,
        action=AuditAction.LEARNING_EVENT_CORRECTED,
        learner=event.learner,
        details={"event": event.pk, "values": {k: str(v) for k, v in values.items()}},
    )
    return event


@transaction.atomic
def remove_event(
    *,
    event_id: int,
    actor: Actor,
    kept_event_id: int | None = None,
    challenge_reference: str = "",
    comment: str = "",
) -> None:
    """Remove a duplicated event; the audit row keeps what it was.

    With `kept_event_id`, the event kept must be another event of the same learner for the
    same qualification (what makes the removed one a duplicate)."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    (event,) = _events([event_id])
    if kept_event_id is not None:
        if kept_event_id == event.pk:
            raise ResolutionRefused(_("Choose two different events: one to keep, one to remove."))
        (kept_event,) = _events([kept_event_id])
        if kept_event.learner_id != event.learner_id:
            raise ResolutionRefused(
                _(
                    "The two events are on different learners' records, so neither duplicates "
                    "the other."
                )
            )
        if kept_event.subject_code != event.subject_code:
            raise ResolutionRefused(
                _(
                    "The two events are for different qualifications, so neither duplicates the "
                    "other."
                )
            )
    kept = {
        "event": event.pk,
        "source": event.source,
        "source_record_id": event.source_record_id,
        "submitter_ukprn": event.submitter_ukprn,
        "subject_code": event.subject_code,
        "grade": event.grade,
        "achievement_award_date": str(event.achievement_award_date or ""),
        "submitted_uln": event.submitted_uln,
        "kept": kept_event_id,
    }
    learner = event.learner
    resolve_with(challenge_reference, actor, comment, concerning=[learner.pk])
    event.challenges.clear()
    event.delete()
    record_audit(
        actor=actor, action=AuditAction.LEARNING_EVENT_REMOVED, learner=learner, details=kept
    )


@transaction.atomic
def mark_deceased(
    *,
    uln: str,
    date_of_death: datetime.date | None,
    actor: Actor,
    challenge_reference: str = "",
    comment: str = "",
) -> Learner:
    """Record a learner's death: no further updates; organisations are shown it."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    learner = _learner(uln)
    if learner.master_id is not None:
        raise ResolutionRefused(_("Mark the master ULN, not a linked one."))
    if learner.is_deceased:
        raise ResolutionRefused(_("This learner is already recorded as deceased."))
    if date_of_death is not None and date_of_death < learner.date_of_birth:
        raise ResolutionRefused(_("The date of death is before the date of birth."))
    now = timezone.now()
    learner.learner_status = LearnerStatus.DECEASED
    learner.date_of_death = date_of_death
    learner.version_number += 1
    learner.save(update_fields=["learner_status", "date_of_death", "version_number", "updated_at"])
    resolve_with(challenge_reference, actor, comment, concerning=[learner.pk])
    _change(UlnChangeKind.DECEASED, learner, None, challenge_reference, now)
    record_audit(
        actor=actor,
        action=AuditAction.LEARNER_DECEASED,
        learner=learner,
        details={"date_of_death": str(date_of_death or ""), "challenge": challenge_reference},
    )
    return learner


@transaction.atomic
def split_uln(
    *,
    uln: str,
    details: LearnerDetails,
    event_ids: Sequence[int],
    actor: Actor,
    challenge_reference: str = "",
    comment: str = "",
) -> Learner:
    """Give the second person sharing a ULN a learner and ULN of their own, with the events
    the service desk assigns to them."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    shared = _learner(uln)
    if shared.master_id is not None:
        raise ResolutionRefused(_("Split the master ULN, not a linked one."))
    own = {shared.pk, *Learner.objects.filter(master=shared).values_list("pk", flat=True)}
    events = _events(event_ids) if event_ids else []
    if any(event.learner_id not in own for event in events):
        raise ResolutionRefused(_("Assign only events of the shared ULN's record."))
    second = issue_uln_for_split(details=details, actor=actor)
    change_events(
        actor=actor,
        changes={event.pk: {"learner_id": second.pk} for event in events},
        reason="split",
    )
    resolve_with(challenge_reference, actor, comment, concerning=[shared.pk, second.pk])
    _change(UlnChangeKind.SPLIT, shared, second, challenge_reference, timezone.now())
    record_audit(
        actor=actor,
        action=AuditAction.ULN_SPLIT,
        learner=shared,
        details={
            "new_uln": second.uln,
            "events": sorted(e.pk for e in events),
            "challenge": challenge_reference,
        },
    )
    return second
