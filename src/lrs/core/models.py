from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One action by one user: every change to a learner and every search is recorded."""

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150)
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation_name = models.CharField(max_length=255)
    channel = models.CharField(max_length=16)
    action = models.CharField(max_length=64, db_index=True)
    learner = models.ForeignKey(
        "learners.Learner",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        # audit_learner_time (learner, occurred_at) serves every look-up by learner; a second
        # index on learner alone doubled the pages each audit row dirties at random.
        db_index=False,
    )
    version_number = models.PositiveIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["learner", "occurred_at"], name="audit_learner_time")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.username} {self.action}"
