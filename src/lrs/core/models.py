from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One action by one user: every change to a learner and every search is recorded.

    The row names the organisation and the learner by id only: core sits below the apps that
    define them (DESIGN 2), and an audit trail outlives what it names anyway (the organisation's
    name and the username are copied). The user is a foreign key through the swappable
    `AUTH_USER_MODEL`, Django's own way for a lower app to refer to the user model; deleting a
    user empties `user` and keeps `username`.
    """

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Indexed by audit_user_action_time (user first), not by an index of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    username = models.CharField(max_length=150)
    # Column organisation_id, as when this was a foreign key (lrs.organisations.Organisation).
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    organisation_name = models.CharField(max_length=255)
    channel = models.CharField(max_length=16)
    action = models.CharField(max_length=64, db_index=True)
    # Column learner_id (lrs.learners.Learner); audit_learner_time (learner_id, occurred_at)
    # serves every look-up by learner.
    learner_id = models.BigIntegerField(null=True, blank=True)
    version_number = models.PositiveIntegerField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        # On PostgreSQL the table is partitioned by month (lrs.core.partitions); these indexes
        # are on every partition.
        indexes = [
            models.Index(fields=["learner_id", "occurred_at"], name="audit_learner_time"),
            # An organisation's history (the service desk's audit pages), newest first.
            models.Index(fields=["organisation_id", "occurred_at"], name="audit_org_time"),
            # A user's recent actions of one kind: the hourly limits (`lrs.core.limits`) and the
            # capped-search signal (`lrs.core.security`), which run on every credit check,
            # verification or capped search and would otherwise read the user's whole history.
            models.Index(fields=["user", "action", "occurred_at"], name="audit_user_action_time"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.username} {self.action}"
