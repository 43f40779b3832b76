"""Who is acting, for which organisation, and through which channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

from lrs.core.errors import PermissionDenied
from lrs.core.roles import Permission, permissions_for

if TYPE_CHECKING:
    from lrs.organisations.models import Organisation, User


class Channel(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", _("Web services")
    BATCH = "batch", _("Batch")
    SOAP = "soap", _("SOAP web services")
    CLI = "cli", _("Command line")


_BATCH_FILE_PERMISSIONS = frozenset({Permission.FIND_LEARNER, Permission.REGISTER_LEARNER})


@dataclass(frozen=True)
class Actor:
    """The caller of a service: a user of one organisation, through one channel."""

    user: User
    channel: str

    @property
    def organisation(self) -> Organisation:
        return self.user.organisation

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
