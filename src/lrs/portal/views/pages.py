"""The home page, the user agreement, the accessibility statement and the language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from lrs.core.roles import Permission
from lrs.portal.access import portal_actor


def root_view(request: HttpRequest) -> HttpResponse:
    return redirect("portal:home" if request.user.is_authenticated else "portal:sign-in")


@login_required
def home_view(request: HttpRequest) -> HttpResponse:
    actor = portal_actor(request)
    return render(
        request,
        "portal/home.html",
        {
            "can_find": actor.can(Permission.FIND_LEARNER),
            "can_register": actor.can(Permission.REGISTER_LEARNER),
            "can_manage_users": actor.can(Permission.MANAGE_USERS),
            "can_manage_organisations": actor.can(Permission.MANAGE_ORGANISATIONS),
            "can_submit_batch": actor.can(Permission.SUBMIT_BATCH),
            "can_credit_check": actor.can(Permission.CREDIT_CHECK),
            "can_verify": actor.can(Permission.VERIFY_LEARNER),
            "can_submit_achievements": actor.can(Permission.SUBMIT_ACHIEVEMENTS),
            "can_resolve_challenges": actor.can(Permission.RESOLVE_CHALLENGE),
        },
    )


def terms_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/terms.html")


def accessibility_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html")


def language_view(request: HttpRequest, code: str) -> HttpResponse:
    """Switch language by link (the header's language navigation) and go back to the page."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response
