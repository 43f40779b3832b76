"""The return code each row of a batch file gets in the output file (DESIGN 3.5).

RC011, RC012 and RC013 are the real service's codes (reference/lrs-domain.md section 4); the
real service also uses RC006-RC008 for match exceptions and RC009-RC013 for data errors, which
this table follows. The rest of the numbering is ours, documented here and in docs/batches.md.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class Outcome(enum.Enum):
    """How the real service counts a row in the batch's totals (BatchOutputResp)."""

    NEW = "new"  # NewLearnersCount
    FOUND = "found"  # ExistsUpdatedLearnersCount
    POSSIBLE = "possible"  # PossibleMatchLearnersCount
    NOT_FOUND = "not_found"  # LearnersNotFoundCount
    REJECTED = "rejected"  # RejectedLearnersCount


@dataclass(frozen=True)
class ReturnCode:
    code: str
    outcome: Outcome
    exception: bool  # the row becomes an exception to resolve in the portal
    meaning: StrPromise


RC001 = "RC001"
RC002 = "RC002"
RC003 = "RC003"
RC004 = "RC004"
RC005 = "RC005"
RC006 = "RC006"
RC007 = "RC007"
RC008 = "RC008"
RC009 = "RC009"
RC010 = "RC010"
RC011 = "RC011"
RC012 = "RC012"
RC013 = "RC013"

TABLE: dict[str, ReturnCode] = {
    rc.code: rc
    for rc in (
        ReturnCode(RC001, Outcome.FOUND, False, _("Learner found: one exact match, ULN returned.")),
        ReturnCode(RC002, Outcome.NEW, False, _("New learner registered: new ULN returned.")),
        ReturnCode(
            RC003, Outcome.FOUND, False, _("ULN supplied and confirmed: it matches the details.")
        ),
        ReturnCode(
            RC004,
            Outcome.FOUND,
            False,
            _("Learner found under a linked ULN: the master ULN is returned."),
        ),
        ReturnCode(
            RC005,
            Outcome.NOT_FOUND,
            False,
            _("Learner not found (check only: nothing was registered)."),
        ),
        ReturnCode(
            RC006,
            Outcome.POSSIBLE,
            True,
            _("Too many matches: more than 10 learners match. Check the details."),
        ),
        ReturnCode(
            RC007,
            Outcome.POSSIBLE,
            True,
            _("Possible match: choose the learner, or register a new one, in the portal."),
        ),
        ReturnCode(
            RC008,
            Outcome.POSSIBLE,
            True,
            _("The ULN supplied does not match the learner's details."),
        ),
        ReturnCode(
            RC009,
            Outcome.REJECTED,
            False,
            _("Not registered: key information identical to a registered learner."),
        ),
        ReturnCode(
            RC010,
            Outcome.REJECTED,
            False,
            _("Duplicate row: the same MIS identifier appears earlier in the file."),
        ),
        ReturnCode(RC011, Outcome.REJECTED, False, _("Incorrect format.")),
        ReturnCode(
            RC012, Outcome.REJECTED, False, _("Incorrect identifier format (ULN, UPN or UCI).")
        ),
        ReturnCode(
            RC013,
            Outcome.REJECTED,
            False,
            _("Learner outside the permitted age range (13 to 110)."),
        ),
    )
}


def outcome_of(code: str) -> Outcome:
    return TABLE[code].outcome


def is_exception(code: str) -> bool:
    return TABLE[code].exception


def repeats_meaning(code: str, message: str) -> bool:
    """Whether a row's message says no more than its code's meaning.

    Rows store the meaning in the language their worker ran in (the service's default), and
    pages show it in the reader's: a message that repeats it in either adds no details.
    """
    entry = TABLE.get(code)
    if entry is None or not message:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        stored = str(entry.meaning)
    return message in {stored, str(entry.meaning)}
