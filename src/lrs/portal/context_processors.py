"""What every portal page needs: the navigation the user may use and the language links."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lrs.core.roles import Permission, Role
from lrs.portal.access import portal_actor
from lrs.portal.learner_session import ACCOUNT_KEY


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str
    active: bool


_NAVIGATION: list[tuple[Any, str, Permission | None]] = [
    (_("Home"), "portal:home", None),
    (_("Find a learner"), "portal:learner-find", Permission.FIND_LEARNER),
    (_("Register a learner"), "portal:learner-register", Permission.REGISTER_LEARNER),
    (_("Batch files"), "portal:batch-list", Permission.SUBMIT_BATCH),
    (_("Qualifications"), "portal:qualification-search", None),
    (_("Achievement files"), "portal:achievement-files", Permission.SUBMIT_ACHIEVEMENTS),
    (_("Credit check"), "portal:credit-check", Permission.CREDIT_CHECK),
    (_("Verify a learner"), "portal:verify-learner", Permission.VERIFY_LEARNER),
    (_("User management"), "portal:user-find", Permission.MANAGE_USERS),
    (_("Organisations"), "portal:organisation-list", Permission.MANAGE_ORGANISATIONS),
    (_("Security events"), "portal:security-events", Permission.MANAGE_ORGANISATIONS),
    (_("My account"), "portal:account", None),
]


def _signed_in(request: HttpRequest) -> bool:
    """A signed-in user's page; not an API call, which has no session user at all (the portal's
    middleware passes over it): its HTML error page, which the API turns into JSON anyway."""
    user = getattr(request, "user", None)
    return user is not None and bool(user.is_authenticated)


def _navigation(request: HttpRequest) -> list[NavItem]:
    if not _signed_in(request):
        return []
    actor = portal_actor(request)
    items = []
    for text, name, permission in _NAVIGATION:
        if permission is not None and not actor.can(permission):
            continue
        href = reverse(name)
        active = (
            request.path == href
            if href == reverse("portal:home")
            else request.path.startswith(href)
        )
        items.append(NavItem(text=str(text), href=href, active=active))
    return items


_LEARNER_NAVIGATION: list[tuple[Any, str]] = [
    (_("My learning record"), "portal:learner-record"),
    (_("Who has looked at my record"), "portal:learner-access-log"),
    (_("My share links"), "portal:learner-share-links"),
    (_("My reports"), "portal:learner-reports"),
    (_("Privacy notice"), "portal:learner-privacy"),
    (_("Sign-in security"), "portal:learner-security"),
]


def _learner_navigation(request: HttpRequest) -> list[NavItem]:
    """The learner portal's menu, for a learner signed in there (`lrs.portal.learner_session`)."""
    if ACCOUNT_KEY not in request.session:
        return []
    items = []
    for text, name in _LEARNER_NAVIGATION:
        href = reverse(name)
        items.append(NavItem(text=str(text), href=href, active=request.path.startswith(href)))
    return items


def _role_labels(request: HttpRequest) -> list[str]:
    user = getattr(request, "user", None)  # none on an API call (see `_signed_in`)
    if user is None or not user.is_authenticated:
        return []
    held = user.effective_roles
    return [str(role.label) for role in Role if role.value in held]


def portal(request: HttpRequest) -> dict[str, Any]:
    here = request.get_full_path()
    learner_navigation = _learner_navigation(request) if hasattr(request, "session") else []
    return {
        "role_labels": _role_labels(request),
        "navigation": _navigation(request),
        "learner_navigation": learner_navigation,
        "learner_signed_in": bool(learner_navigation),
        "language_links": [
            {
                "code": code,
                "name": name,
                "href": reverse("portal:language", args=[code]) + "?" + urlencode({"next": here}),
            }
            for code, name in settings.LANGUAGES
        ],
        "csp_nonce": getattr(request, "csp_nonce", ""),
        "session_minutes": settings.SESSION_INACTIVITY_MINUTES,
    }
