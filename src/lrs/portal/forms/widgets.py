"""Widgets for GOV.UK-style forms."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

DATE_PARTS: tuple[str, str, str] = ("day", "month", "year")


def date_part_id(base_id: str, part: str) -> str:
    """The id of one part of a date input, e.g. ``id_dob-day``."""
    return f"{base_id}-{part}"


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year text boxes named ``<name>_day``, ``<name>_month``, ``<name>_year``.

    Their ids are ``<id>-day``, ``<id>-month`` and ``<id>-year``.
    """

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            part: forms.TextInput(attrs={"inputmode": "numeric"}) for part in DATE_PARTS
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[str | None]:
        """Split a date into its parts (all ``None`` when there is no date)."""
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        base_id = context["widget"]["attrs"].get("id")
        if base_id:
            for part, subwidget in zip(DATE_PARTS, context["widget"]["subwidgets"], strict=True):
                subwidget["attrs"]["id"] = date_part_id(base_id, part)
        return context

    def id_for_label(self, id_: str) -> str:
        return date_part_id(id_, "day") if id_ else ""
