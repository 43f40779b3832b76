"""User management pages for an organisation's super users (user guide section 3).

The views are thin: every rule (own organisation only, granted roles, the last super user)
is in ``lrs.organisations`` (``services`` and ``selectors``). A one-time password is rendered
straight into the response to the POST that made it: never stored, never in a URL, never
cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from lrs.core.actor import Actor
from lrs.core.errors import Conflict, NotFound, ValidationFailed
from lrs.core.roles import Permission
from lrs.organisations.models import SuspensionReason, User, UserStatus
from lrs.organisations.selectors import acting_organisation, find_users, get_managed_user
from lrs.organisations.services import (
    NewAccount,
    create_user,
    delete_user,
    reactivate_user,
    reset_user_password,
    suspend_user,
    update_user,
    verify_user_identity,
)
from lrs.portal.access import add_domain_errors, requires
from lrs.portal.forms.users import (
    ConfirmForm,
    UserAccountForm,
    UserSearchForm,
    VerifyIdentityForm,
    role_labels,
)


@dataclass(frozen=True)
class UserRow:
    """A user as the pages show them: the record plus readable roles and status."""

    user: User
    roles: list[str]
    status: str
    status_label: str
    suspension_reason: str

    @classmethod
    def of(cls, user: User) -> UserRow:
        status = UserStatus(user.status)
        reason = ""
        if status == UserStatus.SUSPENDED and user.suspension_reason:
            reason = str(SuspensionReason(user.suspension_reason).label)
        return cls(
            user=user,
            roles=role_labels(user.roles),
            status=status.value,
            status_label=str(status.label),
            suspension_reason=reason,
        )


def posted(request: HttpRequest) -> QueryDict | None:
    """The submitted data on a POST (even when empty, so that it is validated), else None."""
    return request.POST if request.method == "POST" else None


def _managed_user(actor: Actor, user_id: int) -> User:
    """The user, if the actor manages them; any other user is a plain 'page not found'."""
    try:
        return get_managed_user(actor=actor, user_id=user_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _name(user: User) -> str:
    return user.full_name or user.username


@requires(Permission.MANAGE_USERS)
def user_find_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Find users; blank criteria with All roles list everyone (the annual audit, guide 3.3)."""
    searched = bool(request.GET)
    form = UserSearchForm(
        request.GET if searched else None, organisation=acting_organisation(actor)
    )
    rows: list[UserRow] | None = None
    if searched and form.is_valid():
        users = find_users(
            actor=actor,
            username=form.cleaned_data["username"],
            given_name=form.cleaned_data["given_name"],
            family_name=form.cleaned_data["family_name"],
            roles=form.wanted_roles(),
            status=form.cleaned_data["status"],
        )
        rows = [UserRow.of(user) for user in users]
    return render(request, "portal/users/find.html", {"form": form, "rows": rows})


@never_cache
@requires(Permission.MANAGE_USERS)
def user_create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = UserAccountForm(posted(request), organisation=acting_organisation(actor))
    if request.method == "POST" and form.is_valid():
        try:
            account = create_user(
                actor=actor, details=form.account_details(), roles=form.cleaned_data["roles"]
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            return _one_time_password_page(request, account, created=True)
    return render(request, "portal/users/create.html", {"form": form})


def _one_time_password_page(
    request: HttpRequest, account: NewAccount, *, created: bool
) -> HttpResponse:
    """The username and one-time password, shown this once (user guide 3.5.3 and 3.5.6.4)."""
    response = render(
        request,
        "portal/users/one_time_password.html",
        {"account": account, "row": UserRow.of(account.user), "created": created},
    )
    response["Cache-Control"] = "no-store"
    return response


@requires(Permission.MANAGE_USERS)
def user_detail_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = _managed_user(actor, user_id)
    return _detail_page(request, actor, user)


def _detail_page(
    request: HttpRequest,
    actor: Actor,
    user: User,
    form: ConfirmForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "row": UserRow.of(user),
        "managed": user,
        "is_self": user.pk == actor.user.pk,
        "form": form,
    }
    return render(request, "portal/users/detail.html", context, status=status)


def _refused(request: HttpRequest, actor: Actor, user: User, error: Conflict) -> HttpResponse:
    """Back to the user's page, with the service's reason as the page's error."""
    form = ConfirmForm(request.POST)
    form.is_valid()
    add_domain_errors(form, error)
    return _detail_page(request, actor, user, form=form, status=409)


@requires(Permission.MANAGE_USERS)
def user_edit_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    """Update details and roles; a super user may change their own roles (guide 3.5.4)."""
    user = _managed_user(actor, user_id)
    initial = {**UserAccountForm.initial_for(user), "roles": list(user.roles)}
    form = UserAccountForm(posted(request), initial=initial, organisation=user.organisation)
    if request.method == "POST" and form.is_valid():
        try:
            update_user(
                actor=actor,
                user=user,
                details=form.account_details(),
                roles=form.cleaned_data["roles"],
            )
        except (ValidationFailed, Conflict) as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request, _("%(name)s's details have been updated.") % {"name": _name(user)}
            )
            return redirect("portal:user-detail", user_id=user.pk)
    return render(
        request,
        "portal/users/edit.html",
        {"form": form, "managed": user, "is_self": user.pk == actor.user.pk},
    )


def _confirm_page(request: HttpRequest, user: User, template: str, **extra: Any) -> HttpResponse:
    return render(request, template, {"managed": user, "row": UserRow.of(user), **extra})


@requires(Permission.MANAGE_USERS)
def user_suspend_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = _managed_user(actor, user_id)
    if request.method == "POST":
        try:
            suspend_user(actor=actor, user=user)
        except Conflict as exc:
            return _refused(request, actor, user, exc)
        messages.success(
            request, _("%(name)s's account has been suspended.") % {"name": _name(user)}
        )
        return redirect("portal:user-detail", user_id=user.pk)
    if not user.is_active:
        return redirect("portal:user-detail", user_id=user.pk)
    return _confirm_page(request, user, "portal/users/suspend.html")


@requires(Permission.MANAGE_USERS)
def user_reactivate_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = _managed_user(actor, user_id)
    if request.method == "POST":
        reactivate_user(actor=actor, user=user)
        messages.success(
            request,
            _("%(name)s's account is active again. They can sign in with their password.")
            % {"name": _name(user)},
        )
        return redirect("portal:user-detail", user_id=user.pk)
    if user.is_active:
        return redirect("portal:user-detail", user_id=user.pk)
    return _confirm_page(request, user, "portal/users/reactivate.html")


@requires(Permission.MANAGE_USERS)
def user_delete_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    user = _managed_user(actor, user_id)
    if request.method == "POST":
        name = _name(user)
        try:
            delete_user(actor=actor, user=user)
        except Conflict as exc:
            return _refused(request, actor, user, exc)
        messages.success(request, _("%(name)s's account has been deleted.") % {"name": name})
        return redirect("portal:user-find")
    return _confirm_page(request, user, "portal/users/delete.html")


@never_cache
@requires(Permission.MANAGE_USERS)
def user_reset_password_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    """Confirm, then show the new one-time password once (user guide 3.5.6.4)."""
    user = _managed_user(actor, user_id)
    if request.method == "POST":
        account = reset_user_password(actor=actor, user=user)
        return _one_time_password_page(request, account, created=False)
    return _confirm_page(request, user, "portal/users/reset_password.html")


@never_cache
@requires(Permission.MANAGE_USERS)
def user_verify_view(request: HttpRequest, actor: Actor, user_id: int) -> HttpResponse:
    """Check a remote user's answer to their secret question (user guide 3.5.6.2)."""
    user = _managed_user(actor, user_id)
    form = VerifyIdentityForm(posted(request))
    verified: bool | None = None
    if request.method == "POST" and form.is_valid():
        try:
            verified = verify_user_identity(
                actor=actor, user=user, answer=form.cleaned_data["answer"]
            )
        except Conflict as exc:
            add_domain_errors(form, exc)
        else:
            if not verified:
                form.add_error(
                    "answer",
                    _(
                        "The answer is not right. Do not change their details or reset their "
                        "password until you are sure who they are."
                    ),
                )
            else:
                form = VerifyIdentityForm()
    return _confirm_page(
        request,
        user,
        "portal/users/verify.html",
        form=form,
        verified=verified,
        question=user.get_secret_question_display() if user.secret_answer_hash else "",
    )


urlpatterns: list[URLPattern] = [
    path("users/", user_find_view, name="user-find"),
    path("users/new/", user_create_view, name="user-create"),
    path("users/<int:user_id>/", user_detail_view, name="user-detail"),
    path("users/<int:user_id>/edit/", user_edit_view, name="user-edit"),
    path("users/<int:user_id>/suspend/", user_suspend_view, name="user-suspend"),
    path("users/<int:user_id>/reactivate/", user_reactivate_view, name="user-reactivate"),
    path("users/<int:user_id>/delete/", user_delete_view, name="user-delete"),
    path(
        "users/<int:user_id>/reset-password/",
        user_reset_password_view,
        name="user-reset-password",
    ),
    path("users/<int:user_id>/verify-identity/", user_verify_view, name="user-verify"),
]
