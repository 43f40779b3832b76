"""Reads of data challenges, ULN changes and suspected duplicates, with the service's rules."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from lrs.challenges.choices import ChallengeStatus, SuspectStatus
from lrs.challenges.errors import ChallengeNotFound
from lrs.challenges.model_fits import NoSuchModelVersion
from lrs.challenges.models import (
    Challenge,
    DuplicateRun,
    MatchingFitRun,
    SuspectedDuplicate,
    UlnChange,
)
from lrs.core.actor import Actor, ensure_can
from lrs.core.errors import PermissionDenied
from lrs.core.roles import Permission
from lrs.learners.errors import LearnerNotFound
from lrs.learners.matching_adapter import active_parameters
from lrs.learners.matching_fit import weight_report
from lrs.learners.models import KnownLearner, Learner, MatchingModel
from lrs.learners.selectors import is_known_to_organisation
from lrs.plr.models import LearningEvent


def _may_see_challenges(actor: Actor) -> None:
    if not (actor.can(Permission.RAISE_CHALLENGE) or actor.can(Permission.RESOLVE_CHALLENGE)):
        raise PermissionDenied()


def list_learner_enquiries(*, uln: str, actor: Actor) -> tuple[Learner, QuerySet[Challenge]]:
    """Every challenge raised against the learner (its linked ULNs' too), by any organisation
    (user guide 6.4), newest first, with their steps."""
    _may_see_challenges(actor)
    learner = Learner.objects.select_related("master").filter(uln=uln.strip()).first()
    if learner is None or not is_known_to_organisation(learner=learner, actor=actor):
        raise LearnerNotFound()
    master = learner.master or learner
    ids = [master.pk, *Learner.objects.filter(master=master).values_list("pk", flat=True)]
    challenges = (
        Challenge.objects.filter(learner_id__in=ids)
        .select_related("raised_by_organisation")
        .prefetch_related("steps", "events")
    )
    return master, challenges


def get_challenge(*, reference: str, actor: Actor) -> Challenge:
    """One challenge, for the service desk or an organisation that knows its learner."""
    _may_see_challenges(actor)
    challenge = (
        Challenge.objects.select_related("learner", "raised_by_organisation")
        .prefetch_related("steps", "events")
        .filter(reference=reference.strip().upper())
        .first()
    )
    if challenge is None or not is_known_to_organisation(learner=challenge.learner, actor=actor):
        raise ChallengeNotFound()
    return challenge


def list_challenges(*, actor: Actor, status: str = "") -> QuerySet[Challenge]:
    """The service desk's queue: open and in progress by default, oldest first."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    challenges = Challenge.objects.select_related("raised_by_organisation").order_by(
        "raised_at", "id"
    )
    if status:
        return challenges.filter(status=status)
    return challenges.filter(status__in=[ChallengeStatus.OPEN, ChallengeStatus.IN_PROGRESS])


def list_uln_changes(
    *, actor: Actor, since: datetime.datetime | None = None
) -> QuerySet[UlnChange]:
    """ULN changes (merged, de-merged, deceased, split) of learners the actor's organisation
    knows, oldest first, so MIS software can update the ULNs it stores."""
    if not (actor.can(Permission.FIND_LEARNER) or actor.can(Permission.VIEW_PLR)):
        raise PermissionDenied()
    changes = UlnChange.objects.all()
    if since is not None:
        changes = changes.filter(occurred_at__gt=since)
    if not actor.can(Permission.RESOLVE_CHALLENGE):
        known = KnownLearner.objects.filter(organisation_id=actor.organisation.pk)
        changes = changes.filter(
            Q(learner_id__in=known.values("learner_id"))
            | Q(other_learner_id__in=known.values("learner_id"))
        )
    return changes.order_by("occurred_at", "id")


def list_suspected_duplicates(
    *, actor: Actor, status: str = SuspectStatus.OPEN
) -> QuerySet[SuspectedDuplicate]:
    """The duplicate finder's worklist, highest score first."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    return (
        SuspectedDuplicate.objects.filter(status=status)
        .select_related("low", "high")
        .order_by("-score", "id")
    )


def get_learner_to_split(*, uln: str, actor: Actor) -> tuple[Learner, list[LearningEvent]]:
    """A learner whose ULN the service desk may split, with every event of its record (its
    linked ULNs' too), newest first; a linked ULN answers its master."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    learner = Learner.objects.select_related("master").filter(uln=uln.strip()).first()
    if learner is None:
        raise LearnerNotFound()
    master = learner.master or learner
    ids = [master.pk, *Learner.objects.filter(master=master).values_list("pk", flat=True)]
    events = list(
        LearningEvent.objects.filter(learner_id__in=ids).order_by("-achievement_award_date", "-id")
    )
    return master, events


def latest_duplicate_run(*, actor: Actor) -> DuplicateRun | None:
    """The duplicate finder's latest run (queued, running or done), for its progress."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    return DuplicateRun.objects.order_by("-id").first()


# --- The matching model's fits and versions (the service desk reviews before switching) ------

FIT_RUNS_SHOWN = 10
VERSIONS_SHOWN = 20


def list_fit_runs(*, actor: Actor) -> list[MatchingFitRun]:
    """The latest runs of the matching fit (queued, running or done), newest first."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    return list(MatchingFitRun.objects.select_related("model").order_by("-id")[:FIT_RUNS_SHOWN])


def list_model_versions(*, actor: Actor) -> list[MatchingModel]:
    """The latest stored versions of the matching model, newest first, with the one in use
    however old it is."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    stored = MatchingModel.objects.defer("parameters")
    versions = list(stored.order_by("-pk")[:VERSIONS_SHOWN])
    if not any(model.active for model in versions):
        versions.extend(stored.filter(active=True))
    return versions


@dataclass(frozen=True)
class WeightRow:
    """One comparison level's agreement weight, in bits, under three sets of parameters."""

    row: str
    verdict: str
    shipped: float
    in_use: float
    fitted: float

    @property
    def change(self) -> float:
        """How far the version moves the weight from the one in use."""
        return self.fitted - self.in_use


@dataclass(frozen=True)
class ModelVersionReport:
    """What the service desk reads before switching searches to a version."""

    model: MatchingModel
    in_use: int | None  # the version searches use now (None: the shipped defaults)
    fit: dict[str, Any]  # how it was estimated: pairs, patterns, iterations, ...
    labelled: dict[str, Any] | None  # the service's decisions it learned from
    decisions: dict[str, Any] | None  # how those decisions are decided, now and by it
    weights: list[WeightRow]


def model_version_report(*, actor: Actor, version: int) -> ModelVersionReport:
    """A stored version's report, as `lrs fit-matching --report V` prints it."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    model = MatchingModel.objects.filter(pk=version).first()
    if model is None:
        raise NoSuchModelVersion(version)
    in_use, current = active_parameters()
    fit = dict(model.fit)
    labelled = fit.pop("labelled", None)
    decisions = fit.pop("decisions", None)
    weights = [
        WeightRow(row, verdict, shipped, current.weight(row, verdict), fitted)
        for row, verdict, shipped, fitted in weight_report(model)
    ]
    return ModelVersionReport(model, in_use, fit, labelled, decisions, weights)
