"""A learner's optional second factor (issue 12 item 1): a code from an authenticator app
(TOTP), with recovery codes, asked for at sign-in once the learner has turned it on.

Learner accounts are not Django users, so django-otp's devices cannot hold their keys; the key
is kept on `LearnerSecondFactor` and checked with django-otp's TOTP arithmetic
(`django_otp.oath.TOTP`), the same 30-second, 6-digit codes as organisation users' apps, one
step of clock tolerance, each code good once. Recovery codes are kept as keyed hashes only.

- Turning it on: `start_enrolment` (QR code and key), `confirm_enrolment` with one code, which
  returns ten recovery codes (shown once).
- Signing in: after the password, `verify_sign_in_code` takes a 6-digit app code or a recovery
  code (used up). Each wrong code makes the next try wait longer (1, 2, 4 ... seconds, as
  django-otp does, at most an hour); the portal also rate-limits the step per client and per
  account. Every code accepted or refused is audited; refusals are security events.
- Turning it off: `turn_off` with a fresh code (app or recovery), audited.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP

from lrs.core.actor import Channel
from lrs.core.audit import AuditAction, record_outside_audit
from lrs.core.errors import ValidationFailed
from lrs.learner_accounts.models import LearnerAccount, LearnerRecoveryCode, LearnerSecondFactor
from lrs.learner_accounts.services import check_ip_limit

RECOVERY_CODES = 10
RECOVERY_CODE_LENGTH = 10
STEP = 30  # seconds a code lasts
DIGITS = 6
TOLERANCE = 1  # one step either side, for clocks a little out
MAX_WAIT_SECONDS = 3600
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i
_LABEL = "learner"


class SecondFactorRefused(ValidationFailed):
    code = "second_factor_refused"


class SecondFactorWait(ValidationFailed):
    """Wrong codes in a row: the next try must wait."""

    code = "second_factor_wait"


def _audit(action: AuditAction, account: LearnerAccount, **details: Any) -> None:
    record_outside_audit(
        action=action,
        channel=Channel.LEARNER,
        learner=account.learner,
        label=_LABEL,
        details={"account_id": account.pk, **details},
    )


def _clean(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _recovery_digest(account: LearnerAccount, code: str) -> str:
    message = f"learner-recovery:{account.pk}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _totp(device: LearnerSecondFactor) -> TOTP:
    totp = TOTP(binascii.unhexlify(device.key), STEP, 0, DIGITS, device.drift)
    totp.time = time.time()
    return totp


def has_second_factor(account: LearnerAccount) -> bool:
    """Whether the learner has turned the second factor on (and is asked for a code)."""
    return LearnerSecondFactor.objects.filter(account=account, confirmed=True).exists()


def recovery_codes_left(account: LearnerAccount) -> int:
    return LearnerRecoveryCode.objects.filter(account=account).count()


def secret_of(device: LearnerSecondFactor) -> str:
    """The key as authenticator apps take it when typed (base32)."""
    return base64.b32encode(binascii.unhexlify(device.key)).decode()


def _config_url(device: LearnerSecondFactor) -> str:
    issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "Learning Records Service"))
    # The label names the service and the account number, never the learner or their email.
    label = quote(f"{issuer}:learner {device.account_id}")
    params = {
        "secret": secret_of(device),
        "algorithm": "SHA1",
        "digits": DIGITS,
        "period": STEP,
        "issuer": issuer,
    }
    return f"otpauth://totp/{label}?{urlencode(params, quote_via=quote)}"


@dataclass(frozen=True)
class Enrolment:
    """An authenticator being set up: what the learner scans or types."""

    secret: str
    qr_svg_data_uri: str


def start_enrolment(*, account: LearnerAccount) -> Enrolment:
    """The key being set up (made on first call, the same one until confirmed)."""
    if has_second_factor(account):
        raise ValidationFailed(_("Your second factor is already turned on."))
    device = LearnerSecondFactor.objects.filter(account=account, confirmed=False).first()
    if device is None:
        device = LearnerSecondFactor.objects.create(
            account=account, key=secrets.token_hex(20), created_at=timezone.now()
        )
    qr = segno.make(_config_url(device), error="m")
    return Enrolment(secret=secret_of(device), qr_svg_data_uri=qr.svg_data_uri(scale=5, border=2))


def _new_recovery_codes(account: LearnerAccount) -> list[str]:
    LearnerRecoveryCode.objects.filter(account=account).delete()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODES:
        code = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        if not code.isdigit():  # all digits would be taken for an app code
            codes.add(code)
    LearnerRecoveryCode.objects.bulk_create(
        [
            LearnerRecoveryCode(account=account, code_hash=_recovery_digest(account, c))
            for c in codes
        ]
    )
    return [f"{c[:5]}-{c[5:]}" for c in sorted(codes)]


def _wait_until(device: LearnerSecondFactor) -> datetime.datetime | None:
    """When the next try is allowed, if not now (after wrong codes in a row)."""
    if device.failure_count == 0 or device.failure_at is None:
        return None
    factor = float(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))
    delay = min(factor * 2 ** (device.failure_count - 1), MAX_WAIT_SECONDS)
    until = device.failure_at + datetime.timedelta(seconds=delay)
    return until if until > timezone.now() else None


def _refuse_while_waiting(device: LearnerSecondFactor) -> None:
    until = _wait_until(device)
    if until is not None:
        seconds = max(1, int((until - timezone.now()).total_seconds()) + 1)
        raise SecondFactorWait(
            field_errors={
                "code": [
                    _("Too many wrong codes. Wait %(n)d seconds, then try again.") % {"n": seconds}
                ]
            }
        )


def _app_code_ok(device: LearnerSecondFactor, code: str) -> bool:
    if not (code.isdigit() and len(code) == DIGITS):
        return False
    totp = _totp(device)
    if not totp.verify(int(code), TOLERANCE, device.last_t + 1):
        return False
    device.last_t = totp.t()
    device.drift = totp.drift
    return True


def _recovery_code_ok(account: LearnerAccount, code: str) -> bool:
    deleted, _rows = LearnerRecoveryCode.objects.filter(
        account=account, code_hash=_recovery_digest(account, code)
    ).delete()
    return deleted > 0


def _failed(device: LearnerSecondFactor) -> None:
    device.failure_count += 1
    device.failure_at = timezone.now()
    device.save(update_fields=["failure_count", "failure_at"])


def _succeeded(device: LearnerSecondFactor) -> None:
    device.failure_count = 0
    device.failure_at = None
    device.save(update_fields=["failure_count", "failure_at", "last_t", "drift"])


def _wrong(message: str) -> SecondFactorRefused:
    return SecondFactorRefused(field_errors={"code": [message]})


def confirm_enrolment(*, account: LearnerAccount, code: str, ip: str = "") -> list[str]:
    """Turn the second factor on with one code from the app; return the ten recovery codes
    (shown once)."""
    with transaction.atomic():
        device = (
            LearnerSecondFactor.objects.select_for_update()
            .filter(account=account, confirmed=False)
            .first()
        )
        if device is None:
            raise ValidationFailed(_("Start again: scan the QR code, then enter the code."))
        _refuse_while_waiting(device)
        if _app_code_ok(device, _clean(code)):
            _succeeded(device)
            device.confirmed = True
            device.confirmed_at = timezone.now()
            device.save(update_fields=["confirmed", "confirmed_at"])
            codes = _new_recovery_codes(account)
            _audit(AuditAction.LEARNER_SECOND_FACTOR_ON, account, ip=ip)
            return codes
        _failed(device)
        _audit(AuditAction.LEARNER_SECOND_FACTOR_FAILED, account, ip=ip, step="turn_on")
    # Raised once the failure (its count and audit row) has been committed.
    raise _wrong(_("The code is not right. Enter the code your app shows now."))


def _check_code(account: LearnerAccount, code: str, *, step: str, ip: str) -> bool:
    """Check an app code or a recovery code (used up) against the account's second factor,
    counting and auditing a wrong one. Whether it was a recovery code is returned.

    A client address past the learner portal's hourly limit of refused attempts is refused
    first (`RateLimited`)."""
    check_ip_limit(ip)
    cleaned = _clean(code)
    with transaction.atomic():
        device = (
            LearnerSecondFactor.objects.select_for_update()
            .filter(account=account, confirmed=True)
            .first()
        )
        if device is None:
            raise ValidationFailed(_("Your second factor is not turned on."))
        _refuse_while_waiting(device)
        recovery = not cleaned.isdigit()
        if (recovery and _recovery_code_ok(account, cleaned)) or (
            not recovery and _app_code_ok(device, cleaned)
        ):
            _succeeded(device)
            _audit(
                AuditAction.LEARNER_SECOND_FACTOR_VERIFIED,
                account,
                ip=ip,
                step=step,
                recovery_code=recovery,
            )
            return recovery
        _failed(device)
        _audit(AuditAction.LEARNER_SECOND_FACTOR_FAILED, account, ip=ip, step=step)
    raise _wrong(_("The code is not right. Enter the code your app shows now, or a recovery code."))


def verify_sign_in_code(*, account: LearnerAccount, code: str, ip: str = "") -> bool:
    """Accept the code asked for after the password, or refuse it (audited, counted).

    Returns whether a recovery code was used (it is then used up).
    """
    return _check_code(account, code, step="sign_in", ip=ip)


def turn_off(*, account: LearnerAccount, code: str, ip: str = "") -> None:
    """Turn the second factor off with a fresh code (app or recovery); removes the key and the
    recovery codes."""
    _check_code(account, code, step="turn_off", ip=ip)
    with transaction.atomic():
        LearnerSecondFactor.objects.filter(account=account).delete()
        LearnerRecoveryCode.objects.filter(account=account).delete()
        _audit(AuditAction.LEARNER_SECOND_FACTOR_OFF, account, ip=ip)


def new_recovery_codes(*, account: LearnerAccount, code: str, ip: str = "") -> list[str]:
    """Replace the recovery codes (the old ones stop working), with a fresh app code."""
    _check_code(account, code, step="recovery_codes", ip=ip)
    with transaction.atomic():
        codes = _new_recovery_codes(account)
        _audit(AuditAction.LEARNER_RECOVERY_CODES_REPLACED, account, ip=ip)
    return codes
