"""Refusals of the data challenge services."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from lrs.core.errors import Conflict, NotFound


class ChallengeNotFound(NotFound):
    code = "challenge_not_found"
    default_message = _(
        "No data challenge with this reference has been raised on a learner your organisation "
        "knows."
    )


class ChallengeClosed(Conflict):
    code = "challenge_closed"
    default_message = _("This data challenge can no longer change status.")


class ResolutionRefused(Conflict):
    """A resolution that would break a rule of the register; nothing was changed."""

    code = "resolution_refused"
    default_message = _("This change would break a rule of the register. Nothing was changed.")
