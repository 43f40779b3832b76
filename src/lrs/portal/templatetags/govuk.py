"""Template tags that render Django form fields as GOV.UK Design System components.

``{% load govuk %}`` then ``{% govuk_field form.name %}``, ``{% govuk_error_summary form %}``
and ``{% govuk_button text %}``. Sub-templates live in ``templates/govuk/`` and are loaded
through the engine rendering the calling template, so any Django template engine works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField
from django.forms.utils import flatatt
from django.template import Context, Engine
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from lrs.portal.forms.fields import date_parts_at_fault
from lrs.portal.forms.widgets import DATE_PARTS, GovukDateWidget, date_part_id

register = template.Library()

FIXED_WIDTHS = frozenset({"2", "3", "4", "5", "10", "20", "30"})
FLUID_WIDTHS = frozenset(
    {"full", "three-quarters", "two-thirds", "one-half", "one-third", "one-quarter"}
)
SIZES = frozenset({"s", "m", "l", "xl"})
# Attributes the templates write themselves rather than copy from ``widget.attrs``.
_OWN_ATTRS = frozenset({"id", "name", "type", "value", "class", "aria-describedby", "rows", "cols"})

Values = dict[str, Any]


@dataclass(frozen=True)
class FieldOptions:
    """The options of ``{% govuk_field %}``."""

    label: str | None = None
    hint: str | None = None
    label_class: str = ""
    legend_class: str = ""
    size: str = ""
    width: str | int | None = None
    inline: bool = False
    is_page_heading: bool = False
    autocomplete: str | None = None
    spellcheck: bool | None = None
    rows: int | None = None


def field_id(field: BoundField) -> str:
    """The id the field's markup is built around (Django's ``auto_id``, else its name)."""
    return field.field.widget.attrs.get("id") or field.auto_id or field.html_name


def first_input_id(field: BoundField) -> str:
    """The id of the input an error summary should link to for this field."""
    base_id = field_id(field)
    widget = field.field.widget
    if isinstance(widget, GovukDateWidget):
        return date_part_id(base_id, (date_parts_at_fault(field.errors) or DATE_PARTS)[0])
    if isinstance(widget, forms.RadioSelect):  # and CheckboxSelectMultiple
        return f"{base_id}_0"
    return base_id


def _join(*names: str) -> str:
    return " ".join(name for name in names if name)


def _width_class(width: str | int | None, *, fixed: bool) -> str:
    if width is None or width == "":
        return ""
    width = str(width)
    if width in FLUID_WIDTHS:
        return f"govuk-!-width-{width}"
    if fixed and width in FIXED_WIDTHS:
        return f"govuk-input--width-{width}"
    raise ValueError(f"govuk_field: unsupported width {width!r}")


def _size(options: FieldOptions, own_class: str) -> str:
    if options.size and options.size not in SIZES:
        raise ValueError(f"govuk_field: unsupported size {options.size!r}")
    if not options.size and options.is_page_heading and not own_class:
        return "l"
    return options.size


def _base(field: BoundField, options: FieldOptions, *, optional: bool = True) -> Values:
    """What every component needs: ids, label, hint, errors and aria-describedby."""
    base_id = field_id(field)
    hint = field.help_text if options.hint is None else options.hint
    errors = list(field.errors)
    hint_id = f"{base_id}-hint" if hint else ""
    error_id = f"{base_id}-error" if errors else ""
    label = field.label if options.label is None else options.label
    # Search forms, where every box is optional, set `mark_optional_fields = False`.
    marks_optional = getattr(field.form, "mark_optional_fields", True)
    if optional and marks_optional and not field.field.required:
        label = format_html(gettext("{label} (optional)"), label=label)
    label_size = _size(options, options.label_class)
    legend_size = _size(options, options.legend_class)
    widget = field.field.widget
    return {
        "id": base_id,
        "name": field.html_name,
        "label": label,
        "label_class": _join(label_size and f"govuk-label--{label_size}", options.label_class),
        "legend_class": _join(
            legend_size and f"govuk-fieldset__legend--{legend_size}", options.legend_class
        ),
        "is_page_heading": options.is_page_heading,
        "hint": hint,
        "hint_id": hint_id,
        "errors": errors,
        "error_id": error_id,
        "error_prefix": gettext("Error:"),
        "described_by": _join(widget.attrs.get("aria-describedby", ""), hint_id, error_id),
        "disabled": field.field.disabled,
    }


def _attrs(field: BoundField, options: FieldOptions, **extra: Any) -> SafeString:
    """Other attributes of the widget, plus the tag's autocomplete and spellcheck."""
    attrs = {k: v for k, v in field.field.widget.attrs.items() if k not in _OWN_ATTRS}
    if field.field.disabled:
        attrs["disabled"] = True
    if options.autocomplete is not None:
        attrs["autocomplete"] = options.autocomplete
    if options.spellcheck is not None:
        attrs["spellcheck"] = "true" if options.spellcheck else "false"
    attrs.update(extra)
    return flatatt(attrs)


def _choices(field: BoundField, base_id: str) -> list[Values]:
    """Options grouped as the widget groups them; option ids are ``<id>_0``, ``<id>_1``..."""
    widget = field.field.widget
    selected = widget.format_value(field.value())
    groups: list[Values] = []
    index = 0
    for group_name, options, _index in widget.optgroups(field.html_name, selected):
        items = []
        for option in options:
            items.append(
                {
                    "id": f"{base_id}_{index}",
                    "value": str(option["value"]),
                    "label": option["label"],
                    "selected": option["selected"],
                }
            )
            index += 1
        groups.append({"label": group_name, "options": items})
    return groups


def _input(field: BoundField, options: FieldOptions) -> tuple[str, Values]:
    widget = field.field.widget
    value = field.value()
    if isinstance(widget, forms.PasswordInput) and not widget.render_value:
        value = None
    values = _base(field, options)
    values.update(
        type=widget.input_type,
        value=widget.format_value(value),
        input_class=_join(_width_class(options.width, fixed=True), widget.attrs.get("class", "")),
        attrs=_attrs(field, options),
    )
    return "govuk/input.html", values


def _textarea(field: BoundField, options: FieldOptions) -> tuple[str, Values]:
    widget = field.field.widget
    values = _base(field, options)
    values.update(
        value=widget.format_value(field.value()) or "",
        rows=options.rows or widget.attrs.get("rows") or 5,
        input_class=_join(_width_class(options.width, fixed=False), widget.attrs.get("class", "")),
        attrs=_attrs(field, options),
    )
    return "govuk/textarea.html", values


def _select(field: BoundField, options: FieldOptions) -> tuple[str, Values]:
    widget = field.field.widget
    values = _base(field, options)
    multiple = {"multiple": True} if widget.allow_multiple_selected else {}
    values.update(
        groups=_choices(field, values["id"]),
        input_class=_join(_width_class(options.width, fixed=False), widget.attrs.get("class", "")),
        attrs=_attrs(field, options, **multiple),
    )
    return "govuk/select.html", values


def _file_upload(field: BoundField, options: FieldOptions) -> tuple[str, Values]:
    values = _base(field, options)
    values.update(attrs=_attrs(field, options))
    return "govuk/file_upload.html", values


def _choice_group(
    field: BoundField, options: FieldOptions, body: str, *, inline: bool = False
) -> tuple[str, Values]:
    values = _base(field, options, optional=False)
    items = [item for group in _choices(field, values["id"]) for item in group["options"]]
    values.update(fieldset_body=body, items=items, inline=inline, attrs=_attrs(field, options))
    return "govuk/fieldset.html", values


def _radios(field: BoundField, options: FieldOptions) -> tuple[str, Values]:
    return _choice_group(field, options, "govuk/radios.html", inline=options.inline)


def _checkboxes(field: BoundField, options: FieldOptions) -> tuple[str, Values]:
    return _choice_group(field, options, "govuk/checkboxes.html")


def _checkbox(field: BoundField, options: FieldOptions) -> tuple[str, Values]:
    widget = field.field.widget
    values = _base(field, options, optional=False)
    value = field.value()
    item = {
        "id": values["id"],
        "value": widget.format_value(value) or "true",
        "label": values["label"],
        "selected": widget.check_test(value),
        "described_by": values["described_by"],
        "label_class": options.label_class,
    }
    values.update(items=[item], attrs=_attrs(field, options))
    return "govuk/checkbox.html", values


def _date_input(field: BoundField, options: FieldOptions) -> tuple[str, Values]:
    widget = field.field.widget
    values = _base(field, options)
    raw = field.value()
    raw = list(raw) if isinstance(raw, list | tuple) else widget.decompress(raw)
    faulty = date_parts_at_fault(field.errors)
    labels = {"day": gettext("Day"), "month": gettext("Month"), "year": gettext("Year")}
    parts = []
    for index, (part, suffix) in enumerate(zip(DATE_PARTS, widget.widgets_names, strict=True)):
        value = raw[index] if index < len(raw) else None
        autocomplete = f"{options.autocomplete}-{part}" if options.autocomplete else None
        parts.append(
            {
                "id": date_part_id(values["id"], part),
                "name": field.html_name + suffix,
                "label": labels[part],
                "value": "" if value is None else str(value),
                "width": 4 if part == "year" else 2,
                "error": part in faulty,
                "attrs": flatatt({"autocomplete": autocomplete, "disabled": values["disabled"]}),
            }
        )
    values.update(fieldset_body="govuk/date_input.html", fieldset_role="group", parts=parts)
    return "govuk/fieldset.html", values


Builder = Callable[[BoundField, FieldOptions], tuple[str, Values]]
# Checked in order: subclasses before the classes they extend.
_BUILDERS: tuple[tuple[type[forms.Widget], Builder], ...] = (
    (GovukDateWidget, _date_input),
    (forms.CheckboxSelectMultiple, _checkboxes),
    (forms.RadioSelect, _radios),
    (forms.CheckboxInput, _checkbox),
    (forms.Select, _select),
    (forms.FileInput, _file_upload),
    (forms.Textarea, _textarea),
    (forms.widgets.Input, _input),
)


def _render(context: Context, template_name: str, values: Values) -> SafeString:
    engine = context.template.engine if context.template is not None else Engine.get_default()
    return engine.get_template(template_name).render(context.new(values))


@register.simple_tag(takes_context=True)
def govuk_field(
    context: Context,
    field: BoundField,
    *,
    label: str | None = None,
    hint: str | None = None,
    label_class: str = "",
    legend_class: str = "",
    size: str = "",
    width: str | int | None = None,
    inline: bool = False,
    is_page_heading: bool = False,
    autocomplete: str | None = None,
    spellcheck: bool | None = None,
    rows: int | None = None,
) -> SafeString:
    """Render a bound field as the GOV.UK component matching its widget."""
    widget = field.field.widget
    if isinstance(widget, forms.HiddenInput):
        return field.as_widget()
    options = FieldOptions(
        label=label,
        hint=hint,
        label_class=label_class,
        legend_class=legend_class,
        size=size,
        width=width,
        inline=inline,
        is_page_heading=is_page_heading,
        autocomplete=autocomplete,
        spellcheck=spellcheck,
        rows=rows,
    )
    for widget_class, build in _BUILDERS:
        if isinstance(widget, widget_class):
            return _render(context, *build(field, options))
    raise TypeError(f"govuk_field does not support {type(widget).__name__}")


def _summary_items(form: Any) -> list[Values]:
    if form is None or isinstance(form, str):  # a missing template variable gives ""
        return []
    if hasattr(form, "forms"):  # a formset
        items = [{"text": error, "href": ""} for error in form.non_form_errors()]
        for subform in form.forms:
            items += _summary_items(subform)
        return items
    items = [{"text": error, "href": ""} for error in form.non_field_errors()]
    for field in form:
        href = "" if field.is_hidden else f"#{first_input_id(field)}"
        items += [{"text": error, "href": href} for error in field.errors]
    return items


@register.simple_tag(takes_context=True)
def govuk_error_summary(context: Context, *forms_: Any, title: str | None = None) -> str:
    """List the errors of the given forms (or formsets); nothing when there are none."""
    items = [item for form in forms_ for item in _summary_items(form)]
    if not items:
        return ""
    values = {"title": title or gettext("There is a problem"), "items": items}
    return _render(context, "govuk/error_summary.html", values)


@register.simple_tag(takes_context=True)
def govuk_button(
    context: Context,
    text: str,
    *,
    secondary: bool = False,
    warning: bool = False,
    name: str | None = None,
    value: str | None = None,
    href: str | None = None,
    button_type: str = "submit",
    disabled: bool = False,
    prevent_double_click: bool = False,
    classes: str = "",
) -> SafeString:
    """A submit button, or a link (``href``) that looks like one."""
    if secondary and warning:
        raise ValueError("govuk_button: choose secondary or warning, not both")
    modifier = "govuk-button--secondary" if secondary else ""
    modifier = "govuk-button--warning" if warning else modifier
    values = {
        "text": text,
        "classes": _join("govuk-button", modifier, classes),
        "name": name or None,
        "value": None if value is None or value == "" else value,
        "href": href or None,
        "type": button_type,
        "disabled": disabled,
        "prevent_double_click": prevent_double_click,
    }
    return _render(context, "govuk/button.html", values)


@register.filter
def govuk_has_errors(form: Any) -> bool:
    """Whether a form or formset has any error (for the page title's "Error: " prefix)."""
    if form is None or isinstance(form, str):
        return False
    if hasattr(form, "total_error_count"):
        return form.total_error_count() > 0
    return bool(form.errors)
