"""Form fields that follow the GOV.UK Design System's error message patterns."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.forms.utils import ErrorList, pretty_name
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lrs.portal.forms.widgets import DATE_PARTS, GovukDateWidget

# Error codes that concern only some parts of a date; any other code concerns all three.
DATE_ERROR_PARTS: dict[str, tuple[str, ...]] = {
    "missing_day": ("day",),
    "missing_month": ("month",),
    "missing_year": ("year",),
    "missing_day_month": ("day", "month"),
    "missing_day_year": ("day", "year"),
    "missing_month_year": ("month", "year"),
    "year_digits": ("year",),
}


def lower_first(text: str) -> str:
    """Lowercase the first letter for use mid-sentence, leaving acronyms ("ULN") alone."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def date_parts_at_fault(errors: ErrorList) -> tuple[str, ...]:
    """The parts of a date input to highlight for these errors (none when no errors)."""
    faulty: set[str] = set()
    for error in errors.as_data():
        parts = DATE_ERROR_PARTS.get(error.code or "")
        if parts is None:
            return DATE_PARTS
        faulty.update(parts)
    return tuple(part for part in DATE_PARTS if part in faulty)


class GovukDateField(forms.MultiValueField):
    """A date entered as day, month and year, cleaned to a ``datetime.date``.

    Messages use ``error_label`` (default: the field's label), e.g. "Enter date of birth".
    With ``not_in_future=True`` dates after today are refused.
    """

    widget = GovukDateWidget
    default_error_messages = {
        "required": _("Enter %(label_lower)s"),
        "missing_day": _("%(label)s must include a day"),
        "missing_month": _("%(label)s must include a month"),
        "missing_year": _("%(label)s must include a year"),
        "missing_day_month": _("%(label)s must include a day and month"),
        "missing_day_year": _("%(label)s must include a day and year"),
        "missing_month_year": _("%(label)s must include a month and year"),
        "invalid": _("%(label)s must be a real date"),
        "year_digits": _("Year must include 4 numbers"),
        "future": _("%(label)s must be in the past"),
    }

    def __init__(
        self, *, not_in_future: bool = False, error_label: str | None = None, **kwargs: Any
    ) -> None:
        fields = tuple(forms.CharField(required=False) for _part in DATE_PARTS)
        super().__init__(fields=fields, require_all_fields=False, **kwargs)
        self.not_in_future = not_in_future
        self.error_label = error_label
        self._name_label: str | None = None

    def get_bound_field(self, form: forms.BaseForm, field_name: str) -> BoundField:
        # Remember the name so that messages have a label even when none was given.
        self._name_label = pretty_name(field_name)
        return super().get_bound_field(form, field_name)

    def compress(self, data_list: Sequence[Any]) -> datetime.date | None:
        if not data_list or not any(data_list):
            return None
        return self._to_date(*self._parts(data_list))

    def clean(self, value: Any) -> datetime.date | None:
        if isinstance(value, datetime.date):  # a disabled field's initial value
            return value
        parts = self._parts(value)
        if not any(parts):
            if self.required:
                raise self._error("required")
            return None
        missing = [name for name, part in zip(DATE_PARTS, parts, strict=True) if not part]
        if missing:
            raise self._error("missing_" + "_".join(missing))
        date = self._to_date(*parts)
        if self.not_in_future and date > timezone.localdate():
            raise self._error("future")
        self.run_validators(date)
        return date

    def _parts(self, value: Any) -> tuple[str, str, str]:
        values = list(value) if isinstance(value, list | tuple) else []
        values += [None] * (3 - len(values))
        day, month, year = ("" if v is None else str(v).strip() for v in values[:3])
        return day, month, year

    def _to_date(self, day: str, month: str, year: str) -> datetime.date:
        if not all(part.isascii() and part.isdecimal() for part in (day, month, year)):
            raise self._error("invalid")
        if len(year) != 4:
            raise self._error("year_digits")
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise self._error("invalid") from None

    def _error(self, code: str) -> ValidationError:
        label = str(self.error_label or self.label or self._name_label or gettext("Date"))
        params = {"label": capfirst(label), "label_lower": lower_first(label)}
        return ValidationError(self.error_messages[code], code=code, params=params)
