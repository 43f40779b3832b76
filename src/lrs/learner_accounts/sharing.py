"""Share links: a learner shows chosen learning events to someone, for a while, on their terms.

A link's address carries a token signed with the service's secret key (Django's `signing`,
HMAC-SHA256) over the link's id and expiry: a token that was not made here, or was changed in
any character, is refused before the database is asked. The link itself (which events, until
when, revoked or not) lives in the database, so the learner can revoke it at any time. Every
opening, of the page or its PDF, is an audit row on the learner (channel `share`), shown in the
learner's access log with the recipient the learner named.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.core.actor import Channel
from lrs.core.audit import AuditAction, record_outside_audit
from lrs.core.errors import ValidationFailed
from lrs.learner_accounts.errors import ShareLinkRefused
from lrs.learner_accounts.models import LearnerAccount, ShareLink
from lrs.learner_accounts.selectors import my_events
from lrs.plr.models import LearningEvent
from lrs.plr.selectors import report_order

_SALT = "lrs.learner_accounts.share_link"
# How long a link may last, in days (the learner chooses one).
DURATIONS = (1, 7, 30, 90)
MAX_ACTIVE_LINKS = 20


def sign_token(link: ShareLink) -> str:
    """The token in the link's address: the link's id and expiry, signed with the secret key."""
    payload = {"i": link.public_id, "x": int(link.expires_at.timestamp())}
    return signing.dumps(payload, salt=_SALT, compress=True)


def _content_digest(events: Sequence[LearningEvent]) -> str:
    """A keyed hash of what the link shows, to tell later whether an event has changed."""
    parts = [
        "|".join(
            str(value)
            for value in (
                event.pk,
                event.subject_code,
                event.subject,
                event.grade,
                event.credits,
                event.level,
                event.achievement_award_date,
                event.participation_start_date,
                event.participation_end_date,
                event.version_number,
            )
        )
        for event in sorted(events, key=lambda e: e.pk)
    ]
    return hmac.new(
        settings.SECRET_KEY.encode(), "\n".join(parts).encode(), hashlib.sha256
    ).hexdigest()


def _audit(action: AuditAction, link: ShareLink, **details: object) -> None:
    record_outside_audit(
        action=action,
        channel=Channel.SHARE_LINK if action in _STRANGERS else Channel.LEARNER,
        learner=link.learner,
        label="share link" if action in _STRANGERS else "learner",
        details={"link": link.public_id, "recipient": link.recipient, **details},
    )


_STRANGERS = frozenset({AuditAction.SHARE_LINK_OPENED, AuditAction.SHARE_LINK_REPORT})


@transaction.atomic
def create_share_link(
    *, account: LearnerAccount, recipient: str, event_ids: Sequence[int], days: int
) -> tuple[ShareLink, str]:
    """A new link to the chosen events of the learner's own record; returns it and its token."""
    errors: dict[str, list[str]] = {}
    recipient = " ".join(recipient.split())
    if not recipient:
        errors["recipient"] = [_("Enter who the link is for, for example an employer's name")]
    elif len(recipient) > 100:
        errors["recipient"] = [_("Who the link is for must be 100 characters or fewer")]
    if days not in DURATIONS:
        errors["days"] = [_("Select how long the link works")]
    learner = account.learner
    events = list(my_events(learner).filter(pk__in=list(event_ids)))
    if not events or len(events) != len(set(event_ids)):
        errors["events"] = [_("Select at least one learning event of your record")]
    active = ShareLink.objects.filter(
        learner=learner, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    if active >= MAX_ACTIVE_LINKS:
        errors["recipient"] = [
            _("You have %(n)d links that still work. Revoke one before making another.")
            % {"n": active}
        ]
    if errors:
        raise ValidationFailed(field_errors=errors)
    now = timezone.now()
    link = ShareLink.objects.create(
        learner=learner,
        public_id=secrets.token_urlsafe(12),
        recipient=recipient,
        content_digest=_content_digest(events),
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    link.events.set(events)
    _audit(AuditAction.SHARE_LINK_CREATED, link, events=len(events), days=days)
    return link, sign_token(link)


def list_share_links(account: LearnerAccount) -> list[ShareLink]:
    return list(ShareLink.objects.filter(learner=account.learner).prefetch_related("events"))


@transaction.atomic
def revoke_share_link(*, account: LearnerAccount, public_id: str) -> ShareLink:
    """Stop one of the learner's own links working, at once."""
    link = (
        ShareLink.objects.select_for_update()
        .filter(learner=account.learner, public_id=public_id)
        .first()
    )
    if link is None:
        raise ShareLinkRefused()
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        _audit(AuditAction.SHARE_LINK_REVOKED, link)
    return link


@dataclass(frozen=True)
class SharedRecord:
    """What a share link shows, and the facts that prove it."""

    link: ShareLink
    events: list[LearningEvent]
    learner_name: str
    unchanged: bool  # no event has been corrected since the link was made


def _refuse(reason: str, link: ShareLink | None = None) -> ShareLinkRefused:
    if link is not None:
        _audit(AuditAction.SHARE_LINK_REFUSED, link, reason=reason)
    messages = {
        "tampered": _(
            "This link was not made by the Learning Records Service, or it has been changed. "
            "Ask the learner for the link again."
        ),
        "expired": _("This share link has expired. Ask the learner for a new one."),
        "revoked": _("The learner has withdrawn this share link."),
    }
    return ShareLinkRefused(messages[reason], code=f"share_link_{reason}")


def open_share_link(*, token: str, pdf: bool = False) -> SharedRecord:
    """The events a valid link shows (its opening audited); else refused, saying why."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except signing.BadSignature as exc:
        raise _refuse("tampered") from exc
    link = (
        ShareLink.objects.select_related("learner")
        .filter(public_id=str(payload.get("i", "")))
        .first()
        if isinstance(payload, dict)
        else None
    )
    if link is None or payload.get("x") != int(link.expires_at.timestamp()):
        raise _refuse("tampered")
    if link.revoked_at is not None:
        raise _refuse("revoked", link)
    if link.expires_at <= timezone.now():
        raise _refuse("expired", link)
    # Only events still on the learner's record (an event moved to another learner is not shown).
    events = list(report_order(my_events(link.learner).filter(pk__in=link.events.values("pk"))))
    _audit(AuditAction.SHARE_LINK_REPORT if pdf else AuditAction.SHARE_LINK_OPENED, link)
    learner = link.learner
    return SharedRecord(
        link=link,
        events=events,
        learner_name=" ".join(
            part
            for part in (learner.given_name, learner.middle_other_name, learner.family_name)
            if part
        ),
        unchanged=hmac.compare_digest(_content_digest(events), link.content_digest),
    )
