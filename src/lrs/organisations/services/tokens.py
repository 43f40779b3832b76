"""API tokens: issued to a user, stored only as a digest, revoked."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.roles import Permission
from lrs.organisations.models import ApiToken, User

TOKEN_PREFIX = "lrs_"  # noqa: S105 - marks our tokens so secret scanners can spot leaks


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def _ensure_may_manage_tokens(actor: Actor, user: User) -> None:
    """A user's own tokens, or any user's for the service desk (`lrs token USERNAME`)."""
    if actor.user.pk != user.pk:
        ensure_can(actor, Permission.MANAGE_ORGANISATIONS)


@transaction.atomic
def issue_api_token(*, actor: Actor, user: User, name: str = "") -> IssuedToken:
    """Create a token for the user; the raw value is returned once and never stored."""
    _ensure_may_manage_tokens(actor, user)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, digest=_digest(raw), prefix=raw[: len(TOKEN_PREFIX) + 6], name=name
    )
    record_audit(
        actor=actor,
        action=AuditAction.TOKEN_ISSUED,
        details={"user_id": user.pk, "username": user.username, "prefix": token.prefix},
    )
    return IssuedToken(token=token, raw=raw)


def authenticate_api_token(raw: str) -> User | None:
    """The active user behind a live token, or None (noting when the token was last used)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(digest=_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def revoke_api_token(*, actor: Actor, token: ApiToken) -> None:
    """Stop the token working; it is kept, with when it was revoked."""
    _ensure_may_manage_tokens(actor, token.user)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    record_audit(
        actor=actor,
        action=AuditAction.TOKEN_REVOKED,
        details={"user_id": token.user_id, "prefix": token.prefix},
    )
