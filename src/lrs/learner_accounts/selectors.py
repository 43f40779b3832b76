"""What a signed-in learner reads: their own record (sensitive events too) and its access log.

The learner sees every learning event of their record and of the ULNs linked to it, sensitive
ones included (marked as hidden from organisations, who never see them: `lrs.plr.selectors`).
The access log is read from the audit trail: every organisation's read of the learner (PLR,
event, report, credit check, verify learner, find and search results, register details) and
every opening of the learner's share links, newest first, by organisation only, never naming
the organisation's user (as the real ViewAudit).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lrs.core.actor import Actor
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.plr.models import LearningEvent
from lrs.plr.selectors import (
    DEFAULT_SORT,
    linked_learner_ids,
    open_learner_record,
    sort_events,
)

# Every audited action by an organisation that reads or changes this learner's record. A test
# (tests/learner_accounts/test_access_log.py) checks that each action naming a learner is
# either here or in NOT_IN_ACCESS_LOG, so a new kind of read can't be left out unnoticed.
ORGANISATION_READS: dict[str, str] = {
    AuditAction.PLR_VIEWED: "plr_viewed",
    AuditAction.PLR_EVENT_VIEWED: "event_viewed",
    AuditAction.PLR_REPORT_CREATED: "report",
    AuditAction.PLR_VIEW_REFUSED: "plr_refused",
    AuditAction.CREDIT_CHECKED: "credit_check",
    AuditAction.LEARNER_VERIFIED: "verified",
    AuditAction.LEARNER_VIEWED: "details_viewed",
    AuditAction.LEARNER_FOUND_BY_ULN: "found_by_uln",
    AuditAction.LEARNER_SEARCHED_RESULT: "search_result",
    AuditAction.LEARNER_REGISTERED: "registered",
    AuditAction.LEARNER_IMPORTED: "registered",
    AuditAction.LEARNER_UPDATED: "updated",
    AuditAction.BATCH_EXCEPTION_RESOLVED: "exception_resolved",
    AuditAction.LEARNING_EVENT_FLAGGED: "event_flagged",
    AuditAction.PLR_AUDIT_VIEWED: "audit_viewed",
}
SHARE_LINK_READS: dict[str, str] = {
    AuditAction.SHARE_LINK_OPENED: "share_opened",
    AuditAction.SHARE_LINK_REPORT: "share_report",
}
# Audited actions that name a learner but are not someone looking at the record: the learner's
# own doings, and events loaded into the record (shown on the record itself).
NOT_IN_ACCESS_LOG = frozenset(
    {
        AuditAction.LEARNING_EVENTS_IMPORTED,
        AuditAction.ACHIEVEMENTS_SUBMITTED,
        AuditAction.LEARNER_EMAIL_CODE_SENT,
        AuditAction.LEARNER_SIGN_UP_REFUSED,
        AuditAction.LEARNER_ACCOUNT_CREATED,
        AuditAction.LEARNER_SIGNED_IN,
        AuditAction.LEARNER_SIGN_IN_FAILED,
        AuditAction.LEARNER_ACCOUNT_LOCKED,
        AuditAction.LEARNER_PASSWORD_RESET,
        AuditAction.LEARNER_SECOND_FACTOR_ON,
        AuditAction.LEARNER_SECOND_FACTOR_OFF,
        AuditAction.LEARNER_SECOND_FACTOR_VERIFIED,
        AuditAction.LEARNER_SECOND_FACTOR_FAILED,
        AuditAction.LEARNER_RECOVERY_CODES_REPLACED,
        AuditAction.LEARNER_RECORD_REPORT,
        AuditAction.SHARE_LINK_CREATED,
        AuditAction.SHARE_LINK_REVOKED,
        AuditAction.SHARE_LINK_REFUSED,
        # Data challenges and the service desk's repairs: not someone looking at the record.
        # The learner's own reports are on "My reports"; repairs show on the record itself.
        AuditAction.CHALLENGE_RAISED,
        AuditAction.CHALLENGE_STATUS_CHANGED,
        AuditAction.ULN_MERGED,
        AuditAction.ULN_DEMERGED,
        AuditAction.ULN_SPLIT,
        AuditAction.LEARNER_DECEASED,
        AuditAction.LEARNING_EVENT_TRANSFERRED,
        AuditAction.LEARNING_EVENT_CORRECTED,
        AuditAction.LEARNING_EVENT_REMOVED,
        AuditAction.DUPLICATES_FOUND,
        AuditAction.DUPLICATES_QUEUED,
        AuditAction.DUPLICATE_DISMISSED,
        AuditAction.MATCHING_FIT_QUEUED,
        AuditAction.MATCHING_FITTED,
        AuditAction.MATCHING_MODEL_SWITCHED,
    }
)


def _what(kind: str, details: dict[str, Any]) -> str:
    labels = {
        "plr_viewed": _("Viewed your learning record"),
        "event_viewed": _("Viewed a learning event"),
        "report": _("Made a PDF report of your learning record"),
        "plr_refused": _("Tried to view your learning record (refused: privacy notice not seen)"),
        "credit_check": _("Checked an achievement (credit check)"),
        "verified": _("Checked your ULN and details (verify learner)"),
        "details_viewed": _("Viewed your details on the register"),
        "found_by_uln": _("Found you by ULN and names"),
        "search_result": _("Found you in a search by personal details"),
        "registered": _("Registered you"),
        "updated": _("Changed your details"),
        "exception_resolved": _("Matched you to a row of a batch file"),
        "event_flagged": _("Marked a learning event (sensitive or under data challenge)"),
        "audit_viewed": _("Viewed who has looked at your record"),
        "share_opened": _("Opened your share link"),
        "share_report": _("Downloaded the PDF of your share link"),
    }
    if kind == "plr_viewed" and details.get("qualification"):
        return _("Viewed your credits towards a qualification")
    return labels[kind]


@dataclass(frozen=True)
class AccessLogEntry:
    when: datetime.datetime
    who: str  # an organisation's name, or the share link's recipient
    what: str
    channel: str
    by_share_link: bool


def _learner_ids(learner: Learner) -> list[int]:
    return [learner.pk, *linked_learner_ids(learner)]


def access_log_rows(learner: Learner) -> QuerySet[AuditEvent]:
    """The audit rows of the access log, newest first (page them: a record can have many)."""
    return (
        AuditEvent.objects.filter(learner_id__in=_learner_ids(learner))
        .filter(
            Q(action__in=list(ORGANISATION_READS), organisation_id__isnull=False)
            | Q(action__in=list(SHARE_LINK_READS))
        )
        .only("occurred_at", "organisation_name", "action", "channel", "details")
        .order_by("-occurred_at", "-id")
    )


def access_log_entry(row: AuditEvent) -> AccessLogEntry:
    """One row as the learner sees it: organisation, when, what; never the user."""
    if row.action in SHARE_LINK_READS:
        recipient = str(row.details.get("recipient", ""))
        return AccessLogEntry(
            when=row.occurred_at,
            who=_("Someone with your share link for %(recipient)s") % {"recipient": recipient},
            what=_what(SHARE_LINK_READS[row.action], row.details),
            channel=row.channel,
            by_share_link=True,
        )
    return AccessLogEntry(
        when=row.occurred_at,
        who=row.organisation_name,
        what=_what(ORGANISATION_READS[row.action], row.details),
        channel=row.channel,
        by_share_link=False,
    )


# The web services' ViewAudit: entries per page.
ORGANISATION_ACCESS_LOG_PAGE_SIZE = 20


@dataclass(frozen=True)
class AccessLogPage:
    """One page of a learner's access log, as an organisation reads it (ViewAudit)."""

    entries: list[AccessLogEntry]
    page: int  # 1 is the newest
    page_count: int
    page_size: int
    total: int


def organisation_access_log(
    *, uln: str, actor: Actor, given_name: str = "", family_name: str = "", page: int = 1
) -> AccessLogPage:
    """A learner's access log for an organisation (the web services' ViewAudit): the same
    entries the learner sees in their portal, by organisation and never by user, newest first.

    The PLR's rules apply (`open_learner_record`: the PLR viewer role, a learner the
    organisation has found, their names, privacy notice seen); a linked ULN gives the master's
    log, which takes in the linked ULNs'. The reading is audited, so it is in the log too.
    """
    learner, _incoming, _code = open_learner_record(
        uln=uln,
        actor=actor,
        given_name=given_name,
        family_name=family_name,
        action=AuditAction.PLR_AUDIT_VIEWED,
        details={"page": page},
    )
    paginator = Paginator(access_log_rows(learner), ORGANISATION_ACCESS_LOG_PAGE_SIZE)
    number = min(max(page, 1), paginator.num_pages)
    return AccessLogPage(
        entries=[access_log_entry(row) for row in paginator.page(number).object_list],
        page=number,
        page_count=paginator.num_pages,
        page_size=ORGANISATION_ACCESS_LOG_PAGE_SIZE,
        total=paginator.count,
    )


def my_events(
    learner: Learner, *, sort: str = DEFAULT_SORT, descending: bool = True
) -> QuerySet[LearningEvent]:
    """Every event of the learner's record and its linked ULNs', sensitive ones included."""
    events = LearningEvent.objects.filter(learner_id__in=_learner_ids(learner))
    return sort_events(events, sort=sort, descending=descending)


def my_event(learner: Learner, event_id: int) -> LearningEvent | None:
    return LearningEvent.objects.filter(learner_id__in=_learner_ids(learner), pk=event_id).first()
