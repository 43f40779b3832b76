"""Code lists of the Personal Learning Record, stored as codes and translated when shown.

`SOAP_*` maps give the real service's wire values (GetLearnerLearningEvents), so that a SOAP
adapter can write an event's fields without translating anything.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """Level of a qualification or unit on the Regulated Qualifications Framework (Entry to 8)."""

    ENTRY = "E", _("Entry level")
    LEVEL_1 = "1", _("Level 1")
    LEVEL_1_2 = "1/2", _("Level 1/2")
    LEVEL_2 = "2", _("Level 2")
    LEVEL_3 = "3", _("Level 3")
    LEVEL_4 = "4", _("Level 4")
    LEVEL_5 = "5", _("Level 5")
    LEVEL_6 = "6", _("Level 6")
    LEVEL_7 = "7", _("Level 7")
    LEVEL_8 = "8", _("Level 8")


# The real service's `Level` strings ("Entry Level", "Level 1/2", "Level 3"; lrs-domain.md §5).
SOAP_LEVEL: dict[str, str] = {
    Level.ENTRY: "Entry Level",
    **{level: f"Level {level.value}" for level in Level if level is not Level.ENTRY},
}


class Source(models.TextChoices):
    """Where a learning event came from (user guide 5.2)."""

    AO = "AO", _("AO")
    ILR = "ILR", _("ILR")
    NPD = "NPD", _("NPD")


SOURCE_DESCRIPTIONS = {
    Source.AO: _("Awarding organisation"),
    Source.ILR: _("Individualised Learner Record"),
    Source.NPD: _("National Pupil Database"),
}


class EventStatus(models.TextChoices):
    """`Status` of an event: F final (AO and NPD always; ILR once the aim has ended)."""

    FINAL = "F", _("Final")
    CONTINUING = "C", _("Continuing")


class RuleGroupKind(models.TextChoices):
    MANDATORY = "mandatory", _("Mandatory")
    OPTIONAL = "optional", _("Optional")


class LanguageForAssessment(models.TextChoices):
    ENGLISH = "en", _("English")
    WELSH = "cy", _("Welsh")
    IRISH = "ga", _("Irish")
    SCOTTISH_GAELIC = "gd", _("Scottish Gaelic")


SOAP_LANGUAGE = {
    LanguageForAssessment.ENGLISH: "English",
    LanguageForAssessment.WELSH: "Welsh",
    LanguageForAssessment.IRISH: "Irish",
    LanguageForAssessment.SCOTTISH_GAELIC: "Scottish Gaelic",
}

# `CollectionType` as the real service's data has it: ILR events "W", NPD events "A", AO events
# none. What the letters stand for is not published (lrs-domain.md §5); they are kept as seen.
COLLECTION_TYPE = {"ILR": "W", "NPD": "A", "AO": ""}

# The real service writes AwardingOrganisationUkprn "UNKNWN" with name "UNKNOWN" when a data
# return's qualification has no known awarding organisation.
UNKNOWN_AO_UKPRN = "UNKNWN"
UNKNOWN_AO_NAME = "UNKNOWN"
