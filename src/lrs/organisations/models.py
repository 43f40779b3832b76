from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from lrs.core.roles import Role


class OrganisationType(models.TextChoices):
    SCHOOL = "school", _("School")
    COLLEGE = "college", _("College")
    TRAINING_PROVIDER = "training_provider", _("Training provider")
    AWARDING_ORGANISATION = "awarding_organisation", _("Awarding organisation")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    UNIVERSITY = "university", _("University")
    SERVICE_DESK = "service_desk", _("Service desk")


class OrganisationStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class Organisation(models.Model):
    """A provider on the register (by UKPRN); a learner registration body once granted roles."""

    ukprn = models.CharField(_("UKPRN"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=255)
    organisation_type = models.CharField(_("type"), max_length=32, choices=OrganisationType.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=OrganisationStatus.choices,
        default=OrganisationStatus.ACTIVE,
    )
    granted_roles = models.JSONField(_("granted roles"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ukprn})"

    @property
    def is_active(self) -> bool:
        return self.status == OrganisationStatus.ACTIVE


class User(AbstractUser):
    """A named person of one organisation; never a generic or shared account."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True
    )
    roles = models.JSONField(_("roles"), default=list)

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.username

    @property
    def effective_roles(self) -> frozenset[str]:
        """The user's roles that the organisation is still granted."""
        if self.organisation is None:
            return frozenset()
        granted = set(self.organisation.granted_roles)
        return frozenset(role for role in self.roles if role in granted)

    def has_role(self, role: Role) -> bool:
        return role in self.effective_roles


class ApiToken(models.Model):
    """A bearer token for the web services; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
