"""Roles a user can hold and what each one allows."""

from __future__ import annotations

import enum
from collections.abc import Iterable

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
    AWARDING = "ao", _("Awarding organisation user")
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
    SUBMIT_ACHIEVEMENTS = "submit_achievements"
    CREDIT_CHECK = "credit_check"
    IMPORT_ACHIEVEMENTS = "import_achievements"
    MANAGE_QUALIFICATIONS = "manage_qualifications"
    RAISE_CHALLENGE = "raise_challenge"
    RESOLVE_CHALLENGE = "resolve_challenge"


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
            Permission.RAISE_CHALLENGE,
        }
    ),
    Role.VIEW_ONLY: frozenset(
        {Permission.FIND_LEARNER, Permission.VIEW_LEARNER_HISTORY, Permission.RAISE_CHALLENGE}
    ),
    # A PLR viewer opens a learner's PLR once a find has been made (user guide, Appendix A).
    # Whoever finds a learner may report a problem with the ULN or the PLR (user guide 6).
    Role.LEARNER_RECORD: frozenset(
        {Permission.FIND_LEARNER, Permission.VIEW_PLR, Permission.RAISE_CHALLENGE}
    ),
    Role.VERIFY_LEARNER: frozenset({Permission.VERIFY_LEARNER}),
    # Awarding organisations record achievements and run credit checks; the services also
    # require the organisation to be an awarding organisation (docs/adr/0005).
    Role.AWARDING: frozenset({Permission.SUBMIT_ACHIEVEMENTS, Permission.CREDIT_CHECK}),
    Role.SERVICE_DESK: frozenset(
        {
            Permission.MANAGE_ORGANISATIONS,
            Permission.MANAGE_USERS,
            Permission.IMPORT_LEARNERS,
            Permission.IMPORT_ACHIEVEMENTS,
            Permission.MANAGE_QUALIFICATIONS,
            Permission.FIND_LEARNER,
            Permission.VIEW_LEARNER_HISTORY,
            Permission.RESOLVE_CHALLENGE,
        }
    ),
}


def permissions_for(roles: Iterable[str]) -> frozenset[Permission]:
    """Every permission that any of the roles grants."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)
