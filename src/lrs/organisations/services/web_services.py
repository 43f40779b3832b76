"""The organisation's web-service credential: the `OrgPassword` every SOAP request carries
beside its UKPRN and a user's name (as the real service's MIAP web services do).

The organisation's super user sets and rotates it; only a hash is stored; each change and each
refused request is audited; repeated wrong passwords lock it until a super user sets a new one.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit, record_organisation_audit
from lrs.core.errors import ValidationFailed
from lrs.core.roles import Permission
from lrs.organisations.models import Organisation, User, WebServiceCredential
from lrs.organisations.selectors import acting_organisation

MIN_WEB_SERVICE_PASSWORD_LENGTH = 12
MAX_FAILED_WEB_SERVICE_ATTEMPTS = 10

# Hashes already checked in this process: (credential id, stored hash) -> SHA-256 of the
# password that matched it. A slow password hash on every request would cost more than the
# operation itself; the stored hash is part of the key, so a new password drops the entry.
_CHECKED: dict[tuple[int, str], bytes] = {}


class WebServiceSignIn(enum.Enum):
    SIGNED_IN = "signed_in"
    UNKNOWN_ORGANISATION = "unknown_organisation"  # WSEC0003
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 - an outcome, WSEC0005
    LOCKED = "locked"  # WSEC0005, until a super user sets a new password
    UNKNOWN_USER = "unknown_user"  # WSEC0006


@dataclass(frozen=True)
class WebServiceSignInResult:
    outcome: WebServiceSignIn
    user: User | None = None


def get_web_service_credential(*, actor: Actor) -> WebServiceCredential | None:
    """The actor's organisation's credential (when it was set, by whom, whether locked)."""
    ensure_can(actor, Permission.MANAGE_USERS)
    return WebServiceCredential.objects.filter(organisation_id=actor.organisation.pk).first()


@transaction.atomic
def set_web_service_password(*, actor: Actor, password: str) -> WebServiceCredential:
    """Set or rotate the organisation's web-service password (super user); unlocks it too."""
    ensure_can(actor, Permission.MANAGE_USERS)
    organisation = acting_organisation(actor)
    problems: list[str] = []
    if len(password) < MIN_WEB_SERVICE_PASSWORD_LENGTH:
        problems.append(
            _("The web-service password must be at least %(count)d characters long.")
            % {"count": MIN_WEB_SERVICE_PASSWORD_LENGTH}
        )
    try:
        validate_password(password)
    except ValidationError as exc:
        problems += [str(message) for message in exc.messages]
    if problems:
        raise ValidationFailed(field_errors={"password": problems})
    credential, created = WebServiceCredential.objects.select_for_update().update_or_create(
        organisation=organisation,
        defaults={
            "password_hash": make_password(password),
            "set_at": timezone.now(),
            "set_by": actor.user.username,
            "failed_attempts": 0,
            "locked_at": None,
        },
    )
    record_audit(
        actor=actor,
        action=AuditAction.WEB_SERVICE_PASSWORD_SET,
        details={"rotated": not created},
    )
    return credential


def _password_matches(credential: WebServiceCredential, password: str) -> bool:
    key = (credential.pk, credential.password_hash)
    digest = hashlib.sha256(password.encode()).digest()
    known = _CHECKED.get(key)
    if known is not None:
        return hmac.compare_digest(known, digest)
    if not check_password(password, credential.password_hash):
        return False
    _CHECKED[key] = digest
    return True


def _refuse(
    organisation: Organisation, username: str, credential: WebServiceCredential | None
) -> WebServiceSignInResult:
    """Count a wrong password (in its own transaction, so the count survives) and audit it."""
    locked_now = False
    if credential is not None and not credential.is_locked:
        with transaction.atomic():
            row = WebServiceCredential.objects.select_for_update().get(pk=credential.pk)
            row.failed_attempts += 1
            if row.failed_attempts >= MAX_FAILED_WEB_SERVICE_ATTEMPTS:
                row.locked_at = timezone.now()
                locked_now = True
            row.save(update_fields=["failed_attempts", "locked_at"])
    record_organisation_audit(
        organisation_id=organisation.pk,
        organisation_name=organisation.name,
        username=username,
        channel=Channel.SOAP,
        action=AuditAction.WEB_SERVICE_LOCKED
        if locked_now
        else AuditAction.WEB_SERVICE_SIGN_IN_FAILED,
        details={"reason": "no_credential" if credential is None else "wrong_password"},
    )
    locked = credential is not None and (credential.is_locked or locked_now)
    return WebServiceSignInResult(
        WebServiceSignIn.LOCKED if locked else WebServiceSignIn.WRONG_PASSWORD
    )


def authenticate_web_service(*, ukprn: str, password: str, username: str) -> WebServiceSignInResult:
    """Check a SOAP request's UKPRN, OrgPassword and UserName; the user's roles apply after."""
    organisation = Organisation.objects.filter(ukprn=ukprn.strip()).first()
    if organisation is None or not organisation.is_active:
        return WebServiceSignInResult(WebServiceSignIn.UNKNOWN_ORGANISATION)
    credential = WebServiceCredential.objects.filter(organisation=organisation).first()
    if credential is None or credential.is_locked:
        return _refuse(organisation, username, credential)
    if not _password_matches(credential, password):
        return _refuse(organisation, username, credential)
    if credential.failed_attempts:
        WebServiceCredential.objects.filter(pk=credential.pk).update(failed_attempts=0)
    user = (
        User.objects.select_related("organisation")
        .filter(organisation=organisation, username=username.strip(), is_active=True)
        .first()
    )
    if user is None:
        return WebServiceSignInResult(WebServiceSignIn.UNKNOWN_USER)
    return WebServiceSignInResult(WebServiceSignIn.SIGNED_IN, user)
