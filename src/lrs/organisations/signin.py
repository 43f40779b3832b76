"""Sign-in rules (DESIGN 3.4, user guide 2.3): passwords, lockout, expiry, secret question.

The portal's views call these; none of them knows about requests or sessions.
"""

from __future__ import annotations

import datetime
import enum
import functools
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction, record_audit, record_outside_audit
from lrs.core.errors import ValidationFailed
from lrs.organisations.models import SecretQuestion, SuspensionReason, User

MAX_FAILED_SIGN_INS = 10
PASSWORD_MAX_AGE = datetime.timedelta(days=44)
MIN_SECRET_ANSWER_LENGTH = 3
# Wrong answers on "forgotten password" that pause the route for that account, and for how long.
MAX_WRONG_SECRET_ANSWERS = 5
RESET_PAUSE = datetime.timedelta(hours=1)


class SignInOutcome(enum.Enum):
    SIGNED_IN = "signed_in"
    WRONG_CREDENTIALS = "wrong_credentials"
    SUSPENDED = "suspended"  # the password was right, but the account is suspended
    JUST_SUSPENDED = "just_suspended"  # this wrong password was the tenth
    ORGANISATION_INACTIVE = "organisation_inactive"


@dataclass(frozen=True)
class SignInResult:
    outcome: SignInOutcome
    user: User | None = None


class PasswordChangeReason(enum.Enum):
    ONE_TIME = "one_time"
    EXPIRED = "expired"


def _portal_actor(user: User) -> Actor:
    return Actor(user=user, channel=Channel.PORTAL)


def _audit(user: User, action: AuditAction, **details: object) -> None:
    if user.organisation_id is not None:
        record_audit(actor=_portal_actor(user), action=action, details=details)


@functools.cache
def _dummy_hash() -> str:
    """A fixed hash to check against when the username is unknown, so that an unknown username
    takes as long to refuse as a wrong password. Made on first use, not at import: the password
    hashers are settings."""
    return make_password("not a real password")


# The longest attempted username kept in a security event (a username's own maximum length).
ATTEMPTED_USERNAME_LENGTH = 150


def _record_unknown_username(username: str, address: str) -> None:
    """A security event for a sign-in with a username nobody has (issue 19 item 14).

    Nothing is created for the name but this audit row: the attempted username, trimmed and cut
    to a username's length, where a username would stand, and the client's address.
    """
    attempted = username.strip()[:ATTEMPTED_USERNAME_LENGTH]
    record_outside_audit(
        action=AuditAction.USER_SIGN_IN_UNKNOWN,
        channel=Channel.PORTAL,
        label=attempted,
        details={"address": address[:64]} if address else {},
    )


@transaction.atomic
def sign_in(*, username: str, password: str, address: str = "") -> SignInResult:
    """Check a username and password, counting wrong passwords; the tenth suspends the account.

    A username nobody has is refused the same way, and recorded as a security event with the
    client's `address`.
    """
    user = (
        User.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(username__iexact=username.strip())
        .first()
    )
    if user is None or not user.has_usable_password():
        check_password(password, _dummy_hash())
        if user is None:
            _record_unknown_username(username, address)
        return SignInResult(SignInOutcome.WRONG_CREDENTIALS)
    if not user.check_password(password):
        if not user.is_active:
            return SignInResult(SignInOutcome.WRONG_CREDENTIALS)
        user.failed_sign_ins += 1
        if user.failed_sign_ins >= MAX_FAILED_SIGN_INS:
            user.is_active = False
            user.suspension_reason = SuspensionReason.WRONG_PASSWORDS
            user.save(update_fields=["failed_sign_ins", "is_active", "suspension_reason"])
            _audit(user, AuditAction.USER_LOCKED_OUT, failed_sign_ins=user.failed_sign_ins)
            return SignInResult(SignInOutcome.JUST_SUSPENDED)
        user.save(update_fields=["failed_sign_ins"])
        _audit(user, AuditAction.USER_SIGN_IN_FAILED, failed_sign_ins=user.failed_sign_ins)
        return SignInResult(SignInOutcome.WRONG_CREDENTIALS)
    if not user.is_active:
        return SignInResult(SignInOutcome.SUSPENDED, user)
    if user.organisation is None or not user.organisation.is_active:
        return SignInResult(SignInOutcome.ORGANISATION_INACTIVE, user)
    user.failed_sign_ins = 0
    user.last_login = timezone.now()
    user.save(update_fields=["failed_sign_ins", "last_login"])
    _audit(user, AuditAction.USER_SIGNED_IN)
    return SignInResult(SignInOutcome.SIGNED_IN, user)


def password_change_reason(user: User) -> PasswordChangeReason | None:
    """Why the user must choose a new password before going on, if they must."""
    if user.must_change_password:
        return PasswordChangeReason.ONE_TIME
    changed = user.password_changed_at
    if changed is None or timezone.now() - changed >= PASSWORD_MAX_AGE:
        return PasswordChangeReason.EXPIRED
    return None


def _validated_new_password(user: User, new_password: str, field: str) -> None:
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationFailed(field_errors={field: list(exc.messages)}) from exc
    if user.check_password(new_password):
        raise ValidationFailed(
            field_errors={field: [_("Your new password must be different from your old one.")]}
        )


def _set_password(user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.failed_sign_ins = 0


@transaction.atomic
def change_password(*, user: User, current_password: str, new_password: str) -> None:
    """Replace the user's password (one-time, expired or by choice) after checking the old one."""
    if not user.check_password(current_password):
        raise ValidationFailed(
            field_errors={"current_password": [_("Your current password is not right.")]}
        )
    _validated_new_password(user, new_password, "new_password")
    _set_password(user, new_password)
    user.save()
    _audit(user, AuditAction.USER_PASSWORD_CHANGED)


def normalise_secret_answer(answer: str) -> str:
    """Answers are compared without regard to case or spacing (user guide 3.5.6.2)."""
    return " ".join(answer.casefold().split())


@transaction.atomic
def set_secret_question(*, user: User, question: str, answer: str) -> None:
    """Store the user's secret question and a hash of the answer (never the answer itself)."""
    errors: dict[str, list[str]] = {}
    if question not in SecretQuestion.values:
        errors["question"] = [_("Choose a secret question.")]
    cleaned = normalise_secret_answer(answer)
    if len(cleaned) < MIN_SECRET_ANSWER_LENGTH:
        errors["answer"] = [
            _("Your answer must be at least %(n)d characters long.")
            % {"n": MIN_SECRET_ANSWER_LENGTH}
        ]
    if errors:
        raise ValidationFailed(field_errors=errors)
    user.secret_question = question
    user.secret_answer_hash = make_password(cleaned)
    user.save(update_fields=["secret_question", "secret_answer_hash"])
    _audit(user, AuditAction.USER_SECRET_QUESTION_SET)


def secret_answer_matches(user: User, answer: str) -> bool:
    if not user.secret_answer_hash:
        return False
    return check_password(normalise_secret_answer(answer), user.secret_answer_hash)


def needs_secret_question(user: User) -> bool:
    return not (user.secret_question and user.secret_answer_hash)


def accept_user_agreement(*, user: User) -> None:
    """Users accept the user agreement at every sign-in; each acceptance is audited."""
    _audit(user, AuditAction.USER_AGREEMENT_ACCEPTED)


def _decoy_question(username: str) -> str:
    """A stable question for an unknown username, so the form doesn't reveal who has an account."""
    digest = hmac.new(settings.SECRET_KEY.encode(), username.casefold().encode(), "sha256")
    choices = SecretQuestion.values
    return choices[int.from_bytes(digest.digest()[:4], "big") % len(choices)]


def forgotten_password_question(username: str) -> str:
    """The secret question to ask for this username (a decoy one if there is no such user)."""
    user = User.objects.filter(username__iexact=username.strip()).first()
    if user is None or needs_secret_question(user):
        return _decoy_question(username.strip())
    return user.secret_question


class ForgottenPasswordRefused(ValidationFailed):
    pass


class PasswordResetPaused(ForgottenPasswordRefused):
    """Too many wrong answers for this account: its reset route is paused until `until`."""

    def __init__(self, until: datetime.datetime) -> None:
        self.until = until
        super().__init__(
            _(
                "Too many wrong answers have been given for this username, so resetting its "
                "password this way is paused until %(time)s. Try again then, or ask a super user "
                "in your organisation to reset your password."
            )
            % {"time": timezone.localtime(until).strftime("%H:%M")}
        )


def reset_forgotten_password(*, username: str, answer: str, new_password: str) -> User:
    """Let a user choose a new password after answering their secret question.

    A wrong answer never suspends the account (anyone could lock others out, DESIGN 3.4): after
    `MAX_WRONG_SECRET_ANSWERS` of them this route is paused for that account for
    `RESET_PAUSE`, and the user can still sign in with their password. A suspended account
    stays suspended: only a super user reactivates it.
    """
    wrong = ForgottenPasswordRefused(
        field_errors={"answer": [_("The username or the answer to the secret question is wrong.")]}
    )
    paused: PasswordResetPaused | None = None
    with transaction.atomic():
        user = (
            User.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .filter(username__iexact=username.strip())
            .first()
        )
        if user is None or needs_secret_question(user):
            check_password(answer, _dummy_hash())
            raise wrong
        now = timezone.now()
        if user.reset_paused_until is not None and user.reset_paused_until > now:
            raise PasswordResetPaused(user.reset_paused_until)
        if not secret_answer_matches(user, answer):
            if user.reset_paused_until is not None:
                user.wrong_secret_answers = 0  # a pause has ended: a new count
                user.reset_paused_until = None
            user.wrong_secret_answers += 1
            _audit(
                user,
                AuditAction.USER_SECRET_ANSWER_WRONG,
                wrong_secret_answers=user.wrong_secret_answers,
            )
            if user.wrong_secret_answers >= MAX_WRONG_SECRET_ANSWERS:
                user.reset_paused_until = now + RESET_PAUSE
                paused = PasswordResetPaused(user.reset_paused_until)
                _audit(
                    user,
                    AuditAction.USER_PASSWORD_RESET_PAUSED,
                    wrong_secret_answers=user.wrong_secret_answers,
                    until=user.reset_paused_until.isoformat(),
                )
            user.save(update_fields=["wrong_secret_answers", "reset_paused_until"])
        else:
            if not user.is_active:
                raise ForgottenPasswordRefused(
                    _(
                        "Your account is suspended. Ask a super user in your organisation to "
                        "reactivate it and reset your password."
                    )
                )
            _validated_new_password(user, new_password, "new_password")
            _set_password(user, new_password)
            user.wrong_secret_answers = 0
            user.reset_paused_until = None
            user.save()
            _audit(user, AuditAction.USER_PASSWORD_RESET_BY_SECRET)
            return user
    # Raised only once the transaction has committed: raising inside it would roll back the
    # count of wrong answers, and with it the pause.
    raise paused or wrong
