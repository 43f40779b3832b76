"""The service desk's work on organisations (DESIGN 1 and 3.4, user guide 3.6)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import NotFound, ValidationFailed
from lrs.core.roles import Permission, Role
from lrs.organisations.models import Organisation, OrganisationType, SuspensionReason, User
from lrs.organisations.services import create_organisation
from lrs.organisations.user_management import (
    AccountDetails,
    NewAccount,
    create_user_account,
    suspend_account,
)


def list_organisations(*, actor: Actor, query: str = "") -> QuerySet[Organisation]:
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    organisations = Organisation.objects.exclude(organisation_type=OrganisationType.SERVICE_DESK)
    if query.strip():
        organisations = organisations.filter(
            Q(name__icontains=query.strip()) | Q(ukprn__startswith=query.strip())
        )
    return organisations.order_by("name")


def get_organisation(*, actor: Actor, ukprn: str) -> Organisation:
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    organisation = (
        Organisation.objects.exclude(organisation_type=OrganisationType.SERVICE_DESK)
        .filter(ukprn=ukprn)
        .first()
    )
    if organisation is None:
        raise NotFound()
    return organisation


@transaction.atomic
def register_organisation(
    *,
    actor: Actor,
    ukprn: str,
    name: str,
    organisation_type: str,
    granted_roles: Iterable[str],
    super_user: AccountDetails,
) -> tuple[Organisation, NewAccount]:
    """Register a learner registration body with its granted roles and its first super user."""
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    roles = sorted({role for role in granted_roles if role} | {Role.SUPER_USER.value})
    if Role.SERVICE_DESK.value in roles:
        raise ValidationFailed(
            field_errors={"granted_roles": [_("The service desk role can't be granted.")]}
        )
    organisation = create_organisation(
        ukprn=ukprn, name=name, organisation_type=organisation_type, granted_roles=roles
    )
    record_audit(
        actor=actor,
        action=AuditAction.ORGANISATION_CREATED,
        details={"ukprn": organisation.ukprn, "name": organisation.name, "roles": roles},
    )
    account = create_user_account(
        actor=actor, details=super_user, roles=[Role.SUPER_USER.value], organisation=organisation
    )
    return organisation, account


@transaction.atomic
def replace_super_user(
    *,
    actor: Actor,
    organisation: Organisation,
    super_user: AccountDetails,
    suspend: Iterable[User] = (),
) -> NewAccount:
    """Create a new super user for an organisation that has lost its own (user guide 3.6).

    Optionally suspend the old super user accounts at the same time.
    """
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    old_super_users = list(suspend)
    if any(old.organisation_id != organisation.pk for old in old_super_users):
        raise NotFound(_("Only the organisation's own users can be suspended when replacing."))
    account = create_user_account(
        actor=actor, details=super_user, roles=[Role.SUPER_USER.value], organisation=organisation
    )
    for old in User.objects.filter(pk__in=[old.pk for old in old_super_users]):
        suspend_account(actor=actor, user=old, reason=SuspensionReason.BY_SERVICE_DESK)
    record_audit(
        actor=actor,
        action=AuditAction.SUPER_USER_REPLACED,
        details={"ukprn": organisation.ukprn, "new_username": account.user.username},
    )
    return account
