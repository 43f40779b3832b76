"""Writes for organisations, users and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.core.actor import Actor
from lrs.core.errors import ValidationFailed
from lrs.core.identifier_messages import identifier_message
from lrs.core.roles import Role
from lrs.identifiers import IdentifierError, validate_ukprn
from lrs.organisations.models import ApiToken, Organisation, OrganisationType, User

TOKEN_PREFIX = "lrs_"  # noqa: S105 - marks our tokens so secret scanners can spot leaks


def _clean_roles(roles: Iterable[str]) -> list[str]:
    known = {role.value for role in Role}
    cleaned = sorted({role.strip() for role in roles if role.strip()})
    unknown = [role for role in cleaned if role not in known]
    if unknown:
        raise ValidationFailed(
            _("Unknown role: %(roles)s. Known roles: %(known)s.")
            % {"roles": ", ".join(unknown), "known": ", ".join(sorted(known))},
            field_errors={"roles": [_("Choose roles from the list of known roles.")]},
        )
    return cleaned


@transaction.atomic
def create_organisation(
    *,
    ukprn: str,
    name: str,
    organisation_type: str = OrganisationType.COLLEGE,
    granted_roles: Iterable[str] = (),
) -> Organisation:
    """Add an organisation to the provider register with the roles it is granted."""
    errors: dict[str, list[str]] = {}
    try:
        ukprn = validate_ukprn(ukprn)
    except IdentifierError as exc:
        errors["ukprn"] = [identifier_message(exc)]
    if not name.strip():
        errors["name"] = [_("Enter the organisation's name.")]
    if organisation_type not in OrganisationType.values:
        errors["organisation_type"] = [_("Choose a known organisation type.")]
    if errors:
        raise ValidationFailed(field_errors=errors)
    if Organisation.objects.filter(ukprn=ukprn).exists():
        message = _("An organisation with UKPRN %(ukprn)s already exists.") % {"ukprn": ukprn}
        raise ValidationFailed(message, field_errors={"ukprn": [message]})
    return Organisation.objects.create(
        ukprn=ukprn,
        name=name.strip(),
        organisation_type=organisation_type,
        granted_roles=_clean_roles(granted_roles),
    )


@transaction.atomic
def create_user(
    *,
    organisation: Organisation,
    username: str,
    roles: Iterable[str],
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user of the organisation with roles from its granted set."""
    cleaned_roles = _clean_roles(roles)
    not_granted = [role for role in cleaned_roles if role not in organisation.granted_roles]
    if not_granted:
        raise ValidationFailed(
            _("The organisation has not been granted the role(s): %(roles)s.")
            % {"roles": ", ".join(not_granted)},
            field_errors={"roles": [_("Not granted to this organisation.")]},
        )
    username = username.strip()
    if not username:
        raise ValidationFailed(field_errors={"username": [_("Enter a username.")]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(
            _("The username %(username)s is already taken.") % {"username": username},
            field_errors={"username": [_("Already taken.")]},
        )
    user = User(
        username=username,
        organisation=organisation,
        roles=cleaned_roles,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed(
                " ".join(exc.messages), field_errors={"password": list(exc.messages)}
            ) from exc
        user.set_password(password)
    user.save()
    return user


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str


def issue_api_token(*, user: User, name: str = "") -> IssuedToken:
    """Create a token for the user; the raw value is returned once and never stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, digest=_digest(raw), prefix=raw[: len(TOKEN_PREFIX) + 6], name=name
    )
    return IssuedToken(token=token, raw=raw)


def authenticate_api_token(raw: str) -> User | None:
    """The active user behind a live token, or None."""
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


def revoke_api_token(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())


SERVICE_DESK_UKPRN = "10000001"
SYSTEM_USERNAME = "lrs-system"


@transaction.atomic
def service_desk_system_actor(*, channel: str) -> Actor:
    """The actor for operator work done from the command line (imports, demo data).

    It belongs to the service desk organisation, holds the service desk role and can't sign in.
    """
    organisation, _created = Organisation.objects.get_or_create(
        ukprn=SERVICE_DESK_UKPRN,
        defaults={
            "name": "LRS Service Desk",
            "organisation_type": OrganisationType.SERVICE_DESK,
            "granted_roles": [Role.SERVICE_DESK.value],
        },
    )
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(
            username=SYSTEM_USERNAME,
            organisation=organisation,
            roles=[Role.SERVICE_DESK.value],
            first_name="LRS",
            last_name="System",
        )
        user.set_unusable_password()
        user.save()
    return Actor(user=user, channel=channel)
