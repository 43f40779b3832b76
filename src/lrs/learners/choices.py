"""Code lists of the learner record, with the real service's values."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    NOT_KNOWN = "0", _("Not known")
    MALE = "1", _("Male")
    FEMALE = "2", _("Female")
    NOT_SPECIFIED = "9", _("Not specified")


class VerificationType(models.TextChoices):
    """User guide, Appendix D. The real service's numeric codes are unpublished; these are ours."""

    NONE_PROVIDED = "0", _("None provided")
    RELATIONSHIP_WITH_SCHOOL = "1", _("Relationship with school")
    PASSPORT = "2", _("Passport")
    DRIVING_LICENCE = "3", _("Driving licence")
    NATIONAL_ID = "4", _("ID card or other form of national identification")
    NATIONAL_INSURANCE_CARD = "5", _("National Insurance card")
    FUNDING_ENTITLEMENT = "6", _("Certificate of entitlement to funding")
    BANK_CARD = "7", _("Bank, credit or debit card")
    OTHER = "999", _("Other")


class AbilityToShare(models.TextChoices):
    """Privacy notice seen: 1 yes (share data), 0 no."""

    NOT_SEEN = "0", _("No")
    SEEN = "1", _("Yes")


class LearnerStatus(models.TextChoices):
    ACTIVE = "1", _("Active")
    LINKED = "2", _("Linked to a master ULN")
    CLOSED = "3", _("Closed")
    DECEASED = "4", _("Deceased")
