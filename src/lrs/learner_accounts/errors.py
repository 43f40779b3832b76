"""Refusals of the learner portal's services, each with a stable code and a message."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from lrs.core.errors import DomainError, NotFound, ValidationFailed


class RateLimited(DomainError):
    code = "rate_limited"
    default_message = _("There have been too many attempts. Wait an hour, then try again.")


class CodeRefused(ValidationFailed):
    code = "code_refused"
    default_message = _("The code is not right, or it has expired. Check it, or ask for a new one.")


class IdentityNotConfirmed(ValidationFailed):
    """The same answer for an unknown ULN and for details that are not the ULN's learner's."""

    code = "identity_not_confirmed"
    default_message = _(
        "These details do not agree with a learner record. Check your ULN, names and date of "
        "birth: they must be as your school, college or training provider recorded them."
    )


class AccountExists(DomainError):
    code = "account_exists"
    default_message = _(
        "There is already an account for this learner record. Sign in, or use 'Forgotten "
        "password' to choose a new password."
    )


class SignInRefused(DomainError):
    code = "sign_in_refused"
    default_message = _("The email address or password is not right.")


class AccountLocked(DomainError):
    code = "account_locked"
    default_message = _(
        "Your account is locked after too many wrong passwords. Use 'Forgotten password' to "
        "choose a new password: that unlocks it."
    )


class ShareLinkRefused(NotFound):
    code = "share_link_refused"
    default_message = _("This share link cannot be opened.")
