"""Raising a data challenge, and its lifecycle (open → in progress → resolved / rejected,
or withdrawn by its raiser)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.challenges.choices import (
    EVENT_KINDS,
    NEXT_STATUSES,
    TWO_ULN_KINDS,
    ChallengeKind,
    ChallengeStatus,
    SuspectStatus,
)
from lrs.challenges.errors import ChallengeClosed, ChallengeNotFound, ResolutionRefused
from lrs.challenges.models import Challenge, ChallengeStep, SuspectedDuplicate, UlnMerge
from lrs.core.actor import LEARNER_LABEL, Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit, record_outside_audit
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.identifier_messages import identifier_message
from lrs.core.roles import Permission
from lrs.identifiers import IdentifierError, validate_uln
from lrs.learners.errors import LearnerNotFound
from lrs.learners.models import Learner
from lrs.learners.selectors import is_known_to_organisation
from lrs.organisations.selectors import acting_organisation, acting_user
from lrs.plr.models import LearningEvent
from lrs.plr.services import change_events

# Fields of an event whose proposed values a challenge may carry ("information wrong").
PROPOSABLE_FIELDS = (
    "grade",
    "achievement_award_date",
    "participation_start_date",
    "participation_end_date",
    "credits",
)
DATE_PROPOSALS = frozenset(
    {"achievement_award_date", "participation_start_date", "participation_end_date"}
)
_KEY_FIELDS = ("given_name", "family_name", "date_of_birth", "last_known_postcode")


@dataclass(frozen=True)
class ChallengeRequest:
    """What the raiser says: the kind, the ULNs or events concerned, and who to contact."""

    kind: str
    uln: str
    contact_name: str
    contact_email: str
    contact_telephone: str
    other_uln: str = ""
    other_name: str = ""
    master_uln: str = ""
    event_ids: Sequence[int] = ()
    proposed: Mapping[str, Any] = field(default_factory=dict)
    reason: str = ""
    comments: str = ""


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed(field_errors=self.fields)


def _uln(value: str, name: str, errors: _Errors) -> str:
    try:
        return validate_uln(value)
    except IdentifierError as exc:
        errors.add(name, identifier_message(exc))
        return ""


def _learner_for(uln: str, actor: Actor) -> Learner:
    learner = Learner.objects.select_related("master").filter(uln=uln).first()
    if learner is None or not is_known_to_organisation(learner=learner, actor=actor):
        raise LearnerNotFound(
            _(
                "No learner with this ULN has been found by your organisation. Find the learner "
                "by ULN and names, or by personal details, first."
            )
        )
    return learner


def _master(learner: Learner) -> Learner:
    return learner.master if learner.master is not None else learner


def _details_differ(first: Learner, second: Learner) -> bool:
    return any(getattr(first, name) != getattr(second, name) for name in _KEY_FIELDS)


def _check_contact(request: ChallengeRequest, errors: _Errors) -> None:
    if not request.contact_name.strip():
        errors.add("contact_name", _("Enter your name."))
    if not request.contact_telephone.strip():
        errors.add("contact_telephone", _("Enter your telephone number."))
    try:
        validate_email(request.contact_email.strip())
    except ValidationError:
        errors.add(
            "contact_email",
            _("Enter an email address in the correct format, like name@example.com"),
        )


def _check_two_ulns(
    request: ChallengeRequest, learner: Learner, errors: _Errors
) -> tuple[str, str]:
    """The other ULN (and the master's, for a duplicate), checked against the register."""
    other_uln = _uln(request.other_uln, "other_uln", errors) if request.other_uln else ""
    if not other_uln:
        if "other_uln" not in errors.fields:
            errors.add("other_uln", _("Enter the other ULN."))
        return "", ""
    if other_uln == learner.uln:
        errors.add("other_uln", _("Enter a ULN different from this learner's."))
        return "", ""
    other = Learner.objects.filter(uln=other_uln).first()
    if other is None:
        errors.add("other_uln", _("No learner has this ULN."))
        return "", ""
    if request.kind == ChallengeKind.DUPLICATE_ULN:
        if request.master_uln not in (learner.uln, other_uln):
            errors.add("master_uln", _("Choose which of the two ULNs is the master."))
        if _details_differ(learner, other) and not request.reason.strip():
            errors.add(
                "reason",
                _(
                    "The two ULNs' details differ: give the reason for the merge (for example, "
                    "that the learner has lived at both addresses)."
                ),
            )
        return other_uln, request.master_uln
    # De-merge: one of the two must be linked to the other by a merge.
    merged = UlnMerge.objects.filter(
        demerged_at=None,
        master__uln__in=[learner.uln, other_uln],
        duplicate__uln__in=[learner.uln, other_uln],
    ).exists()
    if not merged:
        errors.add("other_uln", _("These two ULNs have not been merged."))
    if not request.reason.strip():
        errors.add("reason", _("Give the reason why the ULNs need de-merging."))
    return other_uln, ""


def _check_events(request: ChallengeRequest, learner: Learner, errors: _Errors) -> list[int]:
    wanted = 2 if request.kind == ChallengeKind.EVENT_DUPLICATED else 1
    ids = sorted(set(request.event_ids))
    if len(ids) != wanted:
        errors.add(
            "event_ids",
            _("Choose the two qualifications that are duplicated.")
            if wanted == 2
            else _("Choose the qualification."),
        )
        return []
    learner_ids = [learner.pk, *Learner.objects.filter(master=learner).values_list("pk", flat=True)]
    found = LearningEvent.objects.filter(pk__in=ids, learner_id__in=learner_ids, sensitive=False)
    if found.count() != len(ids):
        errors.add("event_ids", _("Choose qualifications from this learner's record."))
        return []
    return ids


def _check_proposed(proposed: Mapping[str, Any], errors: _Errors) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in proposed.items():
        if name not in PROPOSABLE_FIELDS:
            errors.add("proposed", _("This field cannot be proposed: %(field)s.") % {"field": name})
            continue
        if value in (None, ""):
            continue
        if name in DATE_PROPOSALS:
            try:
                value = datetime.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                errors.add(name, _("Enter a real date."))
                continue
        elif name == "credits":
            try:
                value = int(value)
            except (TypeError, ValueError):
                errors.add(name, _("Enter the credits as a whole number."))
                continue
        else:
            value = str(value).strip()[:20]
        cleaned[name] = value
    if not cleaned and "proposed" not in errors.fields:
        errors.add("proposed", _("Enter the corrected value of at least one detail."))
    return cleaned


def _next_reference(learner_uln: str) -> str:
    count = Challenge.objects.filter(uln=learner_uln).count()
    return f"DC-{learner_uln}-{count + 1:03d}"


def _step(challenge: Challenge, actor: Actor | None, status: str, comment: str) -> ChallengeStep:
    """One step of the challenge's life; no actor: the learner on the learner portal."""
    return ChallengeStep.objects.create(
        challenge=challenge,
        status=status,
        occurred_at=timezone.now(),
        user=acting_user(actor) if actor is not None else None,
        username=actor.user.username if actor is not None else LEARNER_LABEL,
        organisation_name=actor.organisation.name if actor is not None else "",
        comment=comment,
    )


def _mark_events(challenge: Challenge, actor: Actor | None, *, under_challenge: bool) -> None:
    """Events of an open challenge are marked on the PLR; closing it clears the mark unless
    another open challenge still covers the event."""
    ids = list(challenge.events.values_list("pk", flat=True))
    if not under_challenge:
        still = set(
            Challenge.events.through.objects.filter(
                learningevent_id__in=ids,
                challenge__status__in=[ChallengeStatus.OPEN, ChallengeStatus.IN_PROGRESS],
            )
            .exclude(challenge_id=challenge.pk)
            .values_list("learningevent_id", flat=True)
        )
        ids = [pk for pk in ids if pk not in still]
    change_events(
        actor=actor,
        changes={pk: {"under_challenge": under_challenge} for pk in ids},
        reason="data_challenge",
    )


@transaction.atomic
def raise_challenge(*, request: ChallengeRequest, actor: Actor) -> Challenge:
    """Record a data challenge against a learner the actor's organisation knows.

    The reference contains the learner's ULN (user guide 6.2). A challenge on a linked ULN is
    raised on its master, except a de-merge, which names both.
    """
    ensure_can(actor, Permission.RAISE_CHALLENGE)
    errors = _Errors()
    if request.kind not in ChallengeKind.values:
        errors.add("kind", _("Choose the type of problem."))
        errors.raise_if_any()
    uln = _uln(request.uln, "uln", errors)
    errors.raise_if_any()
    found = _learner_for(uln, actor)
    learner = found if request.kind == ChallengeKind.INCORRECTLY_MERGED else _master(found)
    learner = Learner.objects.select_for_update().get(pk=learner.pk)
    other_uln = master_uln = ""
    event_ids: list[int] = []
    proposed: dict[str, Any] = {}
    if request.kind in TWO_ULN_KINDS:
        other_uln, master_uln = _check_two_ulns(request, learner, errors)
    elif request.kind in EVENT_KINDS:
        event_ids = _check_events(request, learner, errors)
        if request.kind == ChallengeKind.EVENT_WRONG:
            proposed = _check_proposed(request.proposed, errors)
        if request.kind == ChallengeKind.EVENT_NOT_THIS_LEARNER and request.other_uln.strip():
            other_uln = _uln(request.other_uln, "other_uln", errors)
    elif not (request.comments.strip() or request.reason.strip()):
        errors.add("comments", _("Give as much information as you can about the problem."))
    _check_contact(request, errors)
    errors.raise_if_any()
    now = timezone.now()
    challenge = Challenge(
        reference=_next_reference(learner.uln),
        kind=request.kind,
        learner=learner,
        uln=learner.uln,
        other_uln=other_uln,
        other_name=request.other_name.strip()[:100],
        master_uln=master_uln,
        proposed=proposed,
        reason=request.reason.strip(),
        comments=request.comments.strip(),
        contact_name=request.contact_name.strip(),
        contact_email=request.contact_email.strip(),
        contact_telephone=request.contact_telephone.strip(),
        raised_by=acting_user(actor),
        raised_by_organisation=acting_organisation(actor),
        raised_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            challenge.save()
    except IntegrityError:  # pragma: no cover - the learner row lock serialises references
        raise ChallengeClosed() from None
    challenge.events.set(event_ids)
    _step(challenge, actor, ChallengeStatus.OPEN, "")
    _mark_events(challenge, actor, under_challenge=True)
    record_audit(
        actor=actor,
        action=AuditAction.CHALLENGE_RAISED,
        learner=learner,
        details={"reference": challenge.reference, "kind": challenge.kind, "events": event_ids},
    )
    return challenge


def _locked(reference: str) -> Challenge:
    challenge = (
        Challenge.objects.select_for_update().filter(reference=reference.strip().upper()).first()
    )
    if challenge is None:
        raise ChallengeNotFound()
    return challenge


def move_to(
    challenge: Challenge, *, status: str, actor: Actor | None, comment: str = ""
) -> Challenge:
    """Move a locked challenge to its next status (inside the caller's transaction).

    No actor: the learner withdrawing a challenge they raised on the learner portal.
    """
    if status not in NEXT_STATUSES[challenge.status]:
        raise ChallengeClosed()
    challenge.status = status
    challenge.updated_at = timezone.now()
    challenge.save(update_fields=["status", "updated_at"])
    _step(challenge, actor, status, comment.strip())
    if status not in (ChallengeStatus.OPEN, ChallengeStatus.IN_PROGRESS):
        _mark_events(challenge, actor, under_challenge=False)
    if challenge.suspected_duplicate_id is not None:
        _settle_suspect(challenge, status, actor)
    details = {"reference": challenge.reference, "status": status}
    if actor is None:
        record_outside_audit(
            action=AuditAction.CHALLENGE_STATUS_CHANGED,
            channel=Channel.LEARNER,
            learner=challenge.learner,
            label=LEARNER_LABEL,
            details=details,
        )
    else:
        record_audit(
            actor=actor,
            action=AuditAction.CHALLENGE_STATUS_CHANGED,
            learner=challenge.learner,
            details=details,
        )
    return challenge


def _settle_suspect(challenge: Challenge, status: str, actor: Actor | None) -> None:
    """A worklist pair follows its challenge: rejected, the pair is not a duplicate (and
    stays off the worklist); withdrawn, it goes back on the worklist. A merge marks it merged
    (`merge_ulns`)."""
    outcomes = {
        ChallengeStatus.REJECTED.value: SuspectStatus.NOT_DUPLICATE,
        ChallengeStatus.WITHDRAWN.value: SuspectStatus.OPEN,
    }
    if status not in outcomes or challenge.suspected_duplicate_id is None:
        return
    SuspectedDuplicate.objects.filter(
        pk=challenge.suspected_duplicate_id, status=SuspectStatus.CHALLENGED
    ).update(
        status=outcomes[status],
        decided_by=actor.user.username if actor is not None else LEARNER_LABEL,
        decided_at=timezone.now(),
    )


@transaction.atomic
def raise_worklist_challenge(
    *, suspect_id: int, master_uln: str, actor: Actor, reason: str = ""
) -> Challenge:
    """The service desk raises a duplicate ULN challenge ("incorrectly created") on a pair of
    the duplicate finder's worklist: both ULNs, which one is master. The challenge follows
    the usual lifecycle (merge it, or reject it: the pair is then not a duplicate) and keeps
    its link to the pair, which leaves the worklist as "challenge raised"."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    suspect = (
        SuspectedDuplicate.objects.select_for_update()
        .select_related("low", "high")
        .filter(pk=suspect_id)
        .first()
    )
    if suspect is None or suspect.status != SuspectStatus.OPEN:
        raise ResolutionRefused(
            _("This pair is no longer on the worklist: someone has already decided it.")
        )
    pair = {suspect.low.uln: suspect.low, suspect.high.uln: suspect.high}
    if master_uln.strip() not in pair:
        raise ValidationFailed(
            field_errors={"master_uln": [_("Choose which of the two ULNs is the master.")]}
        )
    master = pair.pop(master_uln.strip())
    (duplicate,) = pair.values()
    if master.master_id is not None or duplicate.master_id is not None:
        raise ResolutionRefused(_("One of these ULNs is already linked to a master ULN."))
    master = Learner.objects.select_for_update().get(pk=master.pk)
    user = acting_user(actor)
    now = timezone.now()
    challenge = Challenge.objects.create(
        reference=_next_reference(master.uln),
        kind=ChallengeKind.DUPLICATE_ULN,
        learner=master,
        uln=master.uln,
        other_uln=duplicate.uln,
        master_uln=master.uln,
        reason=reason.strip()[:2000],
        comments=_("Found by the duplicate finder (probability %(p)s).")
        % {"p": f"{suspect.probability:.4f}"},
        contact_name=user.full_name or user.username,
        contact_email=user.email,
        contact_telephone=user.phone,
        raised_by=user,
        raised_by_organisation=acting_organisation(actor),
        raised_at=now,
        updated_at=now,
        suspected_duplicate=suspect,
    )
    _step(challenge, actor, ChallengeStatus.OPEN, reason.strip())
    suspect.status = SuspectStatus.CHALLENGED
    suspect.decided_by = actor.user.username
    suspect.decided_at = now
    suspect.save(update_fields=["status", "decided_by", "decided_at"])
    record_audit(
        actor=actor,
        action=AuditAction.CHALLENGE_RAISED,
        learner=master,
        details={
            "reference": challenge.reference,
            "kind": challenge.kind,
            "suspect": suspect.pk,
            "duplicate": duplicate.uln,
        },
    )
    return challenge


@transaction.atomic
def withdraw_challenge(*, reference: str, actor: Actor, comment: str = "") -> Challenge:
    """The raiser's organisation withdraws its challenge."""
    ensure_can(actor, Permission.RAISE_CHALLENGE)
    challenge = _locked(reference)
    if challenge.raised_by_organisation_id != actor.organisation.pk:
        raise PermissionDenied(_("Only the organisation that raised a challenge can withdraw it."))
    return move_to(challenge, status=ChallengeStatus.WITHDRAWN, actor=actor, comment=comment)


@transaction.atomic
def set_challenge_status(
    *, reference: str, status: str, actor: Actor, comment: str = ""
) -> Challenge:
    """The service desk takes a challenge on, resolves or rejects it (a rejection says why)."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    if status not in (
        ChallengeStatus.IN_PROGRESS,
        ChallengeStatus.RESOLVED,
        ChallengeStatus.REJECTED,
    ):
        raise ValidationFailed(field_errors={"status": [_("Choose a status.")]})
    if status == ChallengeStatus.REJECTED and not comment.strip():
        raise ValidationFailed(field_errors={"comment": [_("Say why the challenge is rejected.")]})
    return move_to(_locked(reference), status=status, actor=actor, comment=comment)


def resolve_with(
    challenge_reference: str, actor: Actor, comment: str, *, concerning: Iterable[int]
) -> Challenge | None:
    """The challenge a resolution settles, locked and moved to resolved (or None).

    `concerning` are the learners the resolution touched: the challenge must be about one of
    them (its learner, or the other ULN it names, linked ULNs included), so that a reference
    mistyped or borrowed never closes another learner's challenge. Refused, the caller's
    transaction undoes the resolution too.
    """
    if not challenge_reference:
        return None
    challenge = _locked(challenge_reference)
    touched = set(concerning)
    related = Learner.objects.filter(
        Q(pk__in=touched) | Q(master_id__in=touched) | Q(linked_learners__pk__in=touched)
    )
    related_ids = set(related.values_list("pk", flat=True))
    related_ulns = set(related.values_list("uln", flat=True))
    if challenge.learner_id not in related_ids and challenge.other_uln not in related_ulns:
        raise ResolutionRefused(
            _("Challenge %(reference)s is not about the learners this change touches.")
            % {"reference": challenge.reference}
        )
    return move_to(challenge, status=ChallengeStatus.RESOLVED, actor=actor, comment=comment)
