"""The learner's own PLR report, and a share link's, drawn as the organisations' report is
(`lrs.plr.reports`), with wording for who made it and, for a share link, a stamp saying what it
is and when it expires."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from lrs.core.actor import Channel
from lrs.core.audit import AuditAction, record_outside_audit
from lrs.learner_accounts.models import LearnerAccount
from lrs.learner_accounts.selectors import my_events
from lrs.learner_accounts.sharing import SharedRecord, open_share_link
from lrs.learners.models import Learner
from lrs.plr.reports import LANGUAGES, PlrReport, draw_report, new_reference
from lrs.plr.selectors import report_order


def _name(learner: Learner) -> str:
    parts = (learner.given_name, learner.middle_other_name, learner.family_name)
    return " ".join(part for part in parts if part)


def create_my_report(
    *, account: LearnerAccount, event_ids: Sequence[int] | None, language: str = "en"
) -> PlrReport:
    """The learner's chosen events (all when None), sensitive ones included if chosen."""
    language = language if language in LANGUAGES else "en"
    learner = account.learner
    now = timezone.now()
    reference = new_reference(now)
    events = my_events(learner)
    if event_ids is not None:
        events = events.filter(pk__in=list(event_ids))
    chosen = list(report_order(events))
    record_outside_audit(
        action=AuditAction.LEARNER_RECORD_REPORT,
        channel=Channel.LEARNER,
        learner=learner,
        label="learner",
        details={"reference": reference, "events": len(chosen)},
    )
    with translation.override(language):
        made_by = _("Made on %(date)s at %(time)s by the learner, from their own record.")
        footnote = _(
            "The learner chose the learning events in this report. Events marked as under "
            "data challenge are being checked by the Learning Records Service."
        )
    content = draw_report(
        learner_name=_name(learner),
        uln=learner.uln,
        date_of_birth=learner.date_of_birth,
        events=chosen,
        reference=reference,
        organisation="",
        language=language,
        made_by=made_by,
        footnote=footnote,
    )
    return PlrReport(
        reference=reference,
        file_name=f"PLR_{learner.uln}_{now:%Y%m%d}.pdf",
        content=content,
        event_count=len(chosen),
    )


def create_shared_report(*, token: str, language: str = "en") -> tuple[SharedRecord, PlrReport]:
    """A share link's PDF, stamped with what it is and when the link expires (audited)."""
    language = language if language in LANGUAGES else "en"
    shared = open_share_link(token=token, pdf=True)
    learner = shared.link.learner
    now = timezone.now()
    reference = new_reference(now)
    expires = timezone.localtime(shared.link.expires_at)
    with translation.override(language):
        stamp = [
            _(
                "Shared by the learner with %(recipient)s through a share link of the Learning "
                "Records Service. It shows only the learning events the learner chose."
            )
            % {"recipient": shared.link.recipient},
            _("The link expires on %(date)s at %(time)s. Open it to check this report.")
            % {"date": formats.date_format(expires.date(), "j F Y"), "time": f"{expires:%H:%M}"},
        ]
        made_by = _("Made on %(date)s at %(time)s from a learner's share link.")
        footnote = _(
            "Events marked as under data challenge are being checked by the Learning Records "
            "Service."
        )
    content = draw_report(
        learner_name=shared.learner_name,
        uln=learner.uln,
        date_of_birth=learner.date_of_birth,
        events=shared.events,
        reference=reference,
        organisation="",
        language=language,
        stamp=stamp,
        made_by=made_by,
        footnote=footnote,
    )
    report = PlrReport(
        reference=reference,
        file_name=f"PLR_shared_{now:%Y%m%d}.pdf",
        content=content,
        event_count=len(shared.events),
    )
    return shared, report
