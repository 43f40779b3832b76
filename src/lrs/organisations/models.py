from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lrs.core.roles import Role

# The service desk's own organisation and the user that acts for the system itself (command
# line, demo data, batch work without a user): it belongs to the service desk, holds the
# service desk role and can't sign in (`services.service_desk_system_actor`).
SERVICE_DESK_UKPRN = "10000001"
SYSTEM_USERNAME = "lrs-system"


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


class SecretQuestion(models.TextChoices):
    """Questions a user may choose for the forgotten-password check (user guide 2.3.1)."""

    FIRST_PET = "first_pet", _("What was the name of your first pet?")
    FIRST_SCHOOL = "first_school", _("What was the name of your first school?")
    BIRTH_TOWN = "birth_town", _("In which town or city were you born?")
    FIRST_CAR = "first_car", _("What was the make of your first car?")
    CHILDHOOD_FRIEND = (
        "childhood_friend",
        _("What was the first name of your childhood best friend?"),
    )
    FAVOURITE_TEACHER = (
        "favourite_teacher",
        _("What was the family name of your favourite teacher?"),
    )


class SuspensionReason(models.TextChoices):
    NONE = "", _("Not suspended")
    WRONG_PASSWORDS = "wrong_passwords", _("Too many wrong passwords")
    BY_SUPER_USER = "by_super_user", _("Suspended by a super user")
    BY_SERVICE_DESK = "by_service_desk", _("Suspended by the service desk")


class UserStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class User(AbstractUser):
    """A named person of one organisation; never a generic or shared account.

    `is_active` False means suspended (Django then refuses the sign-in); `suspension_reason`
    says why.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True
    )
    roles = models.JSONField(_("roles"), default=list)
    title = models.CharField(_("title"), max_length=35, blank=True)
    phone = models.CharField(_("telephone"), max_length=35, blank=True)
    mobile = models.CharField(_("mobile"), max_length=35, blank=True)
    staff_reference = models.CharField(_("staff ID or your reference"), max_length=50, blank=True)
    verification_provided = models.CharField(_("verification provided"), max_length=255, blank=True)
    must_change_password = models.BooleanField(default=True)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    failed_sign_ins = models.PositiveSmallIntegerField(default=0)
    suspension_reason = models.CharField(
        max_length=20, choices=SuspensionReason.choices, blank=True, default=SuspensionReason.NONE
    )
    secret_question = models.CharField(max_length=32, choices=SecretQuestion.choices, blank=True)
    secret_answer_hash = models.CharField(max_length=128, blank=True)
    # Wrong answers on "forgotten password" pause that route for a while; they never suspend
    # the account (signin.reset_forgotten_password).
    wrong_secret_answers = models.PositiveSmallIntegerField(default=0)
    reset_paused_until = models.DateTimeField(null=True, blank=True)

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

    @property
    def status(self) -> str:
        return UserStatus.ACTIVE if self.is_active else UserStatus.SUSPENDED

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class ApiToken(models.Model):
    """A bearer token for the web services; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_address = models.GenericIPAddressField(null=True, blank=True)
    # The addresses it has been used from (the latest few): a new one is a security event.
    known_addresses = models.JSONField(default=list, blank=True)
    # Null only for tokens issued before tokens expired; they work until revoked.
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return not (self.is_revoked or self.is_expired)


class WebServiceCredential(models.Model):
    """The organisation's password for the SOAP web services (`OrgPassword`), set and rotated
    by its super user; only a hash is stored. Repeated wrong passwords lock it until a super
    user sets a new one (`lrs.organisations.services.web_services`)."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="web_service_credential"
    )
    password_hash = models.CharField(max_length=256)
    set_at = models.DateTimeField()
    set_by = models.CharField(max_length=150)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"web-service credential of {self.organisation_id}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None
