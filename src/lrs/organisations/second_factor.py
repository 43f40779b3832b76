"""Second factor (DESIGN 3.4, issue 19 item 12): TOTP codes from an authenticator app, and
recovery codes, with django-otp.

Super users and service-desk operators must have one; other users may. A user enrols by scanning
a QR code (or typing the secret) and confirming one code; they then get ten recovery codes, each
good once. Another super user of the same organisation, or the service desk, resets a user's
second factor (the user enrols again at their next sign-in). Everything is audited. The portal
holds the signed-in user on the code page until a code is accepted (`portal.middleware`).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

import segno
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.roles import Permission, Role
from lrs.organisations.models import User

RECOVERY_CODES = 10
TOTP_DEVICE_NAME = "authenticator"
RECOVERY_DEVICE_NAME = "recovery"
_REQUIRED_ROLES = frozenset({Role.SUPER_USER.value, Role.SERVICE_DESK.value})


def _audit(actor: Actor, action: AuditAction, user: User, **details: object) -> None:
    record_audit(
        actor=actor,
        action=action,
        details={"user_id": user.pk, "username": user.username, **details},
    )


def _self(user: User) -> Actor:
    return Actor(user=user, channel=Channel.PORTAL)


def second_factor_required(user: User) -> bool:
    """Super users and service-desk operators must sign in with a second factor."""
    return bool(_REQUIRED_ROLES & set(user.effective_roles))


def has_second_factor(user: User) -> bool:
    """Whether the user has a confirmed authenticator."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class Enrolment:
    """An authenticator being set up: what the user scans or types."""

    device: TOTPDevice
    secret: str  # base32, as authenticator apps take it
    qr_svg_data_uri: str


def secret_of(device: TOTPDevice) -> str:
    return base64.b32encode(binascii.unhexlify(device.key)).decode()


def start_enrolment(*, user: User) -> Enrolment:
    """The user's unconfirmed authenticator (made on first call, the same one until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    qr = segno.make(device.config_url, error="m")
    return Enrolment(
        device=device,
        secret=secret_of(device),
        qr_svg_data_uri=qr.svg_data_uri(scale=5, border=2),
    )


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _clean_code(code: str) -> str:
    return "".join(code.split()).lower()


def confirm_enrolment(*, user: User, code: str) -> list[str]:
    """Confirm the authenticator with one of its codes; return the new recovery codes (shown
    once). Any earlier authenticator is replaced."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        confirmed = device is not None and device.verify_token(_clean_code(code))
        if device is not None and confirmed:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _new_recovery_codes(user)
            _audit(_self(user), AuditAction.USER_SECOND_FACTOR_ENROLLED, user)
            return codes
        _audit(_self(user), AuditAction.USER_SECOND_FACTOR_FAILED, user, step="enrolment")
    # Raised once the failure's audit row (and django-otp's throttling count) is committed.
    raise ValidationFailed(
        field_errors={"code": [_("The code is not right. Enter the code your app shows now.")]}
    )


def verify_second_factor(*, user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts this code (an app code, or a recovery code, used up), or None.

    Six digits go to the app, anything else to the recovery codes (which are eight letters and
    digits), so that one kind's use never counts as the other's failure. Wrong codes are
    audited, and django-otp makes each device wait longer after each wrong code (throttling).
    """
    cleaned = _clean_code(code)
    devices: list[TOTPDevice | StaticDevice]
    if cleaned.isdigit() and len(cleaned) == 6:
        devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    for device in devices:
        with transaction.atomic():
            if device.verify_token(cleaned):
                recovery = isinstance(device, StaticDevice)
                _audit(
                    _self(user),
                    AuditAction.USER_SECOND_FACTOR_VERIFIED,
                    user,
                    recovery_code=recovery,
                )
                return device
    _audit(_self(user), AuditAction.USER_SECOND_FACTOR_FAILED, user, step="sign_in")
    return None


@dataclass(frozen=True)
class PreparedSecondFactor:
    secret: str
    recovery_codes: list[str]


@transaction.atomic
def enrol_on_behalf(*, actor: Actor, user: User) -> PreparedSecondFactor:
    """Set up the user's authenticator by the system itself (the demo's logins, whose secret is
    printed so that anyone trying the demo can add it to an app)."""
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    codes = _new_recovery_codes(user)
    _audit(actor, AuditAction.USER_SECOND_FACTOR_ENROLLED, user, on_behalf=True)
    return PreparedSecondFactor(secret=secret_of(device), recovery_codes=codes)


@transaction.atomic
def new_recovery_codes(*, user: User) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working)."""
    if not has_second_factor(user):
        raise ValidationFailed(_("Set up an authenticator app first."))
    codes = _new_recovery_codes(user)
    _audit(_self(user), AuditAction.USER_RECOVERY_CODES_REPLACED, user)
    return codes


@transaction.atomic
def reset_second_factor(*, actor: Actor, user: User) -> None:
    """Remove the user's authenticator and recovery codes: they enrol again at next sign-in.

    By another super user of the user's organisation, or by the service desk; never by the
    user themselves (someone who has taken over a password must not take over the second
    factor too).
    """
    if actor.user.pk == user.pk:
        raise PermissionDenied(_("Ask another super user or the service desk to do this."))
    same_organisation = user.organisation_id == actor.organisation.pk
    if not (same_organisation and actor.can(Permission.MANAGE_USERS)):
        ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _audit(actor, AuditAction.USER_SECOND_FACTOR_RESET, user)
