"""The PLR report: the learning events a user ticked, as a PDF in English or Welsh (user guide 5.4).

The PDF is drawn with reportlab in a Unicode TrueType font, so Welsh letters (ŵ, ŷ) print and
the text can be selected, searched and read back by a program. The font is DejaVu Sans from
the operating system (Debian's fonts-dejavu-core; `LRS_PDF_FONT_DIR` points elsewhere), else
reportlab's own Bitstream Vera, which lacks ŵ and ŷ.
"""

from __future__ import annotations

import datetime
import io
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lrs.core.actor import Actor
from lrs.plr.choices import Level, Source
from lrs.plr.models import LearningEvent
from lrs.plr.selectors import list_report_events

LANGUAGES = ("en", "cy")
_FONT = "LrsSans"
_FONT_BOLD = "LrsSans-Bold"


def _font_files() -> tuple[Path, Path]:
    configured = os.environ.get("LRS_PDF_FONT_DIR")
    for folder in filter(None, [configured, "/usr/share/fonts/truetype/dejavu"]):
        regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    bundled = Path(reportlab.__file__).parent / "fonts"
    return bundled / "Vera.ttf", bundled / "VeraBd.ttf"


def _register_fonts() -> None:
    if _FONT in pdfmetrics.getRegisteredFontNames():
        return
    regular, bold = _font_files()
    pdfmetrics.registerFont(TTFont(_FONT, str(regular)))
    pdfmetrics.registerFont(TTFont(_FONT_BOLD, str(bold)))


@dataclass(frozen=True)
class PlrReport:
    reference: str
    file_name: str
    content: bytes
    event_count: int


def new_reference(now: datetime.datetime) -> str:
    """A report's reference, printed on it and kept in the audit row of its creation."""
    return f"PLR-{now:%Y%m%d}-{secrets.token_hex(4).upper()}"


def create_plr_report(
    *, uln: str, actor: Actor, event_ids: Sequence[int] | None, language: str = "en"
) -> PlrReport:
    """The chosen events of a learner's PLR (all when None) as a PDF; audited with its reference.

    The same rules as viewing the PLR apply (role, learner found, ability to share, sensitive
    events left out whatever was ticked).
    """
    language = language if language in LANGUAGES else "en"
    now = timezone.now()
    reference = new_reference(now)
    learner, events = list_report_events(
        uln=uln, actor=actor, event_ids=event_ids, reference=reference
    )
    with translation.override(language):
        content = _draw(
            learner_name=" ".join(
                part
                for part in (learner.given_name, learner.middle_other_name, learner.family_name)
                if part
            ),
            uln=learner.uln,
            date_of_birth=learner.date_of_birth,
            events=events,
            reference=reference,
            generated=timezone.localtime(now),
            organisation=actor.organisation.name,
            language=language,
        )
    return PlrReport(
        reference=reference,
        file_name=f"PLR_{learner.uln}_{now:%Y%m%d}.pdf",
        content=content,
        event_count=len(events),
    )


def draw_report(
    *,
    learner_name: str,
    uln: str,
    date_of_birth: datetime.date,
    events: list[LearningEvent],
    reference: str,
    organisation: str,
    language: str,
    stamp: Sequence[str] = (),
    made_by: str | None = None,
    footnote: str | None = None,
) -> bytes:
    """A PLR report's PDF of events already chosen under someone else's rules (the learner's
    own report, a share link's): the caller has checked who may see them and audited it."""
    language = language if language in LANGUAGES else "en"
    with translation.override(language):
        return _draw(
            learner_name=learner_name,
            uln=uln,
            date_of_birth=date_of_birth,
            events=events,
            reference=reference,
            generated=timezone.localtime(timezone.now()),
            organisation=organisation,
            language=language,
            stamp=[str(line) for line in stamp],
            made_by=None if made_by is None else str(made_by),
            footnote=None if footnote is None else str(footnote),
        )


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "j M Y") if value else ""


def _draw(
    *,
    learner_name: str,
    uln: str,
    date_of_birth: datetime.date,
    events: list[LearningEvent],
    reference: str,
    generated: datetime.datetime,
    organisation: str,
    language: str,
    stamp: Sequence[str] = (),
    made_by: str | None = None,
    footnote: str | None = None,
) -> bytes:
    """The report's PDF. `stamp` lines are printed boxed under the title (a share link's: what
    it is and when it expires); `made_by` and `footnote` replace the organisation's wording
    (the learner's own report)."""
    _register_fonts()
    body = ParagraphStyle("body", fontName=_FONT, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    heading = ParagraphStyle("heading", fontName=_FONT_BOLD, fontSize=18, leading=22)
    subheading = ParagraphStyle("subheading", fontName=_FONT_BOLD, fontSize=12, leading=16)
    cell_bold = ParagraphStyle("cellbold", parent=small, fontName=_FONT_BOLD)

    def text(value: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(value), style)

    title = _("Personal Learning Record")
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{title} – {uln}",
        author=organisation,
        subject=reference,
        lang=language,
    )
    story: list[Flowable] = [text(title, heading), Spacer(1, 4 * mm)]
    if stamp:
        boxed = Table([[text(line)] for line in stamp], colWidths=[250 * mm], hAlign="LEFT")
        boxed.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#f3f2f1")),
                ]
            )
        )
        story += [boxed, Spacer(1, 4 * mm)]
    details = Table(
        [
            [text(_("Name"), cell_bold), text(learner_name)],
            [text(_("ULN"), cell_bold), text(uln)],
            [text(_("Date of birth"), cell_bold), text(_date(date_of_birth))],
        ],
        colWidths=[40 * mm, 120 * mm],
        hAlign="LEFT",
    )
    story += [details, Spacer(1, 6 * mm), text(_("Learning events, in date order"), subheading)]
    header = [
        _("Subject"),
        _("Level"),
        _("Grade"),
        _("Credit"),
        _("Source"),
        _("Start date"),
        _("End date"),
        _("Award date"),
    ]
    rows: list[list[Paragraph]] = [[text(label, cell_bold) for label in header]]
    for event in events:
        subject = f"{event.subject} ({event.subject_code})"
        if event.under_challenge:
            subject += " – " + _("under data challenge")
        rows.append(
            [
                text(subject, small),
                text(str(Level(event.level).label) if event.level else "", small),
                text(event.grade, small),
                text("" if event.credits is None else str(event.credits), small),
                text(str(Source(event.source).label), small),
                text(_date(event.participation_start_date), small),
                text(_date(event.participation_end_date), small),
                text(_date(event.achievement_award_date), small),
            ]
        )
    if not events:
        rows.append(
            [text(_("No learning events were chosen for this report."), small)]
            + [text("", small) for _column in header[1:]]
        )
    table = Table(
        rows,
        colWidths=[85 * mm, 22 * mm, 22 * mm, 18 * mm, 24 * mm, 28 * mm, 28 * mm, 28 * mm],
        repeatRows=1,
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    story += [Spacer(1, 2 * mm), table, Spacer(1, 8 * mm)]
    when = {
        "date": formats.date_format(generated.date(), "j F Y"),
        "time": generated.strftime("%H:%M"),
        "organisation": organisation,
    }
    story.append(
        text(
            (made_by or _("Generated on %(date)s at %(time)s by %(organisation)s.")) % when,
            small,
        )
    )
    story.append(text(_("Report reference: %(reference)s") % {"reference": reference}, small))
    story.append(
        text(
            footnote
            or _(
                "Sensitive learning events are never included. Events marked as under data "
                "challenge are being checked by the Learning Records Service."
            ),
            small,
        )
    )
    document.build(story)
    return buffer.getvalue()
