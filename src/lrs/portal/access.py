"""Who may open a portal page: every view names the permission it needs, checked server-side."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse

from lrs.core.actor import Actor, Channel
from lrs.core.errors import DomainError, ValidationFailed
from lrs.core.roles import Permission
from lrs.core.security import record_permission_refused
from lrs.organisations.models import User

View = Callable[..., HttpResponse]


class AuthenticatedHttpRequest(HttpRequest):
    """The type of a request behind `login_required`, whose user is signed in."""

    user: User


def portal_actor(request: HttpRequest) -> Actor:
    return Actor(user=request.user, channel=Channel.PORTAL)  # type: ignore[arg-type]


def second_factor_verified(request: HttpRequest) -> bool:
    """Whether the session's user gave a second factor's code (django-otp's middleware)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def requires(*permissions: Permission) -> Callable[[View], View]:
    """Sign-in plus every named permission; otherwise the 403 page (not just a hidden link)."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = portal_actor(request)
            missing = [p.value for p in permissions if not actor.can(p)]
            if missing:
                record_permission_refused(
                    actor=actor, what=f"{request.method} {request.path} needs {', '.join(missing)}"
                )
                raise DjangoPermissionDenied
            return view(request, actor, *args, **kwargs)

        return wrapper

    return decorate


def add_domain_errors(
    form: forms.Form, error: DomainError, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: each field's messages on that field.

    The refusal's own summary sentence is added at the top only when some message could not be
    placed on a field of this form, or when there are no field messages at all.
    """
    field_map = field_map or {}
    unplaced = False
    for name, messages in error.field_errors.items():
        field = field_map.get(name, name)
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, message)
                unplaced = True
    if not error.field_errors or (unplaced and not isinstance(error, ValidationFailed)):
        form.add_error(None, error.message)
