"""What the web services say with each response code (WSRC): the codes themselves are defined
once, in `lrs.learners.response_codes`."""

from django.utils.translation import gettext_lazy as _

from lrs.learners.response_codes import ResponseCode
from lrs.matching import MatchKind

FOR_MATCH_KIND = {
    MatchKind.NONE: ResponseCode.NO_MATCH,
    MatchKind.TOO_MANY: ResponseCode.TOO_MANY_MATCHES,
    MatchKind.POSSIBLE: ResponseCode.POSSIBLE_MATCHES,
    MatchKind.EXACT: ResponseCode.EXACT_MATCH,
}

MESSAGES = {
    ResponseCode.NO_MATCH: _(
        "No match. Check the details, try the search tips, then register the learner."
    ),
    ResponseCode.TOO_MANY_MATCHES: _(
        "Your search returns more than the maximum number of learners permitted (10). Check the "
        "details and add optional ones (middle names, previous family name, UPN or UCI)."
    ),
    ResponseCode.POSSIBLE_MATCHES: _(
        "Possible matches. Check each learner's details carefully before using a ULN."
    ),
    ResponseCode.EXACT_MATCH: _("Exact match."),
    ResponseCode.REGISTERED: _("Learner successfully registered."),
    ResponseCode.UPDATED: _("Learner successfully updated."),
    ResponseCode.NO_CHANGES: _("No changes found, therefore the learner was not updated."),
    ResponseCode.MASTER_SUBSTITUTED: _(
        "The ULN searched for is linked to a master ULN; the master learner is returned."
    ),
}

REGISTER_WARNING = _(
    "Please confirm that the learner you are about to register is not included in the list of "
    "learners found by the search (send confirm_not_possible_match: true). If there is any "
    "doubt, review the learners on the list. Creating a duplicate ULN causes work for awarding "
    "organisations and everyone else who relies on the ULN."
)


def message_for(code: ResponseCode) -> str:
    return str(MESSAGES.get(code, ""))


ALREADY_REGISTERED_MESSAGE = _(
    "The learner is already registered: use the ULN returned. No new ULN was issued."
)
