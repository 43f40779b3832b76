from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lrs.core.fields import ByteOrderCharField
from lrs.learners.choices import AbilityToShare, Gender, LearnerStatus, VerificationType


class Learner(models.Model):
    """One learner on the register, identified for life by a ULN.

    Field names are snake_case forms of the real service's names (`GivenName` -> given_name).
    """

    uln = ByteOrderCharField(_("ULN"), max_length=10, unique=True)
    title = models.CharField(_("title"), max_length=35, blank=True)
    given_name = models.CharField(_("given name"), max_length=35)
    middle_other_name = models.CharField(_("middle names"), max_length=35, blank=True)
    family_name = models.CharField(_("family name"), max_length=35)
    preferred_given_name = models.CharField(_("preferred given name"), max_length=35, blank=True)
    previous_family_name = models.CharField(_("previous family name"), max_length=35, blank=True)
    family_name_at_16 = models.CharField(_("family name at 16"), max_length=35, blank=True)
    school_at_16 = models.CharField(_("school at 16"), max_length=254, blank=True)
    last_known_address_line1 = models.CharField(_("address line 1"), max_length=50, blank=True)
    last_known_address_line2 = models.CharField(_("address line 2"), max_length=50, blank=True)
    last_known_address_town = models.CharField(_("town"), max_length=50, blank=True)
    last_known_address_county_or_city = models.CharField(
        _("county or city"), max_length=50, blank=True
    )
    last_known_postcode = models.CharField(_("last known postcode"), max_length=9)
    date_of_address_capture = models.DateField(_("date of address capture"), null=True, blank=True)
    date_of_birth = models.DateField(_("date of birth"))
    place_of_birth = models.CharField(_("place of birth"), max_length=35, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    email_address = models.CharField(_("email address"), max_length=254, blank=True)
    nationality = models.CharField(_("nationality"), max_length=3, blank=True)
    scottish_candidate_number = models.CharField(
        _("Scottish candidate number"), max_length=9, blank=True
    )
    upn = models.CharField(_("UPN"), max_length=13, blank=True)
    uci = models.CharField(_("UCI"), max_length=13, blank=True)
    verification_type = models.CharField(
        _("verification type"), max_length=3, choices=VerificationType.choices
    )
    other_verification_description = models.CharField(
        _("other verification description"), max_length=50, blank=True
    )
    ability_to_share = models.CharField(
        _("ability to share"), max_length=1, choices=AbilityToShare.choices
    )
    notes = models.TextField(_("notes"), max_length=1000, blank=True)
    learner_status = models.CharField(
        _("status"), max_length=1, choices=LearnerStatus.choices, default=LearnerStatus.ACTIVE
    )
    # Set when the service desk records the learner's death (a data challenge): the record
    # takes no further updates and organisations are shown it.
    date_of_death = models.DateField(_("date of death"), null=True, blank=True)
    # A merged duplicate points at its master; finding it by ULN returns the master.
    master = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="linked_learners",
        verbose_name=_("master learner"),
    )
    version_number = models.PositiveIntegerField(_("version number"), default=1)
    # Canonical key fields (lrs.matching.identity_key); unique, so the database itself refuses
    # a second learner with identical key information, however many requests race.
    identity_key = ByteOrderCharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    created_by_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["uln"]
        indexes = [
            # Nearly every learner's master is NULL, so the planner's statistics make the
            # foreign key's own index look useless for `master_id = ?` (SQLite then walks the
            # whole register in ULN order); this index holds only the linked learners.
            models.Index(
                fields=["master"],
                condition=models.Q(master__isnull=False),
                name="learner_linked_to_master",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.uln} {self.given_name} {self.family_name}"

    @property
    def is_linked(self) -> bool:
        return self.master_id is not None

    @property
    def is_deceased(self) -> bool:
        return self.learner_status == LearnerStatus.DECEASED


class LearnerMatchKey(models.Model):
    """A blocking key of a learner (lrs.matching.learner_keys), indexed for candidate retrieval."""

    # The (key, learner) pair is the key: its index is the one candidate retrieval reads (an
    # index-only scan), and no id column is numbered and indexed row by row for nothing.
    pk = models.CompositePrimaryKey("key", "learner")
    # No database foreign key: the keys are an index derived from the learner (`lrs
    # rebuild-match-keys` makes them again), learners are never deleted and their ids never
    # reused, and Django's cascade takes a learner's keys with it all the same. A first national
    # load would otherwise check its 100 million key rows against the learners (section 9 of
    # docs/deploy.md).
    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="match_keys", db_constraint=False
    )
    key = ByteOrderCharField(max_length=64)

    def __str__(self) -> str:
        return self.key


class MatchingModel(models.Model):
    """A version of the matching model's parameters, estimated from this register.

    `lrs fit-matching` stores one per run (inactive); at most one is active, and searches use
    it; with none active they use the shipped defaults (`lrs.matching.DEFAULT_PARAMETERS`).
    The version is the primary key. docs/adr/0008-matching-model-fitted-to-the-register.md.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    # {"m": {row: {verdict: p}}, "u": {...}, "prior": p}, as lrs.matching.ModelParameters holds.
    parameters = models.JSONField()
    # How it was estimated: pairs, patterns, iterations, converged, expected matches, source.
    fit = models.JSONField(default=dict)
    active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=models.Q(active=True),
                name="matching_model_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"matching model {self.pk}{' (active)' if self.active else ''}"


class KnownBy(models.TextChoices):
    """How an organisation came to know a learner (stored; not shown to users)."""

    REGISTERED = "registered"
    IMPORTED = "imported"
    FOUND_BY_ULN = "found_by_uln"
    SEARCH_RESULT = "search_result"
    UPDATED = "updated"


class KnownLearner(models.Model):
    """A learner an organisation knows, so that its users may open the record by ULN (ADR 2).

    An organisation comes to know a learner by registering or importing them, finding them by
    ULN and names, being shown them as a search result, or updating them. One row per
    organisation and learner, for the first time: later ones change nothing. Written by the
    services that establish it (`lrs.learners.known.record_known`); read by one selector,
    `lrs.learners.selectors.is_known_to_organisation`. The audit trail is not consulted, so
    a new audited action can't change who may open a record.
    """

    pk = models.CompositePrimaryKey("organisation", "learner")
    # The primary key's index (organisation, learner) serves every look-up; no other index,
    # so that recording a batch chunk's search results costs one index entry each.
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="+", db_index=False)
    how = models.CharField(max_length=16, choices=KnownBy.choices)
    since = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.organisation_id} knows {self.learner_id} ({self.how})"
