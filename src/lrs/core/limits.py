"""Per-user limits counted from the audit trail (credit checks, verify learner look-ups).

Every look-up that a limit guards is already an audit row, so the rows of the last hour are the
count: nothing else to store, and the count survives restarts and is the same on every web
worker. The user's row is locked while counting, so two requests of one user can't both slip
under the limit.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Collection

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lrs.core.actor import Actor
from lrs.core.models import AuditEvent


def per_hour_setting(name: str, default: int) -> int:
    """A limit from the environment (`LRS_CREDIT_CHECKS_PER_HOUR` ...), else the default."""
    return int(os.environ.get(name, str(default)))


def under_hourly_limit(
    *, actor: Actor, action: str, limit: int, excluding_channels: Collection[str] = ()
) -> bool:
    """Whether the user has made fewer than `limit` audited `action`s in the last hour.

    Call it inside the transaction that records the new action: the user's row stays locked
    until that transaction ends.
    """
    assert transaction.get_connection().in_atomic_block, "call inside transaction.atomic()"
    get_user_model().objects.select_for_update().filter(pk=actor.user.pk).first()
    since = timezone.now() - datetime.timedelta(hours=1)
    made = AuditEvent.objects.filter(user_id=actor.user.pk, action=action, occurred_at__gte=since)
    if excluding_channels:
        made = made.exclude(channel__in=list(excluding_channels))
    return made.count() < limit


def recent_attempts(*, actions: Collection[str], window: datetime.timedelta, **details: str) -> int:
    """How many audit rows of these actions in the window carry these detail values.

    For limits on people who are not signed in (a learner creating an account, resetting a
    password): counted by what they sent (`email`, `uln`) and where from (`ip`), each a value
    kept in the rows' details. An unknown ULN counts like a known one, so the limit reveals
    nothing about which ULNs exist.
    """
    since = timezone.now() - window
    rows = AuditEvent.objects.filter(action__in=list(actions), occurred_at__gte=since)
    for key, value in details.items():
        rows = rows.filter(**{f"details__{key}": value})
    return rows.count()
