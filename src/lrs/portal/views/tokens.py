"""API tokens in the portal: a user's own (issue, rotate, revoke) and, for their super user,
a user's tokens (list, revoke). The rules are in `lrs.organisations.services.tokens`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from lrs.core.actor import Actor
from lrs.core.errors import NotFound, ValidationFailed
from lrs.core.roles import Permission
from lrs.organisations.models import ApiToken, User
from lrs.organisations.services import (
    DEFAULT_TOKEN_DAYS,
    IssuedToken,
    get_api_token,
    issue_api_token,
    list_api_tokens,
    revoke_api_token,
    rotate_api_token,
)
from lrs.portal.access import (
    AuthenticatedHttpRequest,
    add_domain_errors,
    portal_actor,
    requires,
)
from lrs.portal.forms.tokens import NewTokenForm
from lrs.portal.views.users import _managed_user


def _token(actor: Actor, user: User, token_id: int) -> ApiToken:
    try:
        return get_api_token(actor=actor, user=user, token_id=token_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _issued_page(request: HttpRequest, issued: IssuedToken, *, rotated: bool) -> HttpResponse:
    """The raw token, shown this once: never stored, never in a URL, never cached."""
    response = render(
        request, "portal/account/token_issued.html", {"issued": issued, "rotated": rotated}
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
def my_tokens_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    actor = portal_actor(request)
    form = NewTokenForm(request.POST or None, initial={"days": DEFAULT_TOKEN_DAYS})
    if request.method == "POST" and form.is_valid():
        try:
            issued = issue_api_token(
                actor=actor,
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            return _issued_page(request, issued, rotated=False)
    tokens = list_api_tokens(actor=actor, user=request.user)
    return render(request, "portal/account/tokens.html", {"form": form, "tokens": tokens})


@never_cache
@login_required
@require_POST
def my_token_rotate_view(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    actor = portal_actor(request)
    token = _token(actor, request.user, token_id)
    try:
        issued = rotate_api_token(actor=actor, token=token)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("portal:tokens")
    return _issued_page(request, issued, rotated=True)


@login_required
@require_POST
def my_token_revoke_view(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    actor = portal_actor(request)
    token = _token(actor, request.user, token_id)
    revoke_api_token(actor=actor, token=token)
    messages.success(
        request, _("The token %(prefix)s… has been revoked.") % {"prefix": token.prefix}
    )
    return redirect("portal:tokens")


@requires(Permission.MANAGE_USERS)
def user_tokens_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = _managed_user(actor, user_id)
    tokens = list_api_tokens(actor=actor, user=user)
    return render(request, "portal/users/tokens.html", {"managed": user, "tokens": tokens})


@requires(Permission.MANAGE_USERS)
@require_POST
def user_token_revoke_view(
    request: HttpRequest, actor: Actor, user_id: int, token_id: int
) -> HttpResponse:
    user = _managed_user(actor, user_id)
    token = _token(actor, user, token_id)
    revoke_api_token(actor=actor, token=token)
    messages.success(
        request, _("The token %(prefix)s… has been revoked.") % {"prefix": token.prefix}
    )
    return redirect("portal:user-tokens", user_id=user.pk)


urlpatterns: list[URLPattern] = [
    path("account/tokens/", my_tokens_view, name="tokens"),
    path("account/tokens/<int:token_id>/rotate/", my_token_rotate_view, name="token-rotate"),
    path("account/tokens/<int:token_id>/revoke/", my_token_revoke_view, name="token-revoke"),
    path("users/<int:user_id>/tokens/", user_tokens_view, name="user-tokens"),
    path(
        "users/<int:user_id>/tokens/<int:token_id>/revoke/",
        user_token_revoke_view,
        name="user-token-revoke",
    ),
]
