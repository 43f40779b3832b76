"""Service desk pages: register organisations, replace a lost super user (user guide 3.6),
reset a user's second factor (issue 19 item 12).

Only the service desk's operator role may open them. The rules are in ``lrs.organisations``
(``services`` and ``selectors``); one-time passwords are rendered straight into the response to
the POST that made them, never stored or put in a URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from lrs.core.actor import Actor
from lrs.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from lrs.core.roles import Permission, Role
from lrs.organisations.models import Organisation, OrganisationType, User
from lrs.organisations.second_factor import has_second_factor, reset_second_factor
from lrs.organisations.selectors import find_users, get_organisation, list_organisations
from lrs.organisations.services import NewAccount, register_organisation, replace_super_user
from lrs.portal.access import add_domain_errors, requires
from lrs.portal.forms.users import (
    OrganisationSearchForm,
    RegisterOrganisationForm,
    ReplaceSuperUserForm,
    role_labels,
)
from lrs.portal.views.users import UserRow, posted

ORGANISATIONS_PER_PAGE = 50


def _organisation(actor: Actor, ukprn: str) -> Organisation:
    try:
        organisation = get_organisation(actor=actor, ukprn=ukprn)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if organisation.organisation_type == OrganisationType.SERVICE_DESK:
        raise Http404
    return organisation


@requires(Permission.MANAGE_ORGANISATIONS)
def organisation_list_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = OrganisationSearchForm(request.GET or None)
    query = form.cleaned_data["query"] if form.is_bound and form.is_valid() else ""
    organisations = list_organisations(actor=actor, query=query)
    page: Page[Organisation] = Paginator(organisations, ORGANISATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/service_desk/organisation_list.html",
        {"form": form, "page": page, "query": query},
    )


@never_cache
@requires(Permission.MANAGE_ORGANISATIONS)
def organisation_create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = RegisterOrganisationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            organisation, account = register_organisation(
                actor=actor,
                ukprn=form.cleaned_data["ukprn"],
                name=form.cleaned_data["name"],
                organisation_type=form.cleaned_data["organisation_type"],
                granted_roles=form.cleaned_data["granted_roles"],
                super_user=form.account_details(),
            )
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            return _one_time_password_page(request, organisation, account, registered=True)
    return render(request, "portal/service_desk/organisation_create.html", {"form": form})


def _one_time_password_page(
    request: HttpRequest, organisation: Organisation, account: NewAccount, *, registered: bool
) -> HttpResponse:
    response = render(
        request,
        "portal/service_desk/super_user_created.html",
        {"organisation": organisation, "account": account, "registered": registered},
    )
    response["Cache-Control"] = "no-store"
    return response


@requires(Permission.MANAGE_ORGANISATIONS)
def organisation_detail_view(request: HttpRequest, actor: Actor, ukprn: str) -> HttpResponse:
    organisation = _organisation(actor, ukprn)
    users = list(find_users(actor=actor, organisation=organisation))
    rows = [UserRow.of(user) for user in users]
    enrolled = set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )
    return render(
        request,
        "portal/service_desk/organisation_detail.html",
        {
            "organisation": organisation,
            "granted_roles": role_labels(organisation.granted_roles),
            "rows": rows,
            "enrolled": enrolled,
        },
    )


def _organisation_user(actor: Actor, organisation: Organisation, user_id: int) -> User:
    """A user of this organisation; any other user is a plain 'page not found'."""
    user = find_users(actor=actor, organisation=organisation).filter(pk=user_id).first()
    if user is None:
        raise Http404
    return user


@never_cache
@requires(Permission.MANAGE_ORGANISATIONS)
def organisation_user_reset_second_factor_view(
    request: HttpRequest, actor: Actor, ukprn: str, user_id: int
) -> HttpResponse:
    """The service desk removes a user's authenticator and recovery codes (after verifying who
    is asking); the user sets up a new one at their next sign-in. The rule and the audit are in
    `lrs.organisations.second_factor.reset_second_factor`."""
    organisation = _organisation(actor, ukprn)
    user = _organisation_user(actor, organisation, user_id)
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
                % {"name": user.full_name or user.username},
            )
        return redirect("portal:organisation-detail", ukprn=organisation.ukprn)
    return render(
        request,
        "portal/service_desk/reset_second_factor.html",
        {
            "organisation": organisation,
            "managed": user,
            "enrolled": has_second_factor(user),
        },
    )


def _current_super_users(actor: Actor, organisation: Organisation) -> list[User]:
    return list(
        find_users(
            actor=actor,
            organisation=organisation,
            roles=[Role.SUPER_USER.value],
            status="active",
        )
    )


@never_cache
@requires(Permission.MANAGE_ORGANISATIONS)
def organisation_replace_super_user_view(
    request: HttpRequest, actor: Actor, ukprn: str
) -> HttpResponse:
    """Create a super user for an organisation that has lost its own (user guide 3.6)."""
    organisation = _organisation(actor, ukprn)
    form = ReplaceSuperUserForm(posted(request), current=_current_super_users(actor, organisation))
    if request.method == "POST" and form.is_valid():
        try:
            account = replace_super_user(
                actor=actor,
                organisation=organisation,
                super_user=form.account_details(),
                suspend=form.users_to_suspend(),
            )
        except (ValidationFailed, Conflict) as exc:
            add_domain_errors(form, exc)
        else:
            return _one_time_password_page(request, organisation, account, registered=False)
    return render(
        request,
        "portal/service_desk/replace_super_user.html",
        {"form": form, "organisation": organisation},
    )


urlpatterns: list[URLPattern] = [
    path("service-desk/organisations/", organisation_list_view, name="organisation-list"),
    path(
        "service-desk/organisations/new/",
        organisation_create_view,
        name="organisation-create",
    ),
    path(
        "service-desk/organisations/<str:ukprn>/",
        organisation_detail_view,
        name="organisation-detail",
    ),
    path(
        "service-desk/organisations/<str:ukprn>/replace-super-user/",
        organisation_replace_super_user_view,
        name="organisation-replace-super-user",
    ),
    path(
        "service-desk/organisations/<str:ukprn>/users/<int:user_id>/reset-second-factor/",
        organisation_user_reset_second_factor_view,
        name="organisation-user-reset-second-factor",
    ),
]
