"""A learner reports a problem with their ULN or their learning events on the learner portal
(issue 12 item 6, issue 14 item 1): a data challenge whose raiser is the learner.

The caller (the learner portal) passes the signed-in learner's own record; everything here is
checked against it: the events must be of that record (its linked ULNs' included, sensitive
ones too, which only the learner sees), and a challenge can be withdrawn only by the learner
who raised it. The organisation rules (`raising.raise_challenge`) are unchanged; the learner's
differ where they would reveal the register: another ULN the learner names is checked for its
form only, never for whether it exists or whose it is, and no master is chosen (the service
desk decides). Every step is audited on the learner channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lrs.challenges.choices import ChallengeKind, ChallengeStatus, RaiserKind
from lrs.challenges.errors import ChallengeNotFound
from lrs.challenges.models import Challenge
from lrs.challenges.services.raising import (
    _check_proposed,
    _Errors,
    _mark_events,
    _next_reference,
    _step,
    _uln,
    move_to,
)
from lrs.core.actor import LEARNER_LABEL, Channel
from lrs.core.audit import AuditAction, record_outside_audit
from lrs.learners.models import Learner
from lrs.plr.models import LearningEvent

# The problems a learner can report, in their words, and the challenge type each becomes.
LEARNER_PROBLEMS: dict[str, ChallengeKind] = {
    "uln_not_mine": ChallengeKind.DETAILS_CHANGED,
    "two_ulns": ChallengeKind.DUPLICATE_ULN,
    "details_wrong": ChallengeKind.OTHER_ULN,
    "event_wrong": ChallengeKind.EVENT_WRONG,
    "event_not_mine": ChallengeKind.EVENT_NOT_THIS_LEARNER,
    "event_twice": ChallengeKind.EVENT_DUPLICATED,
}
KIND_PROBLEMS: dict[str, str] = {str(kind): problem for problem, kind in LEARNER_PROBLEMS.items()}
PROBLEM_LABELS = {
    "uln_not_mine": gettext_lazy("The ULN is not mine"),
    "two_ulns": gettext_lazy("I have two ULNs"),
    "details_wrong": gettext_lazy("My details are wrong (name, date of birth or address)"),
    "event_wrong": gettext_lazy("Some information about a learning event is wrong"),
    "event_not_mine": gettext_lazy("A learning event is not mine"),
    "event_twice": gettext_lazy("A learning event appears twice"),
}
EVENT_PROBLEMS = frozenset({"event_wrong", "event_not_mine", "event_twice"})
# Problems the learner must describe in their own words.
DESCRIBED_PROBLEMS = frozenset({"uln_not_mine", "details_wrong"})


@dataclass(frozen=True)
class LearnerReport:
    """What the learner says: the problem, the events or other ULN, how to contact them."""

    problem: str
    contact_email: str
    comments: str = ""
    other_uln: str = ""
    event_ids: Sequence[int] = ()
    proposed: Mapping[str, Any] = field(default_factory=dict)


def _record_ids(learner: Learner) -> list[int]:
    """The learner's master record and every ULN linked to it."""
    master = learner.master if learner.master_id is not None else learner
    assert master is not None
    return [master.pk, *Learner.objects.filter(master=master).values_list("pk", flat=True)]


def _own_events(report: LearnerReport, ids: list[int], errors: _Errors) -> list[int]:
    wanted = 2 if report.problem == "event_twice" else 1
    chosen = sorted(set(report.event_ids))
    if len(chosen) != wanted:
        errors.add(
            "event_ids",
            _("Choose the two learning events that are the same.")
            if wanted == 2
            else _("Choose the learning event."),
        )
        return []
    found = LearningEvent.objects.filter(pk__in=chosen, learner_id__in=ids).count()
    if found != len(chosen):
        errors.add("event_ids", _("Choose learning events from your own record."))
        return []
    return chosen


def _other_uln(report: LearnerReport, learner_ulns: set[str], errors: _Errors) -> str:
    if not report.other_uln.strip():
        errors.add("other_uln", _("Enter your other ULN."))
        return ""
    other = _uln(report.other_uln, "other_uln", errors)
    if other and other in learner_ulns:
        errors.add("other_uln", _("Enter a ULN that is not the one on this record."))
        return ""
    return other


@transaction.atomic
def report_problem(*, learner: Learner, report: LearnerReport) -> Challenge:
    """Raise a data challenge against the signed-in learner's own record, with the learner as
    its raiser. The reference contains the ULN (`DC-<ULN>-<n>`), as for organisations."""
    errors = _Errors()
    kind = LEARNER_PROBLEMS.get(report.problem)
    if kind is None:
        errors.add("problem", _("Choose what the problem is."))
        errors.raise_if_any()
        raise AssertionError  # pragma: no cover - raise_if_any raised
    ids = _record_ids(learner)
    master = Learner.objects.select_for_update().get(pk=ids[0])
    ulns = set(Learner.objects.filter(pk__in=ids).values_list("uln", flat=True))
    other_uln = ""
    event_ids: list[int] = []
    proposed: dict[str, Any] = {}
    if report.problem == "two_ulns":
        other_uln = _other_uln(report, ulns, errors)
    elif report.problem in EVENT_PROBLEMS:
        event_ids = _own_events(report, ids, errors)
        if report.problem == "event_wrong":
            proposed = _check_proposed(report.proposed, errors)
    if report.problem in DESCRIBED_PROBLEMS and not report.comments.strip():
        errors.add("comments", _("Tell us what is wrong."))
    try:
        validate_email(report.contact_email.strip())
    except ValidationError:
        errors.add(
            "contact_email",
            _("Enter an email address in the correct format, like name@example.com"),
        )
    errors.raise_if_any()
    now = timezone.now()
    challenge = Challenge.objects.create(
        reference=_next_reference(master.uln),
        kind=kind,
        learner=master,
        uln=master.uln,
        other_uln=other_uln,
        proposed=proposed,
        comments=report.comments.strip()[:2000],
        contact_name=f"{master.given_name} {master.family_name}"[:100],
        contact_email=report.contact_email.strip(),
        contact_telephone="",
        raiser_kind=RaiserKind.LEARNER,
        raised_by=None,
        raised_by_organisation=None,
        raised_at=now,
        updated_at=now,
    )
    challenge.events.set(event_ids)
    _step(challenge, None, ChallengeStatus.OPEN, "")
    _mark_events(challenge, None, under_challenge=True)
    record_outside_audit(
        action=AuditAction.CHALLENGE_RAISED,
        channel=Channel.LEARNER,
        learner=master,
        label=LEARNER_LABEL,
        details={"reference": challenge.reference, "kind": kind, "events": event_ids},
    )
    return challenge


def my_reports(learner: Learner) -> QuerySet[Challenge]:
    """The challenges the learner raised on their record, newest first, with their steps."""
    return Challenge.objects.filter(
        raiser_kind=RaiserKind.LEARNER, learner_id__in=_record_ids(learner)
    ).prefetch_related("steps", "events")


@transaction.atomic
def withdraw_my_report(*, learner: Learner, reference: str) -> Challenge:
    """The learner withdraws a challenge they raised that is still open or in progress.

    Anyone else's challenge, an organisation's on this record included, is "not found".
    """
    challenge = (
        Challenge.objects.select_for_update()
        .filter(
            reference=reference.strip().upper(),
            raiser_kind=RaiserKind.LEARNER,
            learner_id__in=_record_ids(learner),
        )
        .first()
    )
    if challenge is None:
        raise ChallengeNotFound()
    return move_to(challenge, status=ChallengeStatus.WITHDRAWN, actor=None)
