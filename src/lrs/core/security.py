"""The security event log (issue 19 item 14): the audit rows a service desk watches.

Security events are audit rows of the kinds below, written where they happen (sign-in, the
reset route, the second factor, API tokens, refused permissions, searches); this module names
them, notes the data-mining signal and lists them for the service desk only.
"""

from __future__ import annotations

import datetime
import os

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.models import AuditEvent
from lrs.core.roles import Permission

# Each kind of security event, as the service desk's page names it.
SECURITY_EVENTS: dict[str, object] = {
    AuditAction.USER_SIGN_IN_FAILED: _("Wrong password"),
    AuditAction.USER_SIGN_IN_UNKNOWN: _("Sign-in with a username that does not exist"),
    AuditAction.USER_LOCKED_OUT: _("Account suspended after wrong passwords"),
    AuditAction.USER_SECOND_FACTOR_FAILED: _("Wrong second-factor code"),
    AuditAction.USER_SECOND_FACTOR_RESET: _("Second factor reset"),
    AuditAction.USER_SECRET_ANSWER_WRONG: _("Wrong secret answer"),
    AuditAction.USER_PASSWORD_RESET_PAUSED: _("Password reset paused"),
    AuditAction.TOKEN_USED_FROM_NEW_ADDRESS: _("API token used from a new address"),
    AuditAction.PERMISSION_REFUSED: _("Permission refused"),
    AuditAction.SEARCH_CAP_REPEATED: _("Searches repeatedly hit the result limit"),
    AuditAction.WEB_SERVICE_SIGN_IN_FAILED: _("Wrong web-service password"),
    AuditAction.WEB_SERVICE_LOCKED: _("Web-service password locked after wrong passwords"),
    AuditAction.LEARNER_SIGN_IN_FAILED: _("Learner account: wrong password"),
    AuditAction.LEARNER_ACCOUNT_LOCKED: _("Learner account locked after wrong passwords"),
    AuditAction.LEARNER_SECOND_FACTOR_FAILED: _("Learner account: wrong second-factor code"),
    AuditAction.LEARNER_SECOND_FACTOR_OFF: _("Learner account: second factor turned off"),
}


def search_cap_alert_threshold() -> int:
    """Capped searches by one user within an hour that make a data-mining signal."""
    return int(os.environ.get("LRS_SEARCH_CAP_ALERT", "5"))


def note_capped_searches(*, actor: Actor) -> None:
    """After a user's capped search (too many matches, or the 10-result limit reached): record a
    signal once the user has made the threshold's number within an hour, at most once an hour.

    Batch files search many learners by design, so their searches are not counted.
    """
    if actor.channel == Channel.BATCH:
        return
    since = timezone.now() - datetime.timedelta(hours=1)
    mine = AuditEvent.objects.filter(user_id=actor.user.pk, occurred_at__gte=since)
    if mine.filter(action=AuditAction.SEARCH_CAP_REPEATED).exists():
        return
    capped = mine.filter(action=AuditAction.LEARNER_SEARCHED, details__capped=True).count()
    if capped >= search_cap_alert_threshold():
        record_audit(
            actor=actor, action=AuditAction.SEARCH_CAP_REPEATED, details={"capped_searches": capped}
        )


def record_permission_refused(*, actor: Actor, what: str) -> None:
    """A signed-in user (or token) asked for something their roles don't allow."""
    record_audit(actor=actor, action=AuditAction.PERMISSION_REFUSED, details={"what": what[:200]})


def list_security_events(*, actor: Actor, kind: str = "") -> QuerySet[AuditEvent]:
    """Security events, newest first, of one kind or all: for the service desk only."""
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    kinds = [kind] if kind in SECURITY_EVENTS else list(SECURITY_EVENTS)
    return AuditEvent.objects.filter(action__in=kinds).order_by("-occurred_at", "-id")
