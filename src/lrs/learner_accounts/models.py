"""Learners' own accounts on the learner portal, the one-time email codes that confirm them,
and the share links learners make of their record (docs/adr/0010-learner-portal.md).

A learner account is not an organisation user: it has its own table, its own password hash
and its own session key, so nothing a learner does can reach the organisation portal or API.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LearnerAccount(models.Model):
    """One learner's way in: the email they confirmed and a password (hash only)."""

    learner = models.OneToOneField(
        "learners.Learner", on_delete=models.CASCADE, related_name="account"
    )
    email = models.EmailField(_("email address"), max_length=254, unique=True)  # lower case
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    password_changed_at = models.DateTimeField()
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    failed_sign_ins = models.PositiveSmallIntegerField(default=0)
    # Set by the tenth wrong password in a row; a password reset by email code clears it.
    locked = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"learner account {self.pk}"


class CodePurpose(models.TextChoices):
    SIGN_UP = "sign_up", _("Create an account")
    PASSWORD_RESET = "password_reset", _("Reset a password")


class EmailCode(models.Model):
    """A one-time code sent to an email address; only its keyed hash is kept."""

    purpose = models.CharField(max_length=16, choices=CodePurpose.choices)
    email = models.EmailField(max_length=254)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["email", "purpose", "created_at"], name="email_code_recent")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.email}"


class ShareLink(models.Model):
    """A learner's time-limited, revocable link to chosen learning events of their record.

    The link's address carries a token signed with the service's key (`sharing.sign_token`);
    `content_digest` is a keyed hash of the events as they were when shared, so the page can
    say whether any has been corrected since.
    """

    learner = models.ForeignKey(
        "learners.Learner", on_delete=models.CASCADE, related_name="share_links"
    )
    public_id = models.CharField(max_length=32, unique=True)
    recipient = models.CharField(_("who it is for"), max_length=100)
    events = models.ManyToManyField("plr.LearningEvent", related_name="+")
    content_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"share link {self.public_id}"


class LearnerSecondFactor(models.Model):
    """A learner's optional second factor: an authenticator app's TOTP key (docs/adr/0010).

    Learner accounts are not Django users, so django-otp's devices (tied to the user model) do
    not fit; this row keeps what its TOTP device keeps (a hex key, the last time step used, so a
    code works once) and uses django-otp's TOTP arithmetic (`lrs.learner_accounts.second_factor`).
    Unconfirmed while the learner is setting it up; confirmed by one right code.
    """

    account = models.OneToOneField(
        LearnerAccount, on_delete=models.CASCADE, related_name="second_factor"
    )
    key = models.CharField(max_length=40)  # 20 random bytes, hex
    confirmed = models.BooleanField(default=False)
    last_t = models.BigIntegerField(default=-1)  # the last time step accepted
    drift = models.SmallIntegerField(default=0)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Wrong codes in a row, and when the last one was: each makes the next try wait longer.
    failure_count = models.PositiveIntegerField(default=0)
    failure_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"second factor of learner account {self.account_id}"


class LearnerRecoveryCode(models.Model):
    """One of a learner's recovery codes (each signs in once); only a keyed hash is kept."""

    account = models.ForeignKey(
        LearnerAccount, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "code_hash"], name="learner_recovery_once")
        ]

    def __str__(self) -> str:
        return f"recovery code of learner account {self.account_id}"
