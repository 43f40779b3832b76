"""Refusals of the PLR services, with the real service's codes where it has one."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from lrs.core.errors import DomainError, NotFound, PermissionDenied, TooManyRequests


class PlrNotShared(PermissionDenied):
    """WSEC0206: the learner has not seen the privacy notice (ability to share 0)."""

    code = "WSEC0206"
    default_message = _(
        "The learner has not opted to share their data: no learning events are returned. The "
        "learner has not seen the privacy notice, so organisations cannot view their Personal "
        "Learning Record."
    )

    def __init__(self, *, found_uln: str, incoming_uln: str) -> None:
        super().__init__()
        self.found_uln = found_uln
        self.incoming_uln = incoming_uln


class LearnerNotVerified(NotFound):
    """WSEC0208: no learner by this ULN (and names) that the organisation has found."""

    code = "WSEC0208"
    default_message = _(
        "The learner could not be verified. Find the learner by ULN and names, or by personal "
        "details, before opening their Personal Learning Record."
    )

    def __init__(self, *, incoming_uln: str, message: str | None = None) -> None:
        super().__init__(message)
        self.incoming_uln = incoming_uln


class InvalidUln(DomainError):
    code = "WSEC0136"
    default_message = _("The ULN supplied is not a valid ULN.")


class NotAnAwardingOrganisation(PermissionDenied):
    default_message = _(
        "Only users with the awarding organisation role, in an organisation registered as an "
        "awarding organisation, can do this."
    )


class RateLimited(TooManyRequests):
    default_retry_after = 3600  # an hourly limit
    # The API answers 429 (its credit-check route); services know no HTTP.
    code = "rate_limited"
    default_message = _("You have made too many credit checks in the last hour. Try again later.")
