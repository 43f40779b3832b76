"""The real service's web-service response codes (WSRC), so MIS developers recognise outcomes."""

from django.utils.translation import gettext_lazy as _

from lrs.matching import MatchKind

NO_MATCH = "WSRC0001"
TOO_MANY_MATCHES = "WSRC0002"
POSSIBLE_MATCHES = "WSRC0003"
EXACT_MATCH = "WSRC0004"
REGISTERED = "WSRC0005"
UPDATED = "WSRC0006"
STALE_VERSION = "WSRC0013"
NOT_FOUND_FOR_UPDATE = "WSRC0019"
NO_CHANGES = "WSRC0020"
IDENTICAL_LEARNER = "WSRC0021"
MASTER_SUBSTITUTED = "WSRC0022"

FOR_MATCH_KIND = {
    MatchKind.NONE: NO_MATCH,
    MatchKind.TOO_MANY: TOO_MANY_MATCHES,
    MatchKind.POSSIBLE: POSSIBLE_MATCHES,
    MatchKind.EXACT: EXACT_MATCH,
}

MESSAGES = {
    NO_MATCH: _("No match. Check the details, try the search tips, then register the learner."),
    TOO_MANY_MATCHES: _(
        "Your search returns more than the maximum number of learners permitted (10). Check the "
        "details and add optional ones (middle names, previous family name, UPN or UCI)."
    ),
    POSSIBLE_MATCHES: _(
        "Possible matches. Check each learner's details carefully before using a ULN."
    ),
    EXACT_MATCH: _("Exact match."),
    REGISTERED: _("Learner successfully registered."),
    UPDATED: _("Learner successfully updated."),
    NO_CHANGES: _("No changes found, therefore the learner was not updated."),
    MASTER_SUBSTITUTED: _(
        "The ULN searched for is linked to a master ULN; the master learner is returned."
    ),
}

REGISTER_WARNING = _(
    "Please confirm that the learner you are about to register is not included in the list of "
    "learners found by the search (send confirm_not_possible_match: true). If there is any "
    "doubt, review the learners on the list. Creating a duplicate ULN causes work for awarding "
    "organisations and everyone else who relies on the ULN."
)


def message_for(code: str) -> str:
    return str(MESSAGES.get(code, ""))


ALREADY_REGISTERED_MESSAGE = _(
    "The learner is already registered: use the ULN returned. No new ULN was issued."
)
