"""The learner portal's optional second factor (issue 12 item 1): the code after the password,
turning it on (QR code, one code, recovery codes) and off (a fresh code), new recovery codes.
The rules are in `lrs.learner_accounts.second_factor`; these pages show their answers."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lrs.core.errors import DomainError, TooManyRequests
from lrs.core.throttle import client_address, count_request
from lrs.learner_accounts.models import LearnerAccount
from lrs.learner_accounts.second_factor import (
    confirm_enrolment,
    has_second_factor,
    new_recovery_codes,
    recovery_codes_left,
    start_enrolment,
    turn_off,
    verify_sign_in_code,
)
from lrs.portal.access import add_domain_errors
from lrs.portal.forms.second_factor import CodeForm, SetupCodeForm
from lrs.portal.learner_session import (
    client_ip,
    learner_required,
    pending_account,
    sign_learner_in,
)
from lrs.portal.throttling import too_many_requests_page

FEW_RECOVERY_CODES = 3


def _codes_page(request: HttpRequest, codes: list[str], *, turned_on: bool) -> HttpResponse:
    """The recovery codes, shown this once (only their hashes are kept), never cached."""
    response = render(
        request,
        "portal/learner/recovery_codes.html",
        {"codes": codes, "turned_on": turned_on},
    )
    response["Cache-Control"] = "no-store"
    return response


def _count(request: HttpRequest, account: LearnerAccount) -> None:
    """Rate limits on codes, per client address and per account (TooManyRequests past one)."""
    count_request(request, limit_name="learner_code_ip", key=client_address(request))
    count_request(request, limit_name="learner_code_account", key=f"learner:{account.pk}")


@never_cache
def sign_in_code_view(request: HttpRequest) -> HttpResponse:
    """After a right password: the app's code or a recovery code, then the learner is in."""
    account = pending_account(request)
    if account is None:
        return redirect("portal:learner-sign-in")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _count(request, account)
            recovery = verify_sign_in_code(
                account=account, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except TooManyRequests as refusal:
            return too_many_requests_page(request, refusal, signing_in=True)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            sign_learner_in(request, account)
            if recovery and recovery_codes_left(account) < FEW_RECOVERY_CODES:
                messages.warning(
                    request,
                    _("You have few recovery codes left. Make new ones on Sign-in security."),
                )
            return redirect("portal:learner-record")
    return render(request, "portal/learner/sign_in_code.html", {"form": form})


def _security_page(
    request: HttpRequest,
    account: LearnerAccount,
    *,
    off_form: CodeForm | None = None,
    codes_form: SetupCodeForm | None = None,
) -> HttpResponse:
    turned_on = has_second_factor(account)
    return render(
        request,
        "portal/learner/security.html",
        {
            "turned_on": turned_on,
            "codes_left": recovery_codes_left(account) if turned_on else 0,
            "off_form": off_form or CodeForm(auto_id="off_%s"),
            "codes_form": codes_form or SetupCodeForm(auto_id="codes_%s"),
        },
    )


@learner_required
def security_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    """Whether a code is asked for at sign-in, and the ways to change that."""
    return _security_page(request, account)


@learner_required
def turn_on_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    """Scan the QR code, confirm one code, and get recovery codes."""
    if has_second_factor(account):
        return redirect("portal:learner-security")
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _count(request, account)
            codes = confirm_enrolment(
                account=account, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except TooManyRequests as refusal:
            return too_many_requests_page(request, refusal)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            return _codes_page(request, codes, turned_on=True)
    enrolment = start_enrolment(account=account)
    return render(
        request, "portal/learner/second_factor_setup.html", {"form": form, "enrolment": enrolment}
    )


@require_POST
@learner_required
def turn_off_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    """Turn the second factor off, with a fresh code from the app or a recovery code."""
    form = CodeForm(request.POST, auto_id="off_%s")
    if form.is_valid():
        try:
            _count(request, account)
            turn_off(account=account, code=form.cleaned_data["code"], ip=client_ip(request))
        except TooManyRequests as refusal:
            return too_many_requests_page(request, refusal)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Your second factor is turned off."))
            return redirect("portal:learner-security")
    return _security_page(request, account, off_form=form)


@require_POST
@learner_required
def recovery_codes_view(request: HttpRequest, account: LearnerAccount) -> HttpResponse:
    """New recovery codes (the old ones stop working), with a fresh code from the app."""
    form = SetupCodeForm(request.POST, auto_id="codes_%s")
    if form.is_valid():
        try:
            _count(request, account)
            codes = new_recovery_codes(
                account=account, code=form.cleaned_data["code"], ip=client_ip(request)
            )
        except TooManyRequests as refusal:
            return too_many_requests_page(request, refusal)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            return _codes_page(request, codes, turned_on=False)
    return _security_page(request, account, codes_form=form)


urlpatterns: list[URLPattern] = [
    path("learner/sign-in/code/", sign_in_code_view, name="learner-sign-in-code"),
    path("learner/security/", security_view, name="learner-security"),
    path("learner/security/turn-on/", turn_on_view, name="learner-second-factor-on"),
    path("learner/security/turn-off/", turn_off_view, name="learner-second-factor-off"),
    path(
        "learner/security/recovery-codes/",
        recovery_codes_view,
        name="learner-recovery-codes",
    ),
]
