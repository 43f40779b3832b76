"""Refusals of the learner services, with the real service's response codes."""

from django.utils.translation import gettext_lazy as _

from lrs.core.errors import Conflict, NotFound, TooManyRequests
from lrs.learners.response_codes import ResponseCode


class IdenticalLearnerExists(Conflict):
    code = ResponseCode.IDENTICAL_LEARNER
    # The real service's "Register Learner not allowed" message (user guide 4.2.4).
    default_message = _(
        "The data you have entered will create a Learner with key information identical to one "
        "already registered – this is not allowed. This may be because you are attempting to "
        "register a Learner that already has a ULN or you have a genuinely identical Learner. If "
        "the data you have entered is correct and the Learner should be registered, please call "
        "the Help Desk for further assistance."
    )


class StaleVersion(Conflict):
    code = ResponseCode.STALE_VERSION
    default_message = _(
        "The ULN has been updated since you last obtained the details. Find the learner again "
        "and make your changes to the latest version."
    )


class LearnerNotFound(NotFound):
    code = ResponseCode.NO_MATCH
    default_message = _("No learner matches these details.")


class UlnNotFoundForUpdate(NotFound):
    code = ResponseCode.NOT_FOUND_FOR_UPDATE
    default_message = _("ULN not found for update.")


class LinkedUlnNotUpdatable(Conflict):
    code = "linked_uln"
    default_message = _(
        "This ULN has been merged into its master ULN %(master)s. Update the master instead."
    )


class LearnerDeceasedNotUpdatable(Conflict):
    code = "learner_deceased"
    default_message = _(
        "The service desk has recorded that this learner has died. The record can no longer be "
        "changed."
    )


class VerificationsRateLimited(TooManyRequests):
    default_retry_after = 3600  # an hourly limit
    # The API answers 429; services know no HTTP.
    code = "rate_limited"
    default_message = _(
        "You have verified too many learners in the last hour. Try again later, or send a "
        "verify file."
    )
