"""Writes for organisations: the provider register and the service desk's registration of
learner registration bodies (DESIGN 1 and 3.4, user guide 3.6)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import ValidationFailed
from lrs.core.identifier_messages import identifier_message
from lrs.core.roles import Permission, Role
from lrs.identifiers import IdentifierError, validate_ukprn
from lrs.organisations.accounts import AccountDetails, NewAccount, clean_role_names
from lrs.organisations.models import (
    SERVICE_DESK_UKPRN,
    SYSTEM_USERNAME,
    Organisation,
    OrganisationType,
    User,
)
from lrs.organisations.services.users import create_user


@transaction.atomic
def create_organisation(
    *,
    actor: Actor,
    ukprn: str,
    name: str,
    organisation_type: str = OrganisationType.COLLEGE,
    granted_roles: Iterable[str] = (),
) -> Organisation:
    """Add an organisation to the provider register with the roles it is granted."""
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    granted_roles = list(granted_roles)
    errors: dict[str, list[str]] = {}
    try:
        ukprn = validate_ukprn(ukprn)
    except IdentifierError as exc:
        errors["ukprn"] = [identifier_message(exc)]
    if not name.strip():
        errors["name"] = [_("Enter the organisation's name.")]
    if organisation_type not in OrganisationType.values:
        errors["organisation_type"] = [_("Choose a known organisation type.")]
    if "ukprn" not in errors and ukprn == SERVICE_DESK_UKPRN:
        errors["ukprn"] = [
            _("UKPRN %(ukprn)s is reserved for the LRS service desk.") % {"ukprn": ukprn}
        ]
    # The service desk's powers (merges, splits, resolutions) belong to its own organisation
    # alone; the services check the role, so no other organisation may ever hold it.
    if Role.SERVICE_DESK.value in granted_roles:
        errors["granted_roles"] = [_("The service desk role can't be granted.")]
    if errors:
        raise ValidationFailed(field_errors=errors)
    if Organisation.objects.filter(ukprn=ukprn).exists():
        message = _("An organisation with UKPRN %(ukprn)s already exists.") % {"ukprn": ukprn}
        raise ValidationFailed(message, field_errors={"ukprn": [message]})
    organisation = Organisation.objects.create(
        ukprn=ukprn,
        name=name.strip(),
        organisation_type=organisation_type,
        granted_roles=clean_role_names(granted_roles),
    )
    record_audit(
        actor=actor,
        action=AuditAction.ORGANISATION_CREATED,
        details={
            "ukprn": organisation.ukprn,
            "name": organisation.name,
            "roles": organisation.granted_roles,
        },
    )
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
    organisation = create_organisation(
        actor=actor,
        ukprn=ukprn,
        name=name,
        organisation_type=organisation_type,
        granted_roles=roles,
    )
    account = create_user(
        actor=actor, details=super_user, roles=[Role.SUPER_USER.value], organisation=organisation
    )
    return organisation, account


@transaction.atomic
def service_desk_system_actor(*, channel: Channel) -> Actor:
    """The actor for work the system does itself: the command line, demo data, batch work.

    Its user belongs to the service desk organisation, holds the service desk role and can't
    sign in. The first call creates both, and audits that as the system's own doing, so that
    no write is anonymous.
    """
    organisation, created = Organisation.objects.get_or_create(
        ukprn=SERVICE_DESK_UKPRN,
        defaults={
            "name": "LRS Service Desk",
            "organisation_type": OrganisationType.SERVICE_DESK,
            "granted_roles": [Role.SERVICE_DESK.value],
        },
    )
    user = User.objects.select_related("organisation").filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(
            username=SYSTEM_USERNAME,
            organisation=organisation,
            roles=[Role.SERVICE_DESK.value],
            first_name="LRS",
            last_name="System",
        )
        user.set_unusable_password()
        user.save()
        actor = Actor(user=user, channel=channel)
        if created:
            record_audit(
                actor=actor,
                action=AuditAction.ORGANISATION_CREATED,
                details={
                    "ukprn": organisation.ukprn,
                    "name": organisation.name,
                    "roles": organisation.granted_roles,
                },
            )
        record_audit(
            actor=actor,
            action=AuditAction.USER_CREATED,
            details={"user_id": user.pk, "username": user.username, "roles": user.roles},
        )
        return actor
    return Actor(user=user, channel=channel)
