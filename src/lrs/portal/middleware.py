"""Portal middleware: security headers, and the steps every sign-in goes through."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware as DjangoCsrfViewMiddleware
from django.shortcuts import redirect
from django.urls import resolve
from django.urls.exceptions import Resolver404
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

from lrs.organisations.second_factor import has_second_factor, second_factor_required
from lrs.organisations.signin import needs_secret_question, password_change_reason
from lrs.portal.access import second_factor_verified

AGREEMENT_SESSION_KEY = "lrs_agreement_accepted"
API_CALLS = "/api/v1/"
API_DOCS = "/api/v1/docs"

# Pages a signed-in user may open before finishing the sign-in steps.
_STEP_EXEMPT = frozenset(
    {
        "sign-out",
        "change-password",
        "agreement",
        "secret-question",
        "terms",
        "language",
        "accessibility",
    }
)
# Pages a signed-in user may open before giving their second factor's code.
_CODE_EXEMPT = frozenset({"sign-out", "second-factor", "terms", "language", "accessibility"})


class SecurityHeadersMiddleware:
    """A strict Content Security Policy with a per-request nonce, and other browser hardening."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if request.path.startswith("/api/v1/docs"):
            return response  # the API's docs page has its own policy (lrs.api.middleware)
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Pages with learner data must not stay in shared browsers' caches.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class SignInStepsMiddleware:
    """Hold a signed-in user on the sign-in steps until each is done (user guide 2.3).

    First the second factor's code (when the user has one), then a new password (one-time or
    expired), then setting up a second factor (super users and service-desk operators who have
    none), then the user agreement (at every sign-in), then the secret question (once).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The path first: an API call (a bearer token) has no sign-in steps, and need not load
        # a session's user to learn that.
        if not _is_portal_page(request):
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        name = _url_name(request)
        verified = second_factor_verified(request)
        if not verified and name not in _CODE_EXEMPT and has_second_factor(user):
            return redirect("portal:second-factor")
        if name in _STEP_EXEMPT or name in ("second-factor", "second-factor-setup"):
            return self.get_response(request)
        if password_change_reason(user) is not None:
            return redirect("portal:change-password")
        if not verified and second_factor_required(user):
            return redirect("portal:second-factor-setup")
        if not request.session.get(AGREEMENT_SESSION_KEY):
            return redirect("portal:agreement")
        if needs_secret_question(user):
            return redirect("portal:secret-question")
        return self.get_response(request)


class MessageMiddleware(DjangoMessageMiddleware):
    """Django's messages ("Your password has been changed") for every page but the API's.

    No API endpoint adds or shows one, and setting up their storage (a cookie's and a
    session's) cost CPU on every API request (issue 16). Django's `process_response` already
    passes over a request without storage.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            return
        super().process_request(request)


class _PortalOnly:
    """A middleware of the portal's sessions and sign-in, passed over by web-service calls.

    A call under /api/v1/ (but its docs page) authenticates with a bearer token on every
    request (`lrs.api.auth`): it has no session, no signed-in user and, with no cookie to
    ride on, nothing for a CSRF check to guard (django-ninja's views are exempt from it
    anyway). Setting those up on every API request cost CPU for nothing (issue 16). Every
    other request goes through the wrapped middleware, its `process_view` (the CSRF check)
    included.
    """

    wrapped: Callable[..., Any]

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.inner = self.wrapped(get_response)
        if hasattr(self.inner, "process_view"):
            # Django collects the hooks it finds on the instance when it loads the middleware.
            self.process_view = self._process_view

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_api_call(request):
            return self.get_response(request)
        response: HttpResponse = self.inner(request)
        return response

    def _process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        if _is_api_call(request):
            return None
        answer: HttpResponse | None = self.inner.process_view(request, view, args, kwargs)
        return answer


class SessionMiddleware(_PortalOnly):
    wrapped = DjangoSessionMiddleware


class CsrfViewMiddleware(_PortalOnly):
    wrapped = DjangoCsrfViewMiddleware


class AuthenticationMiddleware(_PortalOnly):
    wrapped = DjangoAuthenticationMiddleware


class OTPMiddleware(_PortalOnly):
    wrapped = DjangoOTPMiddleware


def _is_api_call(request: HttpRequest) -> bool:
    """A web-service call: under /api/v1/, but not its docs page (a page for people)."""
    path = request.path
    return path.startswith(API_CALLS) and not path.startswith(API_DOCS)


def _is_portal_page(request: HttpRequest) -> bool:
    return not (request.path.startswith("/api/") or request.path.startswith(settings.STATIC_URL))


def _url_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).url_name or ""
    except Resolver404:
        return ""
