"""Who is acting, for which organisation, and through which channel.

`core` sits below the apps that define users, organisations and learners (DESIGN 2), so it
names only what it needs of them: the protocols below. `lrs.organisations.models.User` and
`Organisation` satisfy them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import models
from django.utils.translation import gettext_lazy as _

from lrs.core.errors import PermissionDenied
from lrs.core.roles import Permission, permissions_for


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", _("Web services")
    BATCH = "batch", _("Batch")
    SOAP = "soap", _("SOAP web services")
    CLI = "cli", _("Command line")
    # Not an organisation's: a learner on the learner portal, and whoever opens a learner's
    # share link. No `Actor` has these channels (an actor is an organisation's user); their
    # audit rows are written by `lrs.core.audit.record_outside_audit`.
    LEARNER = "learner", _("Learner portal")
    SHARE_LINK = "share", _("Share link")


# What stands where a username would in rows written for a learner on the learner portal.
LEARNER_LABEL = "learner"


class ActingOrganisation(Protocol):
    """What core needs of the actor's organisation."""

    @property
    def pk(self) -> Any: ...

    @property
    def name(self) -> str: ...

    @property
    def is_active(self) -> bool: ...


class ActingUser(Protocol):
    """What core needs of the acting user."""

    @property
    def pk(self) -> Any: ...

    @property
    def username(self) -> str: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def organisation(self) -> ActingOrganisation | None: ...

    @property
    def effective_roles(self) -> Collection[str]: ...


_BATCH_FILE_PERMISSIONS = frozenset({Permission.FIND_LEARNER, Permission.REGISTER_LEARNER})


@dataclass(frozen=True)
class Actor:
    """The caller of a service: a user of one organisation, through one channel."""

    user: ActingUser
    channel: Channel

    @property
    def organisation(self) -> ActingOrganisation:
        organisation = self.user.organisation
        # Every channel lets only users of an organisation act (sign-in, API token, command line).
        assert organisation is not None
        return organisation

    @property
    def permissions(self) -> frozenset[Permission]:
        if not self.user.is_active or not self.organisation.is_active:
            return frozenset()
        granted = permissions_for(self.user.effective_roles)
        if self.channel == Channel.BATCH and Permission.SUBMIT_BATCH in granted:
            # A batch file finds learners, and registers the ones not found, on behalf of the
            # batch user who submitted it (user guide 4.3).
            granted |= _BATCH_FILE_PERMISSIONS
        return granted

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def ensure_can(actor: Actor, permission: Permission) -> None:
    """Refuse unless the actor's roles (within the organisation's grant) allow it."""
    if not actor.can(permission):
        raise PermissionDenied()
