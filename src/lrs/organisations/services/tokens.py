"""API tokens: issued to a user for a time, stored only as a digest, rotated, revoked.

A token expires (`DEFAULT_TOKEN_DAYS` unless another of `TOKEN_LIFETIMES_DAYS` is chosen);
rotating one issues a successor with the same name and lets the old one work for
`ROTATION_GRACE` more, so that an MIS can switch without a gap. Each use notes when and from
which address; the first use from an address the token has not been used from before is a
security event (`token.new_address`). The user and their organisation's super users list and
revoke a user's tokens; the service desk issues them on the command line (`lrs token`).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import ipaddress
import secrets
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.core import rows
from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import NotFound, ValidationFailed
from lrs.core.roles import Permission
from lrs.organisations.models import ApiToken, Organisation, User

TOKEN_PREFIX = "lrs_"  # noqa: S105 - marks our tokens so secret scanners can spot leaks
TOKEN_LIFETIMES_DAYS = (30, 90, 365)
DEFAULT_TOKEN_DAYS = 90
ROTATION_GRACE = datetime.timedelta(days=1)
# How many distinct addresses a token remembers (the oldest is forgotten first).
KNOWN_ADDRESSES = 20
# last_used_at is written at most this often per token (every request would be a write).
LAST_USED_EVERY = datetime.timedelta(seconds=60)


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def _ensure_may_issue_tokens(actor: Actor, user: User) -> None:
    """A user issues (and rotates) their own tokens; the service desk anyone's (`lrs token`)."""
    if actor.user.pk != user.pk:
        ensure_can(actor, Permission.MANAGE_ORGANISATIONS)


def _ensure_may_manage_tokens(actor: Actor, user: User) -> None:
    """Listing and revoking: the user's own, and a super user's for users of their
    organisation; the service desk's for anyone."""
    if actor.user.pk == user.pk:
        return
    if actor.can(Permission.MANAGE_USERS) and user.organisation_id == actor.organisation.pk:
        return
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)


def _audit(actor: Actor, action: AuditAction, token: ApiToken, **details: object) -> None:
    record_audit(
        actor=actor,
        action=action,
        details={
            "user_id": token.user_id,
            "username": token.user.username,
            "prefix": token.prefix,
            **details,
        },
    )


@transaction.atomic
def issue_api_token(
    *, actor: Actor, user: User, name: str = "", days: int = DEFAULT_TOKEN_DAYS
) -> IssuedToken:
    """Create a token for the user; the raw value is returned once and never stored."""
    _ensure_may_issue_tokens(actor, user)
    if days not in TOKEN_LIFETIMES_DAYS:
        raise ValidationFailed(
            field_errors={"days": [_("Choose how long the token will work for.")]}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + datetime.timedelta(days=days)
    token = ApiToken.objects.create(
        user=user,
        digest=_digest(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        name=name.strip()[:100],
        expires_at=expires_at,
    )
    _audit(actor, AuditAction.TOKEN_ISSUED, token, expires_at=expires_at.isoformat())
    return IssuedToken(token=token, raw=raw)


@transaction.atomic
def rotate_api_token(
    *, actor: Actor, token: ApiToken, days: int = DEFAULT_TOKEN_DAYS
) -> IssuedToken:
    """A successor with the same name; the old token works for `ROTATION_GRACE` more."""
    _ensure_may_issue_tokens(actor, token.user)
    if not token.is_live:
        raise ValidationFailed(_("This token has expired or been revoked: issue a new one."))
    successor = issue_api_token(actor=actor, user=token.user, name=token.name, days=days)
    grace_end = timezone.now() + ROTATION_GRACE
    if token.expires_at is None or token.expires_at > grace_end:
        token.expires_at = grace_end
    token.save(update_fields=["expires_at"])
    _audit(
        actor,
        AuditAction.TOKEN_ROTATED,
        token,
        successor=successor.token.prefix,
        old_expires_at=token.expires_at.isoformat(),
    )
    return successor


def authenticate_api_token(raw: str, *, address: str = "") -> User | None:
    """The active user behind a live token, or None; notes when and where it was used."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    now = timezone.now()
    token = _live_token(_digest(raw))
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    _note_use(token, address, now)
    return token.user


# The token, its user and the user's organisation, as `select_related` would load them.
_LOADED: tuple[type[Model], ...] = (ApiToken, User, Organisation)


@functools.cache
def _live_token_sql() -> str:
    """One statement for the three rows, built once per process (`lrs.core.rows`).

    Every API request runs it; compiling the same `select_related` query through the ORM on
    each request cost several times what the database took to answer it.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(
        rows.column_list(model, alias) for alias, model in zip("tuo", _LOADED, strict=True)
    )
    token, user, organisation = (quote(model._meta.db_table) for model in _LOADED)
    return (
        f"SELECT {columns} FROM {token} t "  # noqa: S608 - names come from model metadata
        f"JOIN {user} u ON u.{quote('id')} = t.{quote('user_id')} "
        f"LEFT JOIN {organisation} o ON o.{quote('id')} = u.{quote('organisation_id')} "
        f"WHERE t.{quote('digest')} = %s AND t.{quote('revoked_at')} IS NULL"
    )


def _live_token(digest: str) -> ApiToken | None:
    """The unrevoked token with this digest, its user and organisation loaded, or None."""
    with rows.prepared_cursor() as cursor:
        cursor.execute(_live_token_sql(), [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    first, second = (
        rows.column_count(ApiToken),
        rows.column_count(ApiToken) + rows.column_count(User),
    )
    token = rows.instance(ApiToken, row[:first])
    user = rows.instance(User, row[first:second])
    user.organisation = (
        rows.instance(Organisation, row[second:]) if row[second] is not None else None
    )
    token.user = user
    return token


def _ip_address(address: str) -> str:
    """The address if it is an IP address (the column's type), else ""."""
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return ""


def _note_use(token: ApiToken, address: str, now: datetime.datetime) -> None:
    address = _ip_address(address)
    new_address = bool(address) and address not in token.known_addresses
    stale = token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY
    if not (new_address or stale or (address and address != token.last_used_address)):
        return
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        locked.last_used_at = now
        if address:
            locked.last_used_address = address
        if new_address and address not in locked.known_addresses:
            if locked.known_addresses:
                _audit(
                    Actor(user=token.user, channel=Channel.API),
                    AuditAction.TOKEN_USED_FROM_NEW_ADDRESS,
                    locked,
                    address=address,
                    known_addresses=list(locked.known_addresses),
                )
            locked.known_addresses = [*locked.known_addresses, address][-KNOWN_ADDRESSES:]
        locked.save(update_fields=["last_used_at", "last_used_address", "known_addresses"])


@transaction.atomic
def revoke_api_token(*, actor: Actor, token: ApiToken) -> None:
    """Stop the token working; it is kept, with when it was revoked."""
    _ensure_may_manage_tokens(actor, token.user)
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _audit(actor, AuditAction.TOKEN_REVOKED, token)


def list_api_tokens(*, actor: Actor, user: User) -> QuerySet[ApiToken]:
    """The user's tokens, newest first, for the user or a super user of their organisation."""
    _ensure_may_manage_tokens(actor, user)
    return ApiToken.objects.select_related("user").filter(user=user).order_by("-created_at")


def get_api_token(*, actor: Actor, user: User, token_id: int) -> ApiToken:
    """One of the user's tokens; any other token is simply not found."""
    token = list_api_tokens(actor=actor, user=user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("There is no such token."))
    return token
