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
    (_("My account"), "portal:account", None),
]


def _navigation(request: HttpRequest) -> list[NavItem]:
    if not request.user.is_authenticated:
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


def _role_labels(request: HttpRequest) -> list[str]:
    if not request.user.is_authenticated:
        return []
    held = request.user.effective_roles
    return [str(role.label) for role in Role if role.value in held]


def portal(request: HttpRequest) -> dict[str, Any]:
    here = request.get_full_path()
    return {
        "role_labels": _role_labels(request),
        "navigation": _navigation(request),
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
