"""The PLR's table of learning events as the portal draws it, for organisations (plr views)
and for the learner (learner portal): the columns (user guide 5.3), each sortable both ways,
an event's row, and an event as a choice on a form (the report, a share link, a problem)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from lrs.plr.choices import SOURCE_DESCRIPTIONS, Level, Source
from lrs.plr.models import LearningEvent
from lrs.plr.selectors import DEFAULT_SORT, SORT_FIELDS

COLUMNS = ["subject", "level", "grade", "credits", "source", "start", "end", "award"]


def column_labels() -> dict[str, str]:
    return {
        "subject": _("Subject"),
        "level": _("Level"),
        "grade": _("Grade"),
        "credits": _("Credit"),
        "source": _("Source"),
        "start": _("Start date"),
        "end": _("End date"),
        "award": _("Award date"),
    }


def requested_sort(request: HttpRequest) -> tuple[str, bool]:
    """The column and direction asked for (`?sort=…&order=…`); an unknown column is the default."""
    sort = request.GET.get("sort", DEFAULT_SORT)
    sort = sort if sort in SORT_FIELDS else DEFAULT_SORT
    descending = request.GET.get("order", "desc" if sort == DEFAULT_SORT else "asc") == "desc"
    return sort, descending


def sort_headers(sort: str, *, descending: bool) -> list[dict[str, str]]:
    """Each column's heading with its link: the first select sorts ascending, the second
    descending (user guide 5.3)."""
    labels = column_labels()
    headers = []
    for key in COLUMNS:
        current = key == sort
        next_order = "desc" if current and not descending else "asc"
        headers.append(
            {
                "label": labels[key],
                "href": "?sort=" + key + "&order=" + next_order,
                "aria_sort": ("descending" if descending else "ascending") if current else "none",
            }
        )
    return headers


def event_row(event: LearningEvent, href: str) -> dict[str, Any]:
    return {
        "event": event,
        "level": Level(event.level).label if event.level else "",
        "source": Source(event.source).label,
        "source_description": SOURCE_DESCRIPTIONS[Source(event.source)],
        "href": href,
    }


def event_choice_label(event: LearningEvent) -> str:
    """An event as a line of a form's choices: subject, code and its award or end date."""
    when = event.achievement_award_date or event.participation_end_date
    label = f"{event.subject} ({event.subject_code})"
    if when:
        label += f" – {when:%d/%m/%Y}"
    return label
