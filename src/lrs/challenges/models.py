"""Data challenges, the service desk's ULN merges, ULN changes and suspected duplicates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lrs.challenges.choices import (
    ChallengeKind,
    ChallengeStatus,
    DuplicateRunState,
    FitRunPhase,
    RaiserKind,
    SuspectStatus,
    UlnChangeKind,
)


class Challenge(models.Model):
    """A problem reported with a learner's ULN or PLR (user guide 6), and its handling.

    `reference` contains the learner's ULN (the user guide's rule): `DC-<ULN>-<n>`.
    """

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    kind = models.CharField(_("type of problem"), max_length=32, choices=ChallengeKind.choices)
    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.PROTECT, related_name="challenges"
    )
    uln = models.CharField(_("ULN"), max_length=10)
    # The second ULN: the other of a duplicate pair, the one to de-merge, or the ULN an event
    # should be transferred to.
    other_uln = models.CharField(_("other ULN"), max_length=10, blank=True)
    other_name = models.CharField(_("other learner's name"), max_length=100, blank=True)
    # For a duplicate: which of the two ULNs the raiser says is the master.
    master_uln = models.CharField(_("master ULN"), max_length=10, blank=True)
    events = models.ManyToManyField(
        "plr.LearningEvent", related_name="challenges", blank=True, verbose_name=_("events")
    )
    # For "information wrong": the proposed value of each field to correct.
    proposed = models.JSONField(_("proposed values"), default=dict, blank=True)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    comments = models.TextField(_("additional comments"), max_length=2000, blank=True)
    contact_name = models.CharField(_("contact name"), max_length=100)
    contact_email = models.CharField(_("contact email"), max_length=254)
    contact_telephone = models.CharField(_("contact telephone"), max_length=30)
    status = models.CharField(
        _("status"), max_length=16, choices=ChallengeStatus.choices, default=ChallengeStatus.OPEN
    )
    # An organisation's user, or the learner themselves on the learner portal (then no user
    # and no organisation: the challenge's learner is its raiser).
    raiser_kind = models.CharField(
        _("raised by"), max_length=16, choices=RaiserKind.choices, default=RaiserKind.ORGANISATION
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_by_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("raised"))
    updated_at = models.DateTimeField(_("last updated"))
    # A duplicate challenge the service desk raised from the duplicate finder's worklist.
    suspected_duplicate = models.ForeignKey(
        "SuspectedDuplicate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="challenges",
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["learner", "raised_at"], name="challenge_learner"),
            models.Index(fields=["status", "raised_at"], name="challenge_status"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def raised_by_learner(self) -> bool:
        return self.raiser_kind == RaiserKind.LEARNER

    @property
    def raiser_name(self) -> str:
        """The raising organisation's name, or "The learner" (translated)."""
        if self.raised_by_organisation is not None:
            return self.raised_by_organisation.name
        return str(RaiserKind(self.raiser_kind).label)


class ChallengeStep(models.Model):
    """One step of a challenge's life: raised, in progress, resolved ... who, when, comment."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=16, choices=ChallengeStatus.choices)
    occurred_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    organisation_name = models.CharField(max_length=255)
    comment = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["challenge", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.challenge_id} {self.status}"


class UlnMerge(models.Model):
    """A merge of a duplicate ULN into its master, with what de-merging it must put back.

    `repointed` are the ULNs that were linked to the duplicate (which then pointed at the
    master, so no chain forms); `moved_events` are the duplicate's events moved to the master.
    """

    master = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    duplicate = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    challenge = models.ForeignKey(
        Challenge, null=True, blank=True, on_delete=models.SET_NULL, related_name="merges"
    )
    duplicate_status = models.CharField(max_length=1)
    repointed = models.JSONField(default=list)
    moved_events = models.JSONField(default=list)
    merged_at = models.DateTimeField()
    merged_by = models.CharField(max_length=150)
    demerged_at = models.DateTimeField(null=True, blank=True)
    demerged_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"merge {self.duplicate_id} into {self.master_id}"

    @property
    def is_active(self) -> bool:
        return self.demerged_at is None


class UlnChange(models.Model):
    """A change organisations holding ULNs must hear of: merged, de-merged, deceased, split.

    `uln` is the ULN whose use changes (the duplicate, the de-merged one, the deceased
    learner's, the shared one); `other_uln` the master or the split's new ULN.
    """

    kind = models.CharField(max_length=16, choices=UlnChangeKind.choices)
    uln = models.CharField(max_length=10)
    other_uln = models.CharField(max_length=10, blank=True)
    learner = models.ForeignKey("learners.Learner", on_delete=models.PROTECT, related_name="+")
    other_learner = models.ForeignKey(
        "learners.Learner", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    challenge_reference = models.CharField(max_length=32, blank=True)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.uln} {self.other_uln}"


class DuplicateRun(models.Model):
    """One run of the duplicate finder: all learners, or those changed since the last run.

    `lrs find-duplicates` queues a run (state "queued", a worker job); the worker starts it
    (`started_at`, "running"), records its progress after every chunk (`processed` of
    `total`, `progress_at`) and finishes it. `lrs find-duplicates --now` runs one inline.
    """

    state = models.CharField(
        max_length=16, choices=DuplicateRunState.choices, default=DuplicateRunState.FINISHED
    )
    # With `full`, every learner is compared; else those changed since the last finished run.
    full = models.BooleanField(default=False)
    requested_by = models.CharField(max_length=150, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Learners updated or registered after this were compared; null: the whole register.
    changed_since = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    pairs_found = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"duplicate run {self.pk}"


class MatchingFitRun(models.Model):
    """One run of the matching fit (`lrs fit-matching`), as a worker job with progress.

    `lrs fit-matching --queue` queues a run ("queued"); a worker claims it ("running"), records
    its phase and the learners paired of `total` as it goes (`progress_at`), and stores the
    fitted parameters as a new, inactive `MatchingModel` version (`model`): an operator reads
    its report and switches searches to it (`lrs fit-matching --use V`). With
    `with_decisions` the service's own decisions are labelled pairs of the fit
    (`lrs.challenges.labelled_pairs`). Shaped like `DuplicateRun`, and run by the same workers.
    """

    state = models.CharField(
        max_length=16, choices=DuplicateRunState.choices, default=DuplicateRunState.QUEUED
    )
    phase = models.CharField(max_length=16, choices=FitRunPhase.choices, blank=True)
    with_decisions = models.BooleanField(default=False)
    # Fit on this many learners at random (null: all of them), with this seed.
    sample = models.PositiveIntegerField(null=True, blank=True)
    seed = models.IntegerField(default=0)
    requested_by = models.CharField(max_length=150, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    labelled_pairs = models.PositiveIntegerField(default=0)
    model = models.ForeignKey(
        "learners.MatchingModel",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"matching fit run {self.pk}"


class SuspectedDuplicate(models.Model):
    """Two learners the matching engine thinks may be one person; `low` has the smaller id."""

    low = models.ForeignKey("learners.Learner", on_delete=models.CASCADE, related_name="+")
    high = models.ForeignKey("learners.Learner", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    probability = models.FloatField()
    evidence = models.JSONField(default=list)
    status = models.CharField(
        max_length=16, choices=SuspectStatus.choices, default=SuspectStatus.OPEN
    )
    found_at = models.DateTimeField()
    run = models.ForeignKey(DuplicateRun, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["low", "high"], name="suspected_duplicate_pair"),
        ]
        indexes = [models.Index(fields=["status", "score"], name="suspect_status_score")]

    def __str__(self) -> str:
        return f"{self.low_id} ~ {self.high_id} ({self.score:.1f})"
