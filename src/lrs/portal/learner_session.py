"""The learner portal's own sign-in: a learner account in the session, apart from Django's
authentication of organisation users (`request.user` stays anonymous for a learner).

The session holds the account's id and a keyed hash of its password hash, so a password reset
ends every other session of that account (as Django does for users). A learner with a second
factor is only "waiting for a code" after the password (`PENDING_KEY`), and signed in once the
code is accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.crypto import constant_time_compare, salted_hmac
from django.views.decorators.cache import never_cache

from lrs.learner_accounts.models import LearnerAccount

ACCOUNT_KEY = "lrs_learner_account"
HASH_KEY = "lrs_learner_account_hash"
SIGN_UP_KEY = "lrs_learner_sign_up"
RESET_KEY = "lrs_learner_reset"
PENDING_KEY = "lrs_learner_pending"  # the password was right; the second factor's code is next

View = Callable[..., HttpResponse]


def _password_hash(account: LearnerAccount) -> str:
    return salted_hmac("lrs.learner_session", account.password, algorithm="sha256").hexdigest()


def client_ip(request: HttpRequest) -> str:
    """The address the request came from (behind a proxy, set REMOTE_ADDR from it there)."""
    return str(request.META.get("REMOTE_ADDR", ""))


def sign_learner_in(request: HttpRequest, account: LearnerAccount) -> None:
    request.session.cycle_key()
    request.session[ACCOUNT_KEY] = account.pk
    request.session[HASH_KEY] = _password_hash(account)
    request.session.pop(SIGN_UP_KEY, None)
    request.session.pop(RESET_KEY, None)
    request.session.pop(PENDING_KEY, None)


def await_second_factor(request: HttpRequest, account: LearnerAccount) -> None:
    """The password was right; the account is signed in only once its code is accepted."""
    for key in (ACCOUNT_KEY, HASH_KEY):
        request.session.pop(key, None)
    request.session.cycle_key()
    request.session[PENDING_KEY] = {"account": account.pk, "hash": _password_hash(account)}


def pending_account(request: HttpRequest) -> LearnerAccount | None:
    """The account whose password was right and whose second-factor code is awaited."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not isinstance(pending.get("account"), int):
        return None
    found = LearnerAccount.objects.select_related("learner").filter(pk=pending["account"]).first()
    if found is None or found.locked:
        return None
    if not constant_time_compare(str(pending.get("hash", "")), _password_hash(found)):
        return None
    return found


def sign_learner_out(request: HttpRequest) -> None:
    for key in (ACCOUNT_KEY, HASH_KEY, SIGN_UP_KEY, RESET_KEY, PENDING_KEY):
        request.session.pop(key, None)
    request.session.cycle_key()


def current_account(request: HttpRequest) -> LearnerAccount | None:
    account_id = request.session.get(ACCOUNT_KEY)
    if account_id is None:
        return None
    account = LearnerAccount.objects.select_related("learner").filter(pk=account_id).first()
    if account is None or account.locked:
        return None
    if not constant_time_compare(request.session.get(HASH_KEY, ""), _password_hash(account)):
        return None
    return account


def learner_required(view: View) -> View:
    """The signed-in learner's account, else the learner sign-in page; never cached."""

    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = current_account(request)
        if account is None:
            return redirect("portal:learner-sign-in")
        return view(request, account, *args, **kwargs)

    return wrapper
