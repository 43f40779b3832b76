"""Second factor pages: the code at sign-in, setting up an app, recovery codes, and a super
user resetting a user's second factor. The rules are in `lrs.organisations.second_factor`."""

from __future__ import annotations

import django_otp
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lrs.core.actor import Actor
from lrs.core.errors import DomainError, ValidationFailed
from lrs.core.roles import Permission
from lrs.core.throttle import TooManyRequests, account_key, count_request
from lrs.organisations.second_factor import (
    confirm_enrolment,
    has_second_factor,
    new_recovery_codes,
    recovery_codes_left,
    reset_second_factor,
    second_factor_required,
    start_enrolment,
    verify_second_factor,
)
from lrs.portal.access import (
    AuthenticatedHttpRequest,
    add_domain_errors,
    requires,
    second_factor_verified,
)
from lrs.portal.forms.second_factor import CodeForm, SetupCodeForm
from lrs.portal.throttling import too_many_requests_page
from lrs.portal.views.signin import _next_url
from lrs.portal.views.users import _confirm_page, _managed_user, _name


def _codes_page(request: HttpRequest, codes: list[str], *, enrolled: bool) -> HttpResponse:
    """The recovery codes, shown this once: never stored in the clear elsewhere, never cached."""
    response = render(
        request, "portal/signin/recovery_codes.html", {"codes": codes, "enrolled": enrolled}
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
def second_factor_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enter the app's code (or a recovery code) after the password."""
    if second_factor_verified(request) or not has_second_factor(request.user):
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count_request(
                request, limit_name="sign_in_account", key=account_key(request.user.username)
            )
        except TooManyRequests as refusal:
            return too_many_requests_page(request, refusal, signing_in=True)
        device = verify_second_factor(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            if recovery_codes_left(request.user) < 3:
                messages.warning(
                    request,
                    _("You have few recovery codes left. Make new ones from My account."),
                )
            return redirect(_next_url(request))
        form.add_error(
            "code",
            _("The code is not right. Enter the code your app shows now, or a recovery code."),
        )
    return render(
        request, "portal/signin/second_factor.html", {"form": form, "next": _next_url(request)}
    )


@never_cache
@login_required
def second_factor_setup_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code, confirm one code, get recovery codes."""
    user = request.user
    form = SetupCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = confirm_enrolment(user=user, code=form.cleaned_data["code"])
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            django_otp.login(request, _confirmed_device(user))
            return _codes_page(request, codes, enrolled=True)
    enrolment = start_enrolment(user=user)
    return render(
        request,
        "portal/signin/second_factor_setup.html",
        {
            "form": form,
            "enrolment": enrolment,
            "required": second_factor_required(user),
            "replacing": has_second_factor(user),
        },
    )


def _confirmed_device(user: object) -> object:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.get(user=user, confirmed=True)


@never_cache
@login_required
@require_POST
def recovery_codes_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        codes = new_recovery_codes(user=request.user)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("portal:account")
    return _codes_page(request, codes, enrolled=False)


@requires(Permission.MANAGE_USERS)
def user_reset_second_factor_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    """Another super user removes a user's second factor (after checking who is asking)."""
    user = _managed_user(actor, user_id)
    if request.method == "POST":
        try:
            reset_second_factor(actor=actor, user=user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _(
                    "%(name)s's second factor has been reset. They set up a new one when they "
                    "next sign in."
                )
                % {"name": _name(user)},
            )
        return redirect("portal:user-detail", user_id=user.pk)
    return _confirm_page(request, user, "portal/users/reset_second_factor.html")


urlpatterns: list[URLPattern] = [
    path("sign-in/code/", second_factor_view, name="second-factor"),
    path("account/second-factor/", second_factor_setup_view, name="second-factor-setup"),
    path("account/recovery-codes/", recovery_codes_view, name="recovery-codes"),
    path(
        "users/<int:user_id>/reset-second-factor/",
        user_reset_second_factor_view,
        name="user-reset-second-factor",
    ),
]
