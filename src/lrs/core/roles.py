"""Roles a user can hold and what each one allows."""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """The real service's user roles (user guide, Appendix A), plus the service desk."""

    SUPER_USER = "super", _("Super user")
    BATCH = "batch", _("Batch user")
    ONLINE = "online", _("Online user")
    VIEW_ONLY = "view", _("View only user")
    LEARNER_RECORD = "plr", _("Learner record (PLR viewer)")
    VERIFY_LEARNER = "vld", _("Verify learner")
    SERVICE_DESK = "operator", _("Service desk")


class Permission(enum.Enum):
    FIND_LEARNER = "find_learner"
    REGISTER_LEARNER = "register_learner"
    UPDATE_LEARNER = "update_learner"
    VIEW_LEARNER_HISTORY = "view_learner_history"
    SUBMIT_BATCH = "submit_batch"
    VIEW_PLR = "view_plr"
    VERIFY_LEARNER = "verify_learner"
    MANAGE_USERS = "manage_users"
    MANAGE_ORGANISATIONS = "manage_organisations"
    IMPORT_LEARNERS = "import_learners"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    # A super user manages users only (user guide, Appendix A).
    Role.SUPER_USER: frozenset({Permission.MANAGE_USERS}),
    Role.BATCH: frozenset({Permission.SUBMIT_BATCH}),
    Role.ONLINE: frozenset(
        {
            Permission.FIND_LEARNER,
            Permission.REGISTER_LEARNER,
            Permission.UPDATE_LEARNER,
            Permission.VIEW_LEARNER_HISTORY,
        }
    ),
    Role.VIEW_ONLY: frozenset({Permission.FIND_LEARNER, Permission.VIEW_LEARNER_HISTORY}),
    Role.LEARNER_RECORD: frozenset({Permission.VIEW_PLR}),
    Role.VERIFY_LEARNER: frozenset({Permission.VERIFY_LEARNER}),
    Role.SERVICE_DESK: frozenset(
        {
            Permission.MANAGE_ORGANISATIONS,
            Permission.MANAGE_USERS,
            Permission.IMPORT_LEARNERS,
            Permission.FIND_LEARNER,
            Permission.VIEW_LEARNER_HISTORY,
        }
    ),
}


def permissions_for(roles: frozenset[str] | set[str] | list[str]) -> frozenset[Permission]:
    """Every permission that any of the roles grants."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)
