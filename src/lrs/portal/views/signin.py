"""Sign-in, its steps (new password, user agreement, secret question), forgotten password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import ValidationFailed
from lrs.core.throttle import TooManyRequests, account_key, client_address, count_request
from lrs.organisations.models import SecretQuestion
from lrs.organisations.signin import (
    MAX_FAILED_SIGN_INS,
    ForgottenPasswordRefused,
    PasswordChangeReason,
    SignInOutcome,
    accept_user_agreement,
    change_password,
    forgotten_password_question,
    password_change_reason,
    reset_forgotten_password,
    set_secret_question,
    sign_in,
)
from lrs.portal.access import AuthenticatedHttpRequest, add_domain_errors, portal_actor
from lrs.portal.forms.signin import (
    ChangePasswordForm,
    ForgottenAnswerForm,
    ForgottenUsernameForm,
    SecretQuestionForm,
    SignInForm,
)
from lrs.portal.middleware import AGREEMENT_SESSION_KEY
from lrs.portal.throttling import too_many_requests_page

# Set at sign-in for the browser session; if it comes back without a session, the session
# ended through inactivity and the sign-in page says so (user guide 2.3).
SEEN_COOKIE = "lrs_signed_in_before"
FORGOTTEN_SESSION_KEY = "lrs_forgotten_username"


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


@never_cache
@csrf_protect
def sign_in_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    timed_out = request.method == "GET" and SEEN_COOKIE in request.COOKIES
    form = SignInForm(request.POST or None)
    if request.method == "POST":
        try:
            count_request(request, limit_name="sign_in_ip", key=client_address(request))
            if form.is_valid():
                count_request(
                    request,
                    limit_name="sign_in_account",
                    key=account_key(form.cleaned_data["username"]),
                )
        except TooManyRequests as refusal:
            return too_many_requests_page(request, refusal, signing_in=True)
    if request.method == "POST" and form.is_valid():
        result = sign_in(
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            address=client_address(request),
        )
        if result.outcome is SignInOutcome.SIGNED_IN and result.user is not None:
            login(request, result.user, backend="django.contrib.auth.backends.ModelBackend")
            response: HttpResponse = redirect(_next_url(request))
            response.set_cookie(
                SEEN_COOKIE,
                "1",
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
            return response
        form.add_error(None, _sign_in_refusal(result.outcome))
    response = render(
        request,
        "portal/signin/sign_in.html",
        {"form": form, "timed_out": timed_out, "next": _next_url(request)},
    )
    if timed_out:
        response.delete_cookie(SEEN_COOKIE)
    return response


def _sign_in_refusal(outcome: SignInOutcome) -> str:
    if outcome is SignInOutcome.JUST_SUSPENDED:
        return _(
            "Your account has been suspended because a wrong password was entered "
            "%(n)d times. Ask a super user in your organisation to reactivate it."
        ) % {"n": MAX_FAILED_SIGN_INS}
    if outcome is SignInOutcome.SUSPENDED:
        return _(
            "Your account is suspended. Ask a super user in your organisation to reactivate it."
        )
    if outcome is SignInOutcome.ORGANISATION_INACTIVE:
        return _(
            "Your organisation's access to the service is suspended. Contact the service desk."
        )
    return _(
        "The username or password is not right. After %(n)d wrong passwords your account "
        "will be suspended."
    ) % {"n": MAX_FAILED_SIGN_INS}


@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.organisation_id:
        record_audit(actor=portal_actor(request), action=AuditAction.USER_SIGNED_OUT)
    logout(request)
    messages.info(request, _("You have signed out."))
    response = redirect("portal:sign-in")
    response.delete_cookie(SEEN_COOKIE)
    return response


@never_cache
@login_required
def change_password_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    reason = password_change_reason(request.user)
    form = ChangePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change_password(
                user=request.user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect(_next_url(request))
    return render(
        request,
        "portal/signin/change_password.html",
        {
            "form": form,
            "one_time": reason is PasswordChangeReason.ONE_TIME,
            "expired": reason is PasswordChangeReason.EXPIRED,
        },
    )


@never_cache
@login_required
def agreement_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("decision") == "accept":
            accept_user_agreement(user=request.user)
            request.session[AGREEMENT_SESSION_KEY] = True
            return redirect(_next_url(request))
        logout(request)
        messages.info(
            request, _("You must accept the user agreement to use the Learning Records Service.")
        )
        response = redirect("portal:sign-in")
        response.delete_cookie(SEEN_COOKIE)
        return response
    return render(request, "portal/signin/agreement.html", {"next": _next_url(request)})


@never_cache
@login_required
def secret_question_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SecretQuestionForm(request.POST or None)
    first_time = not request.user.secret_answer_hash
    if request.method == "POST" and form.is_valid():
        try:
            set_secret_question(
                user=request.user,
                question=form.cleaned_data["question"],
                answer=form.cleaned_data["answer"],
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, _("Your secret question and answer have been saved."))
            return redirect("portal:home" if first_time else "portal:account")
    return render(
        request, "portal/signin/secret_question.html", {"form": form, "first_time": first_time}
    )


@never_cache
def forgotten_password_view(request: HttpRequest) -> HttpResponse:
    form = ForgottenUsernameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        request.session[FORGOTTEN_SESSION_KEY] = form.cleaned_data["username"]
        return redirect("portal:forgotten-password-answer")
    return render(request, "portal/signin/forgotten_password.html", {"form": form})


@never_cache
def forgotten_password_answer_view(request: HttpRequest) -> HttpResponse:
    username = request.session.get(FORGOTTEN_SESSION_KEY)
    if not username:
        return redirect("portal:forgotten-password")
    question = SecretQuestion(forgotten_password_question(username)).label
    form = ForgottenAnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            count_request(request, limit_name="forgotten_password_ip", key=client_address(request))
            count_request(
                request, limit_name="forgotten_password_account", key=account_key(username)
            )
        except TooManyRequests as refusal:
            return too_many_requests_page(request, refusal, signing_in=True)
        try:
            reset_forgotten_password(
                username=username,
                answer=form.cleaned_data["answer"],
                new_password=form.cleaned_data["new_password"],
            )
        except ForgottenPasswordRefused as exc:
            add_domain_errors(form, exc)
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            del request.session[FORGOTTEN_SESSION_KEY]
            messages.success(
                request, _("Your password has been changed. Sign in with your new password.")
            )
            return redirect("portal:sign-in")
    return render(
        request,
        "portal/signin/forgotten_password_answer.html",
        {"form": form, "question": question, "username": username},
    )
