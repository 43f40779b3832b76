"""The qualification catalogue and learning events (DESIGN 3.6).

A learning event's field names are snake_case forms of the real service's `LearningEvent`
(`AchievementAwardDate` -> achievement_award_date), so the SOAP layer maps them one to one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lrs.plr.choices import EventStatus, LanguageForAssessment, Level, RuleGroupKind, Source


class AwardingBody(models.Model):
    """An awarding organisation as Ofqual's register names it (recognition number RNnnnn).

    `organisation` is the organisation on our provider register whose users award this body's
    qualifications; a body with none can't award through the service (its qualifications still
    arrive through data returns).
    """

    recognition_number = models.CharField(_("recognition number"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=255)
    acronym = models.CharField(_("acronym"), max_length=50, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="awarding_bodies",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.recognition_number})"


class Qualification(models.Model):
    """A regulated qualification, by its Ofqual qualification number (QN)."""

    qn = models.CharField(_("qualification number"), max_length=10, unique=True)
    title = models.CharField(_("title"), max_length=500)
    # Demo catalogues put invented titles on real QNs; pages say so wherever the title shows.
    title_is_invented = models.BooleanField(default=False)
    qualification_type = models.CharField(_("qualification type"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=3, choices=Level.choices, blank=True)
    awarding_body = models.ForeignKey(
        AwardingBody, on_delete=models.PROTECT, related_name="qualifications"
    )
    sector_subject_area = models.CharField(_("sector subject area"), max_length=8, blank=True)
    sector_subject_area_name = models.CharField(max_length=255, blank=True)
    guided_learning_hours = models.PositiveIntegerField(null=True, blank=True)
    total_qualification_time = models.PositiveIntegerField(null=True, blank=True)
    total_credits = models.PositiveIntegerField(_("total credits"), null=True, blank=True)
    status = models.CharField(max_length=100, blank=True)
    operational_start_date = models.DateField(null=True, blank=True)
    operational_end_date = models.DateField(null=True, blank=True)
    certification_end_date = models.DateField(null=True, blank=True)
    # Lower-case title, QN and awarding body for the keyword search (portable across databases).
    search_text = models.TextField(blank=True)

    class Meta:
        ordering = ["qn"]
        indexes = [models.Index(fields=["sector_subject_area", "level"])]

    def __str__(self) -> str:
        return f"{self.qn} {self.title}"


class Unit(models.Model):
    """A unit of credit-based qualifications, by its unit reference (e.g. `L/601/0123`)."""

    unit_reference = models.CharField(_("unit reference"), max_length=12, unique=True)
    title = models.CharField(_("title"), max_length=500)
    title_is_invented = models.BooleanField(default=False)
    level = models.CharField(_("level"), max_length=3, choices=Level.choices, blank=True)
    credit_value = models.PositiveIntegerField(_("credit value"), null=True, blank=True)
    guided_learning_hours = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["unit_reference"]

    def __str__(self) -> str:
        return f"{self.unit_reference} {self.title}"


class RuleGroup(models.Model):
    """One group of a qualification's rules of combination: its units and minimum credits."""

    qualification = models.ForeignKey(
        Qualification, on_delete=models.CASCADE, related_name="rule_groups"
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(max_length=10, choices=RuleGroupKind.choices)
    minimum_credits = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    units = models.ManyToManyField(Unit, related_name="rule_groups", blank=True)

    class Meta:
        ordering = ["qualification", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["qualification", "name"], name="rule_group_name")
        ]

    def __str__(self) -> str:
        return f"{self.qualification.qn} {self.name}"


class LearningEvent(models.Model):
    """An achievement or participation of a learner, from an AO, the ILR or the NPD.

    `(source, submitter_ukprn, source_record_id)` identifies the record at its source: sending
    the same record again changes this event (with a history row), never adds a second one.
    """

    learner = models.ForeignKey(
        "learners.Learner",
        on_delete=models.PROTECT,
        related_name="learning_events",
        db_index=False,  # event_learner_award (learner, award date) serves look-ups by learner
    )
    # The ULN the source sent (a linked ULN stays as sent; the master's PLR shows the event).
    submitted_uln = models.CharField(max_length=10)
    source = models.CharField(max_length=3, choices=Source.choices)
    submitter_ukprn = models.CharField(max_length=8)
    submitting_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_record_id = models.CharField(max_length=100)
    qualification = models.ForeignKey(
        Qualification, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(max_length=500)
    subject_code = models.CharField(max_length=12)
    qualification_type = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=3, choices=Level.choices, blank=True)
    grade = models.CharField(max_length=20, blank=True)
    credits = models.PositiveIntegerField(null=True, blank=True)
    awarding_organisation_ukprn = models.CharField(max_length=8, blank=True)
    awarding_organisation_name = models.CharField(max_length=255, blank=True)
    achievement_provider_ukprn = models.CharField(max_length=8, blank=True)
    achievement_provider_name = models.CharField(max_length=255, blank=True)
    participation_start_date = models.DateField(null=True, blank=True)
    participation_end_date = models.DateField(null=True, blank=True)
    achievement_award_date = models.DateField(null=True, blank=True)
    language_for_assessment = models.CharField(
        max_length=2, choices=LanguageForAssessment.choices, blank=True
    )
    collection_type = models.CharField(max_length=1, blank=True)
    return_number = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=1, choices=EventStatus.choices, default=EventStatus.FINAL)
    # ILR completion status and outcome codes, kept so that a later return's change shows.
    completion_status = models.CharField(max_length=1, blank=True)
    outcome = models.CharField(max_length=1, blank=True)
    # Restriction: sensitive events (offenders, armed forces, VIPs) are never shown to
    # organisations, only to the learner.
    sensitive = models.BooleanField(default=False)
    under_challenge = models.BooleanField(default=False)
    date_loaded = models.DateTimeField()
    updated_at = models.DateTimeField()
    loaded_by_username = models.CharField(max_length=150)
    channel = models.CharField(max_length=16)
    version_number = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["learner", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "submitter_ukprn", "source_record_id"],
                name="learning_event_source_record",
            )
        ]
        indexes = [
            # Every read starts from the learner (PLR, report, credit check): one index.
            models.Index(fields=["learner", "achievement_award_date"], name="event_learner_award"),
        ]

    def __str__(self) -> str:
        return f"{self.submitted_uln} {self.subject_code} {self.source}"

    @property
    def restriction(self) -> str:
        """The real service's `Restriction` value."""
        return "1" if self.sensitive else "0"

    @property
    def under_data_challenge(self) -> str:
        """The real service's `UnderDataChallenge` value."""
        return "Y" if self.under_challenge else "N"


class LearningEventChange(models.Model):
    """One change to a learning event after it was loaded: who, how, when, old and new values."""

    event = models.ForeignKey(LearningEvent, on_delete=models.CASCADE, related_name="changes")
    occurred_at = models.DateTimeField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    organisation_name = models.CharField(max_length=255)
    channel = models.CharField(max_length=16)
    reason = models.CharField(max_length=32)
    version_number = models.PositiveIntegerField()
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["event", "occurred_at", "id"]

    def __str__(self) -> str:
        return f"event {self.event_id} v{self.version_number} {self.reason}"
