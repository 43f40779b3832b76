"""Learner accounts: creating one by proving who you are, signing in, forgotten passwords.

Creating an account (docs/adr/0010-learner-portal.md):
1. the email address is confirmed with a one-time code (`send_sign_up_code`,
   `confirm_sign_up_code`);
2. the learner proves who they are (`prove_identity`): ULN, given name, family name and date of
   birth must agree with the register as find-by-ULN accepts names (known variants, no more) and
   the date exactly. An unknown ULN and details that are not its learner's get the same answer;
3. a password under the organisation users' rules (`create_account`).
Every attempt is audited (channel `learner`) and limited per email address, per ULN typed and
per IP address, counted from those audit rows.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.core.actor import Channel
from lrs.core.audit import AuditAction, record_outside_audit
from lrs.core.errors import ValidationFailed
from lrs.core.limits import per_hour_setting, recent_attempts
from lrs.identifiers import IdentifierError, validate_uln
from lrs.learner_accounts.codes import (
    new_code,
    normalise_email,
    send_email_after_commit,
    use_code,
)
from lrs.learner_accounts.errors import (
    AccountExists,
    AccountLocked,
    CodeRefused,
    IdentityNotConfirmed,
    RateLimited,
    SignInRefused,
)
from lrs.learner_accounts.models import CodePurpose, LearnerAccount
from lrs.learners.models import Learner
from lrs.learners.name_agreement import names_agree

MAX_FAILED_SIGN_INS = 10  # as for organisation users (DESIGN 3.4)
_HOUR = datetime.timedelta(hours=1)
_LABEL = "learner"


def codes_per_hour() -> int:
    """Codes sent to one email address in an hour (`LRS_LEARNER_CODES_PER_HOUR`)."""
    return per_hour_setting("LRS_LEARNER_CODES_PER_HOUR", 5)


def identity_attempts_per_hour() -> int:
    """Refused identity proofs per email, and per ULN typed (`LRS_LEARNER_IDENTITY_PER_HOUR`)."""
    return per_hour_setting("LRS_LEARNER_IDENTITY_PER_HOUR", 5)


def attempts_per_ip_per_hour() -> int:
    """Emails sent and refused attempts from one IP address (`LRS_LEARNER_ATTEMPTS_PER_IP_HOUR`)."""
    return per_hour_setting("LRS_LEARNER_ATTEMPTS_PER_IP_HOUR", 30)


# What counts towards the limit per IP address: refusals, and emails sent.
_PER_IP = (
    AuditAction.LEARNER_EMAIL_CODE_SENT,
    AuditAction.LEARNER_SIGN_UP_REFUSED,
    AuditAction.LEARNER_EMAIL_CODE_REFUSED,
    AuditAction.LEARNER_SIGN_IN_FAILED,
    AuditAction.LEARNER_SECOND_FACTOR_FAILED,
)


def _audit(action: AuditAction, learner: Learner | None = None, **details: Any) -> None:
    record_outside_audit(
        action=action, channel=Channel.LEARNER, learner=learner, label=_LABEL, details=details
    )


def _limited(*, ip: str, **details: Any) -> None:
    """Record that a limit stopped an attempt, then refuse it."""
    _audit(AuditAction.LEARNER_SIGN_UP_LIMITED, ip=ip, **details)
    raise RateLimited()


def _check_ip(ip: str) -> None:
    if ip and recent_attempts(actions=_PER_IP, window=_HOUR, ip=ip) >= attempts_per_ip_per_hour():
        _limited(ip=ip)


def check_ip_limit(ip: str) -> None:
    """Refuse (RateLimited, audited) a client address past the hourly limit of attempts."""
    _check_ip(ip)


def _check_emails_sent(*, email: str, ip: str) -> None:
    sent = (AuditAction.LEARNER_EMAIL_CODE_SENT,)
    if recent_attempts(actions=sent, window=_HOUR, email=email) >= codes_per_hour():
        _limited(ip=ip, email=email)


def _clean_email(email: str) -> str:
    cleaned = normalise_email(email)
    try:
        validate_email(cleaned)
    except ValidationError as exc:
        raise ValidationFailed(
            field_errors={
                "email": [_("Enter an email address in the right format, like name@example.com")]
            }
        ) from exc
    return cleaned


@functools.cache
def _dummy_hash() -> str:
    return make_password("not a real password")


# --- Step 1: the email address ---------------------------------------------------------------


def send_sign_up_code(*, email: str, ip: str = "") -> str:
    """Send a code to confirm the address; returns the address as stored (lower case).

    The page says the same whatever happens: an address that already has an account is sent a
    note saying so instead of a code, so the page does not reveal who has an account.
    """
    email = _clean_email(email)
    _check_ip(ip)
    _check_emails_sent(email=email, ip=ip)
    with transaction.atomic():
        return _send_sign_up_code(email=email, ip=ip)


def _send_sign_up_code(*, email: str, ip: str) -> str:
    if LearnerAccount.objects.filter(email=email).exists():
        send_email_after_commit(
            to=email,
            subject=_("Your Learning Records Service account"),
            body=_(
                "Someone asked to create a learner account with this email address, but it "
                "already has one. Sign in, or use 'Forgotten password' on the sign-in page to "
                "choose a new password. If it was not you, you can ignore this email."
            ),
        )
        _audit(AuditAction.LEARNER_EMAIL_CODE_SENT, email=email, ip=ip, kind="account_exists")
        return email
    code = new_code(purpose=CodePurpose.SIGN_UP, email=email)
    send_email_after_commit(
        to=email,
        subject=_("Your code to create a learner account"),
        body=_(
            "Your code is %(code)s. Enter it on the Create an account page within 15 minutes. "
            "If you did not ask for it, you can ignore this email."
        )
        % {"code": code},
    )
    _audit(AuditAction.LEARNER_EMAIL_CODE_SENT, email=email, ip=ip, kind=CodePurpose.SIGN_UP)
    return email


def _use_code(*, purpose: str, email: str, code: str, ip: str) -> None:
    _check_ip(ip)
    if use_code(purpose=purpose, email=email, code=code):
        return
    _audit(AuditAction.LEARNER_EMAIL_CODE_REFUSED, email=email, ip=ip, kind=purpose)
    raise CodeRefused(field_errors={"code": [str(CodeRefused.default_message)]})


def confirm_sign_up_code(*, email: str, code: str, ip: str = "") -> None:
    """Accept the code sent to the address, or refuse it (wrong, expired or used up)."""
    _use_code(purpose=CodePurpose.SIGN_UP, email=normalise_email(email), code=code, ip=ip)


# --- Step 2: who the learner is --------------------------------------------------------------


@dataclass(frozen=True)
class IdentityClaim:
    uln: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date


def _learner_for(claim: IdentityClaim) -> Learner | None:
    """The register's learner when every detail agrees (a linked ULN gives its master)."""
    try:
        uln = validate_uln(claim.uln)
    except IdentifierError:
        return None
    learner = Learner.objects.select_related("master").filter(uln=uln).first()
    if learner is None:
        return None
    if not names_agree(learner, claim.given_name, claim.family_name):
        return None
    if learner.date_of_birth != claim.date_of_birth:
        return None
    # A merge never links a master to another (lrs.learners.selectors): one step is enough.
    return learner.master if learner.master is not None else learner


def prove_identity(*, email: str, claim: IdentityClaim, ip: str = "") -> Learner:
    """The learner whose record the claim proves, for the confirmed address; else refused.

    Refusals (audited) count towards the limits per address, per ULN typed and per IP address;
    past a limit the answer is "too many attempts", whether or not the details were right.
    """
    email = normalise_email(email)
    typed_uln = "".join(claim.uln.split())
    _check_ip(ip)
    limit = identity_attempts_per_hour()
    refused = (AuditAction.LEARNER_SIGN_UP_REFUSED,)
    if (
        recent_attempts(actions=refused, window=_HOUR, email=email) >= limit
        or recent_attempts(actions=refused, window=_HOUR, uln=typed_uln) >= limit
    ):
        _limited(ip=ip, email=email, uln=typed_uln)
    learner = _learner_for(claim)
    if learner is None:
        # Not tied to any learner row: an unknown ULN and a wrong detail leave the same trace.
        _audit(AuditAction.LEARNER_SIGN_UP_REFUSED, email=email, uln=typed_uln, ip=ip)
        raise IdentityNotConfirmed()
    if LearnerAccount.objects.filter(learner=learner).exists():
        _audit(
            AuditAction.LEARNER_SIGN_UP_REFUSED,
            learner=learner,
            email=email,
            uln=typed_uln,
            ip=ip,
            reason="account_exists",
        )
        raise AccountExists()
    return learner


# --- Step 3: the password ---------------------------------------------------------------------


def _validated_password(password: str, field: str = "password") -> str:
    """The organisation users' password rules (AUTH_PASSWORD_VALIDATORS, user guide 3.4)."""
    try:
        validate_password(password)
    except ValidationError as exc:
        raise ValidationFailed(field_errors={field: list(exc.messages)}) from exc
    return make_password(password)


@transaction.atomic
def create_account(*, email: str, learner: Learner, password: str, ip: str = "") -> LearnerAccount:
    """The learner's account, once the address is confirmed and the identity proved."""
    email = normalise_email(email)
    hashed = _validated_password(password)
    if (
        LearnerAccount.objects.filter(learner=learner).exists()
        or LearnerAccount.objects.filter(email=email).exists()
    ):
        raise AccountExists()
    account = LearnerAccount.objects.create(
        learner=learner, email=email, password=hashed, password_changed_at=timezone.now()
    )
    _audit(AuditAction.LEARNER_ACCOUNT_CREATED, learner=learner, ip=ip)
    return account


# --- Signing in and forgotten passwords -----------------------------------------------------


def sign_in(*, email: str, password: str, ip: str = "") -> LearnerAccount:
    """The account for this address and password; ten wrong passwords in a row lock it."""
    email = normalise_email(email)
    _check_ip(ip)
    with transaction.atomic():
        account = (
            LearnerAccount.objects.select_for_update()
            .select_related("learner")
            .filter(email=email)
            .first()
        )
        if account is None:
            check_password(password, _dummy_hash())
            _audit(AuditAction.LEARNER_SIGN_IN_FAILED, ip=ip)
        elif not check_password(password, account.password):
            if not account.locked:
                account.failed_sign_ins += 1
                account.locked = account.failed_sign_ins >= MAX_FAILED_SIGN_INS
                account.save(update_fields=["failed_sign_ins", "locked"])
                if account.locked:
                    _audit(AuditAction.LEARNER_ACCOUNT_LOCKED, learner=account.learner, ip=ip)
            _audit(AuditAction.LEARNER_SIGN_IN_FAILED, learner=account.learner, ip=ip)
        elif account.locked:
            raise AccountLocked()
        else:
            account.failed_sign_ins = 0
            account.last_sign_in_at = timezone.now()
            account.save(update_fields=["failed_sign_ins", "last_sign_in_at"])
            _audit(AuditAction.LEARNER_SIGNED_IN, learner=account.learner, ip=ip)
            return account
    # Raised once the count of wrong passwords has been committed.
    raise SignInRefused()


def send_password_reset_code(*, email: str, ip: str = "") -> str:
    """Send a code if the address has an account; the page says the same either way."""
    email = _clean_email(email)
    _check_ip(ip)
    _check_emails_sent(email=email, ip=ip)
    with transaction.atomic():
        return _send_password_reset_code(email=email, ip=ip)


def _send_password_reset_code(*, email: str, ip: str) -> str:
    account = LearnerAccount.objects.filter(email=email).select_related("learner").first()
    if account is None:
        _audit(AuditAction.LEARNER_EMAIL_CODE_SENT, email=email, ip=ip, kind="no_account")
        return email
    code = new_code(purpose=CodePurpose.PASSWORD_RESET, email=email)
    send_email_after_commit(
        to=email,
        subject=_("Your code to reset your password"),
        body=_(
            "Your code is %(code)s. Enter it on the Reset your password page within 15 "
            "minutes. If you did not ask for it, you can ignore this email: your password has "
            "not changed."
        )
        % {"code": code},
    )
    _audit(
        AuditAction.LEARNER_EMAIL_CODE_SENT,
        learner=account.learner,
        email=email,
        ip=ip,
        kind=CodePurpose.PASSWORD_RESET,
    )
    return email


def reset_password(*, email: str, code: str, new_password: str, ip: str = "") -> LearnerAccount:
    """A new password with the emailed code; it also unlocks a locked account."""
    email = normalise_email(email)
    hashed = _validated_password(new_password, "new_password")
    _use_code(purpose=CodePurpose.PASSWORD_RESET, email=email, code=code, ip=ip)
    with transaction.atomic():
        account = LearnerAccount.objects.select_for_update().filter(email=email).first()
        if account is None:  # deleted between the code and now
            raise CodeRefused(field_errors={"code": [str(CodeRefused.default_message)]})
        account.password = hashed
        account.password_changed_at = timezone.now()
        account.failed_sign_ins = 0
        account.locked = False
        account.save()
        _audit(AuditAction.LEARNER_PASSWORD_RESET, learner=account.learner, ip=ip)
    return account
