"""Refusals of the learner services, with the real service's response codes."""

from django.utils.translation import gettext_lazy as _

from lrs.core.errors import Conflict, NotFound


class IdenticalLearnerExists(Conflict):
    code = "WSRC0021"
    default_message = _(
        "The data you have entered will create a learner with key information identical to one "
        "already registered - this is not allowed. The learner may already have a ULN, or may "
        "be linked to another ULN (this is common for twins). If the data is correct and the "
        "learner should be registered, raise a data challenge or call the service desk."
    )


class StaleVersion(Conflict):
    code = "WSRC0013"
    default_message = _(
        "The ULN has been updated since you last obtained the details. Find the learner again "
        "and make your changes to the latest version."
    )


class NoChanges(Conflict):
    code = "WSRC0020"
    status = 200
    default_message = _("No changes found, therefore the learner was not updated.")


class LearnerNotFound(NotFound):
    code = "WSRC0001"
    default_message = _("No learner matches these details.")


class UlnNotFoundForUpdate(NotFound):
    code = "WSRC0019"
    default_message = _("ULN not found for update.")


class LinkedUlnNotUpdatable(Conflict):
    code = "linked_uln"
    default_message = _(
        "This ULN has been merged into its master ULN %(master)s. Update the master instead."
    )
