"""Reads of organisations and users that apply the service's rules (who may see whom)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import NotFound
from lrs.core.roles import Permission
from lrs.organisations.models import (
    SYSTEM_USERNAME,
    Organisation,
    OrganisationType,
    User,
    UserStatus,
)


def acting_organisation(actor: Actor) -> Organisation:
    """The actor's organisation as the model (core knows it only by its protocol)."""
    organisation = actor.organisation
    assert isinstance(organisation, Organisation)
    return organisation


def acting_user(actor: Actor) -> User:
    """The acting user as the model (core knows it only by its protocol)."""
    user = actor.user
    assert isinstance(user, User)
    return user


def find_organisation_by_ukprn(ukprn: str) -> Organisation | None:
    """The organisation with this UKPRN, if any (for the command line, which names one)."""
    return Organisation.objects.filter(ukprn=ukprn.strip()).first()


def find_user_by_username(username: str) -> User | None:
    """The user with this username, if any (for the command line, which names one)."""
    return User.objects.select_related("organisation").filter(username=username).first()


def list_organisations(*, actor: Actor, query: str = "") -> QuerySet[Organisation]:
    """The service desk's list of organisations, by name or the start of the UKPRN."""
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    organisations = Organisation.objects.exclude(organisation_type=OrganisationType.SERVICE_DESK)
    if query.strip():
        organisations = organisations.filter(
            Q(name__icontains=query.strip()) | Q(ukprn__startswith=query.strip())
        )
    return organisations.order_by("name")


def get_organisation(*, actor: Actor, ukprn: str) -> Organisation:
    """One organisation, for the service desk."""
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    organisation = (
        Organisation.objects.exclude(organisation_type=OrganisationType.SERVICE_DESK)
        .filter(ukprn=ukprn)
        .first()
    )
    if organisation is None:
        raise NotFound()
    return organisation


def get_invoking_organisation(*, actor: Actor, ukprn: str = "") -> Organisation:
    """The organisation register's entry for the actor's own organisation (the web services'
    GetOrganisation); another organisation's UKPRN is for the service desk only."""
    own = acting_organisation(actor)
    wanted = ukprn.strip()
    if wanted and wanted != own.ukprn:
        organisation = get_organisation(actor=actor, ukprn=wanted)
    else:
        organisation = own
    record_audit(
        actor=actor, action=AuditAction.ORGANISATION_VIEWED, details={"ukprn": organisation.ukprn}
    )
    return organisation


def get_managed_organisation(
    *, actor: Actor, organisation: Organisation | None = None
) -> Organisation:
    """The organisation whose users the actor manages: their own, or any for the service desk."""
    ensure_can(actor, Permission.MANAGE_USERS)
    if organisation is None or organisation.pk == actor.organisation.pk:
        return acting_organisation(actor)
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    return organisation


def get_managed_user(*, actor: Actor, user_id: int) -> User:
    """A user of the actor's own organisation; another organisation's user is simply not found.

    This holds for the service desk too: it does not reset other organisations' passwords or
    unlock their accounts (user guide 3.2); it only creates a super user for an organisation
    that has lost its own (`services.replace_super_user`).
    """
    ensure_can(actor, Permission.MANAGE_USERS)
    user = (
        User.objects.select_related("organisation")
        .exclude(username=SYSTEM_USERNAME)
        .filter(organisation_id=actor.organisation.pk, pk=user_id)
        .first()
    )
    if user is None:
        raise NotFound(_("There is no such user in your organisation."))
    return user


def find_users(
    *,
    actor: Actor,
    username: str = "",
    given_name: str = "",
    family_name: str = "",
    roles: Iterable[str] = (),
    status: str = "",
    organisation: Organisation | None = None,
) -> QuerySet[User]:
    """Users of the organisation matching every criterion given; blank criteria match all.

    Leaving everything blank lists every user: the annual audit of user guide 3.3. With roles,
    users holding any of them are listed.
    """
    scope = get_managed_organisation(actor=actor, organisation=organisation)
    users = User.objects.filter(organisation=scope).exclude(username=SYSTEM_USERNAME)
    if username.strip():
        users = users.filter(username__icontains=username.strip())
    if given_name.strip():
        users = users.filter(first_name__icontains=given_name.strip())
    if family_name.strip():
        users = users.filter(last_name__icontains=family_name.strip())
    wanted = [role for role in roles if role]
    if wanted:
        # Roles are a JSON list of strings; its text holds each role in double quotes, which
        # both databases can test (JSON `contains` is not available on SQLite).
        condition = Q()
        for role in wanted:
            condition |= Q(roles__icontains=f'"{role}"')
        users = users.filter(condition)
    if status == UserStatus.ACTIVE:
        users = users.filter(is_active=True)
    elif status == UserStatus.SUSPENDED:
        users = users.filter(is_active=False)
    return users.order_by("last_name", "first_name", "username")
