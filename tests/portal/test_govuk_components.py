"""The GOV.UK form library: the date field's cleaning and the markup of each component."""

from __future__ import annotations

import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Engine
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict
from django.utils.functional import Promise
from django.utils.html import escape

from lrs.portal.forms import GovukDateField, GovukDateWidget
from lrs.portal.forms.fields import lower_first
from lrs.portal.templatetags import govuk

TEMPLATES = Path(govuk.__file__).resolve().parent.parent / "templates"
DOB = "date_of_birth"


# -- helpers ---------------------------------------------------------------------------------


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.text = ""

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def describedby(self) -> list[str]:
        return (self.attrs.get("aria-describedby") or "").split()


class Parsed(HTMLParser):
    """Every element of a fragment, in order, with the text directly inside it."""

    VOID = frozenset({"input", "br", "img", "meta", "link"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop().tag == tag:
                break

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def all(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag
            and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str, **attrs: str) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}>"
        return found[0]

    def by_id(self, id_: str) -> Element:
        found = [e for e in self.elements if e.attrs.get("id") == id_]
        assert len(found) == 1, f"{len(found)} elements with id {id_!r}"
        return found[0]

    def ids(self) -> set[str]:
        return {e.attrs["id"] or "" for e in self.elements if "id" in e.attrs}


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def engine() -> Engine:
    return Engine(dirs=[str(TEMPLATES)], libraries={"govuk": "lrs.portal.templatetags.govuk"})


def render(engine: Engine, source: str, **context: Any) -> str:
    return engine.from_string("{% load govuk %}" + source).render(Context(context))


def field_html(engine: Engine, form: forms.BaseForm, name: str, options: str = "") -> Parsed:
    return Parsed(render(engine, f"{{% govuk_field form.{name} {options} %}}", form=form))


COLOURS = [("red", "Red"), ("green", "Green"), ("blue", "Blue")]


class PersonForm(forms.Form):
    given_name = forms.CharField(
        label="Given name", help_text="As shown on your passport", max_length=35
    )
    middle_name = forms.CharField(label="Middle name", required=False)
    email = forms.EmailField(label="Email address")
    age = forms.IntegerField(label="Age", required=False)
    website = forms.URLField(label="Website", required=False, assume_scheme="https")
    password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    notes = forms.CharField(label="Notes", widget=forms.Textarea, required=False)
    country = forms.ChoiceField(label="Country", choices=[("", "Choose"), ("wales", "Wales")])
    colour = forms.ChoiceField(label="Colour", choices=COLOURS, widget=forms.RadioSelect)
    pets = forms.MultipleChoiceField(
        label="Pets",
        choices=[("cat", "Cat"), ("dog", "Dog")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    agree = forms.BooleanField(label="I agree to the terms")
    date_of_birth = GovukDateField(
        label="Date of birth", help_text="For example, 27 3 2007", not_in_future=True
    )
    evidence = forms.FileField(label="Evidence", required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("given_name") == "Nobody":
            raise ValidationError("We cannot find that person")
        return cleaned


def dob(day: str, month: str, year: str) -> dict[str, str]:
    return {f"{DOB}_day": day, f"{DOB}_month": month, f"{DOB}_year": year}


VALID = {
    "given_name": "Megan",
    "email": "megan@example.org",
    "password": "secret",
    "country": "wales",
    "colour": "green",
    "agree": "true",
    **dob("12", "4", "2009"),
}


# -- the date field --------------------------------------------------------------------------


def clean_date(day: str, month: str, year: str, **field_options: Any) -> datetime.date | None:
    class DateForm(forms.Form):
        date_of_birth = GovukDateField(label="Date of birth", **field_options)

    form = DateForm(data=dob(day, month, year))
    if not form.is_valid():
        raise ValidationError(list(form.errors[DOB]))
    return form.cleaned_data[DOB]


def date_errors(day: str, month: str, year: str, **field_options: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        clean_date(day, month, year, **field_options)
    return caught.value.messages


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("12", "4", "2009"), datetime.date(2009, 4, 12)),
        (("01", "04", "2009"), datetime.date(2009, 4, 1)),
        ((" 29 ", " 2 ", " 2008 "), datetime.date(2008, 2, 29)),
    ],
)
def test_date_cleans_to_a_date(parts: tuple[str, str, str], expected: datetime.date) -> None:
    assert clean_date(*parts) == expected


def test_blank_date_is_required_or_none() -> None:
    assert date_errors("", "", "") == ["Enter date of birth"]
    assert date_errors(" ", "", " ") == ["Enter date of birth"]
    assert clean_date("", "", "", required=False) is None


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("", "4", "2009"), "Date of birth must include a day"),
        (("12", "", "2009"), "Date of birth must include a month"),
        (("12", "4", ""), "Date of birth must include a year"),
        (("", "", "2009"), "Date of birth must include a day and month"),
        (("", "4", ""), "Date of birth must include a day and year"),
        (("12", "", ""), "Date of birth must include a month and year"),
    ],
)
def test_missing_parts_are_named(parts: tuple[str, str, str], message: str) -> None:
    assert date_errors(*parts) == [message]
    assert date_errors(*parts, required=False) == [message]


@pytest.mark.parametrize(
    "parts",
    [("31", "2", "2009"), ("29", "2", "2009"), ("12", "13", "2009"), ("0", "4", "2009"),
     ("twelve", "4", "2009"), ("12", "-4", "2009"), ("1.5", "4", "2009"), ("12", "4", "20O9")],
)  # fmt: skip
def test_impossible_or_non_numeric_dates_are_not_real(parts: tuple[str, str, str]) -> None:
    assert date_errors(*parts) == ["Date of birth must be a real date"]


@pytest.mark.parametrize("year", ["09", "209", "20090", "0"])
def test_year_must_have_four_digits(year: str) -> None:
    assert date_errors("12", "4", year) == ["Year must include 4 numbers"]


def test_not_in_future() -> None:
    today = timezone.localdate()
    assert date_errors("1", "1", "2999", not_in_future=True) == [
        "Date of birth must be in the past"
    ]
    parts = (str(today.day), str(today.month), str(today.year))
    assert clean_date(*parts, not_in_future=True) == today
    assert clean_date("1", "1", "2999") == datetime.date(2999, 1, 1)


def test_error_label_and_label_from_field_name() -> None:
    class QuestionForm(forms.Form):
        birthday = GovukDateField(
            label="What is your date of birth?", error_label="your date of birth"
        )
        start_date = GovukDateField()

    form = QuestionForm(data={"birthday_day": "1", "start_date_year": "2020"})
    assert not form.is_valid()
    assert form.errors["birthday"] == ["Your date of birth must include a month and year"]
    assert form.errors["start_date"] == ["Start date must include a day and month"]
    assert QuestionForm(data={}).errors["start_date"] == ["Enter start date"]


def test_lower_first_keeps_acronyms() -> None:
    assert lower_first("Date of birth") == "date of birth"
    assert lower_first("ULN issue date") == "ULN issue date"
    assert lower_first("") == ""


def test_date_field_custom_messages_validators_and_disabled() -> None:
    def not_a_sunday(value: datetime.date) -> None:
        if value.weekday() == 6:
            raise ValidationError("Choose a weekday", code="sunday")

    field = GovukDateField(
        label="Start date",
        validators=[not_a_sunday],
        error_messages={"required": "Tell us when you start"},
    )
    with pytest.raises(ValidationError) as caught:
        field.clean(["", "", ""])
    assert caught.value.messages == ["Tell us when you start"]
    with pytest.raises(ValidationError, match="Choose a weekday"):
        field.clean(["5", "1", "2025"])
    assert field.clean(datetime.date(2025, 1, 6)) == datetime.date(2025, 1, 6)
    assert field.compress(["6", "1", "2025"]) == datetime.date(2025, 1, 6)
    assert field.compress([]) is None


def test_error_messages_are_lazy_translations() -> None:
    messages = GovukDateField.default_error_messages
    assert all(isinstance(message, Promise) for message in messages.values())


def test_date_widget_names_ids_and_decompress() -> None:
    widget = GovukDateWidget()
    assert widget.decompress(datetime.date(2009, 4, 12)) == ["12", "4", "2009"]
    assert widget.decompress(None) == [None, None, None]
    assert widget.id_for_label("id_dob") == "id_dob-day"
    assert widget.id_for_label("") == ""
    context = widget.get_context("dob", ["1", "2", "2000"], {"id": "id_dob"})
    subwidgets = context["widget"]["subwidgets"]
    assert [s["name"] for s in subwidgets] == ["dob_day", "dob_month", "dob_year"]
    assert [s["attrs"]["id"] for s in subwidgets] == ["id_dob-day", "id_dob-month", "id_dob-year"]
    assert PersonForm()[DOB].id_for_label == f"id_{DOB}-day"


# -- the date input's markup -----------------------------------------------------------------


def date_inputs(html: Parsed) -> list[Element]:
    return html.all("input", inputmode="numeric")


def test_date_input_markup(engine: Engine) -> None:
    html = field_html(engine, PersonForm(initial={DOB: datetime.date(2009, 4, 12)}), DOB)
    fieldset = html.one("fieldset")
    assert fieldset.attrs["role"] == "group"
    assert squash(html.one("legend").text) == "Date of birth"
    assert fieldset.describedby() == [f"id_{DOB}-hint"]
    assert squash(html.by_id(f"id_{DOB}-hint").text) == "For example, 27 3 2007"
    assert "govuk-date-input" in html.by_id(f"id_{DOB}").classes
    inputs = date_inputs(html)
    assert [i.attrs["id"] for i in inputs] == [f"id_{DOB}-day", f"id_{DOB}-month", f"id_{DOB}-year"]
    assert [i.attrs["name"] for i in inputs] == [f"{DOB}_day", f"{DOB}_month", f"{DOB}_year"]
    assert [i.attrs.get("value") for i in inputs] == ["12", "4", "2009"]
    assert [i.attrs["type"] for i in inputs] == ["text"] * 3
    assert "govuk-input--width-2" in inputs[0].classes
    assert "govuk-input--width-4" in inputs[2].classes
    for element in inputs:
        assert squash(html.one("label", for_=element.attrs["id"] or "").text) in {
            "Day",
            "Month",
            "Year",
        }
        assert "govuk-input--error" not in element.classes
    assert not html.all("p", class_="govuk-error-message")


@pytest.mark.parametrize(
    ("parts", "faulty"),
    [
        (("", "4", "2009"), ["day"]),
        (("12", "", "2009"), ["month"]),
        (("", "", "2009"), ["day", "month"]),
        (("12", "4", "09"), ["year"]),
        (("31", "2", "2009"), ["day", "month", "year"]),
        (("", "", ""), ["day", "month", "year"]),
        (("1", "1", "2999"), ["day", "month", "year"]),
    ],
)
def test_only_parts_at_fault_are_highlighted(
    engine: Engine, parts: tuple[str, str, str], faulty: list[str]
) -> None:
    form = PersonForm(data={**VALID, **dob(*parts)})
    assert not form.is_valid()
    html = field_html(engine, form, DOB)
    highlighted = [
        (i.attrs["id"] or "").rsplit("-", 1)[1]
        for i in date_inputs(html)
        if "govuk-input--error" in i.classes
    ]
    assert highlighted == faulty
    assert "govuk-form-group--error" in html.elements[0].classes
    assert html.one("fieldset").describedby() == [f"id_{DOB}-hint", f"id_{DOB}-error"]
    error = html.by_id(f"id_{DOB}-error")
    assert squash(error.text).startswith("Error: ")
    # The summary links to the first part at fault, which is in the field's markup.
    summary = Parsed(render(engine, "{% govuk_error_summary form %}", form=form))
    assert summary.one("a").attrs["href"] == f"#id_{DOB}-{faulty[0]}"
    assert f"id_{DOB}-{faulty[0]}" in html.ids()


def test_date_input_re_renders_invalid_values_escaped(engine: Engine) -> None:
    form = PersonForm(data={**VALID, **dob('"><script>', "2", "2000")})
    assert not form.is_valid()
    source = render(engine, "{% govuk_field form.date_of_birth %}", form=form)
    assert "<script>" not in source
    assert "&quot;&gt;&lt;script&gt;" in source
    values = [i.attrs.get("value") for i in date_inputs(Parsed(source))]
    assert values == ['"><script>', "2", "2000"]


def test_date_input_options(engine: Engine) -> None:
    html = field_html(
        engine, PersonForm(), DOB, 'autocomplete="bday" is_page_heading=True size="xl"'
    )
    assert [i.attrs["autocomplete"] for i in date_inputs(html)] == [
        "bday-day",
        "bday-month",
        "bday-year",
    ]
    assert "govuk-fieldset__legend--xl" in html.one("legend").classes
    assert squash(html.one("h1", class_="govuk-fieldset__heading").text) == "Date of birth"


def test_optional_date_says_so(engine: Engine) -> None:
    class OptionalDateForm(forms.Form):
        left_on = GovukDateField(label="Date left", required=False)

    html = field_html(engine, OptionalDateForm(), "left_on")
    assert squash(html.one("legend").text) == "Date left (optional)"


# -- other widgets ---------------------------------------------------------------------------


def test_text_input_with_hint_and_error(engine: Engine) -> None:
    form = PersonForm(data={**VALID, "given_name": ""})
    assert not form.is_valid()
    html = field_html(engine, form, "given_name")
    group = html.elements[0]
    assert group.classes == {"govuk-form-group", "govuk-form-group--error"}
    field = html.one("input")
    assert field.attrs["id"] == "id_given_name"
    assert field.attrs["type"] == "text"
    assert field.attrs["maxlength"] == "35"
    assert field.classes == {"govuk-input", "govuk-input--error"}
    assert html.one("label").attrs["for"] == "id_given_name"
    assert field.describedby() == ["id_given_name-hint", "id_given_name-error"]
    assert "govuk-hint" in html.by_id("id_given_name-hint").classes
    error = html.by_id("id_given_name-error")
    assert "govuk-error-message" in error.classes
    assert squash(html.one("span", class_="govuk-visually-hidden").text) == "Error:"
    assert squash(error.text) == "Error: This field is required."
    assert "value" not in field.attrs


def test_text_input_without_errors(engine: Engine) -> None:
    html = field_html(engine, PersonForm(initial={"given_name": "Megan"}), "given_name")
    field = html.one("input")
    assert field.classes == {"govuk-input"}
    assert field.attrs["value"] == "Megan"
    assert field.describedby() == ["id_given_name-hint"]
    assert html.elements[0].classes == {"govuk-form-group"}
    assert not html.all("p")


def test_required_has_no_marker_and_optional_says_so(engine: Engine) -> None:
    form = PersonForm()
    assert squash(field_html(engine, form, "given_name").one("label").text) == "Given name"
    assert squash(field_html(engine, form, "middle_name").one("label").text) == (
        "Middle name (optional)"
    )
    assert squash(field_html(engine, form, "notes").one("label").text) == "Notes (optional)"
    assert squash(field_html(engine, form, "evidence").one("label").text) == ("Evidence (optional)")
    pets = field_html(engine, form, "pets")
    assert "optional" not in squash(pets.one("legend").text)


@pytest.mark.parametrize(
    ("name", "input_type"),
    [("email", "email"), ("age", "number"), ("website", "url"), ("password", "password")],
)
def test_input_types(engine: Engine, name: str, input_type: str) -> None:
    field = field_html(engine, PersonForm(), name).one("input")
    assert field.attrs["type"] == input_type
    assert field.attrs["id"] == f"id_{name}"
    assert "govuk-input" in field.classes


def test_password_is_never_re_rendered(engine: Engine) -> None:
    form = PersonForm(data={**VALID, "email": "not an email"})
    assert not form.is_valid()
    field = field_html(engine, form, "password").one("input")
    assert "value" not in field.attrs
    assert field.attrs["autocomplete"] == "current-password"


@pytest.mark.parametrize(
    ("width", "css_class"),
    [("10", "govuk-input--width-10"), (2, "govuk-input--width-2"),
     ("one-half", "govuk-!-width-one-half"), ("full", "govuk-!-width-full")],
)  # fmt: skip
def test_input_widths(engine: Engine, width: str | int, css_class: str) -> None:
    html = Parsed(
        render(engine, "{% govuk_field form.given_name width=w %}", form=PersonForm(), w=width)
    )
    assert css_class in html.one("input").classes


def test_unknown_width_or_size_is_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="width"):
        field_html(engine, PersonForm(), "given_name", 'width="7"')
    with pytest.raises(ValueError, match="width"):
        field_html(engine, PersonForm(), "notes", 'width="10"')
    with pytest.raises(ValueError, match="size"):
        field_html(engine, PersonForm(), "given_name", 'size="huge"')


def test_label_options(engine: Engine) -> None:
    html = field_html(
        engine,
        PersonForm(),
        "given_name",
        'is_page_heading=True autocomplete="given-name" spellcheck=False',
    )
    wrapper = html.one("h1")
    assert wrapper.classes == {"govuk-label-wrapper"}
    assert html.one("label").classes == {"govuk-label", "govuk-label--l"}
    field = html.one("input")
    assert field.attrs["autocomplete"] == "given-name"
    assert field.attrs["spellcheck"] == "false"
    html = field_html(engine, PersonForm(), "given_name", 'label_class="govuk-label--m"')
    assert html.one("label").classes == {"govuk-label", "govuk-label--m"}
    assert not html.all("h1")
    html = field_html(engine, PersonForm(), "given_name", 'label="First name" hint="Or forename"')
    assert squash(html.one("label").text) == "First name"
    assert squash(html.by_id("id_given_name-hint").text) == "Or forename"


def test_textarea(engine: Engine) -> None:
    form = PersonForm(data={**VALID, "notes": "\nfirst line </textarea><script>"})
    source = render(engine, '{% govuk_field form.notes rows=3 width="two-thirds" %}', form=form)
    assert "<script>" not in source
    html = Parsed(source)
    area = html.one("textarea")
    assert area.attrs["rows"] == "3"
    assert area.classes == {"govuk-textarea", "govuk-!-width-two-thirds"}
    assert html.one("label").attrs["for"] == area.attrs["id"] == "id_notes"
    # One newline after the tag is dropped by browsers; the value's own newline follows it.
    assert "\n\nfirst line &lt;/textarea&gt;&lt;script&gt;</textarea>" in source


def test_textarea_error(engine: Engine) -> None:
    class NotesForm(forms.Form):
        notes = forms.CharField(label="Notes", widget=forms.Textarea)

    form = NotesForm(data={})
    html = field_html(engine, form, "notes")
    assert html.one("textarea").classes == {"govuk-textarea", "govuk-textarea--error"}
    assert html.one("textarea").describedby() == ["id_notes-error"]


def test_select(engine: Engine) -> None:
    form = PersonForm(data={**VALID, "country": ""})
    assert not form.is_valid()
    html = field_html(engine, form, "country")
    select = html.one("select")
    assert select.classes == {"govuk-select", "govuk-select--error"}
    assert select.attrs["id"] == html.one("label").attrs["for"] == "id_country"
    assert select.describedby() == ["id_country-error"]
    assert [o.attrs["value"] for o in html.all("option")] == ["", "wales"]
    html = field_html(engine, PersonForm(initial={"country": "wales"}), "country")
    assert "selected" in html.one("option", value="wales").attrs
    assert "selected" not in html.one("option", value="").attrs


def test_select_groups_and_multiple(engine: Engine) -> None:
    class GroupedForm(forms.Form):
        places = forms.MultipleChoiceField(
            label="Places",
            choices=[("Wales", [("cdf", "Cardiff"), ("swa", "Swansea")]), ("lon", "London")],
        )

    html = field_html(engine, GroupedForm(initial={"places": ["swa", "lon"]}), "places")
    assert "multiple" in html.one("select").attrs
    assert html.one("optgroup").attrs["label"] == "Wales"
    assert [o.attrs["value"] for o in html.all("option") if "selected" in o.attrs] == [
        "swa",
        "lon",
    ]


def test_radios(engine: Engine) -> None:
    form = PersonForm(data={**VALID, "colour": ""})
    assert not form.is_valid()
    html = field_html(engine, form, "colour", "inline=True")
    assert "govuk-form-group--error" in html.elements[0].classes
    fieldset = html.one("fieldset")
    assert "role" not in fieldset.attrs
    assert fieldset.describedby() == ["id_colour-error"]
    assert squash(html.one("legend").text) == "Colour"
    assert html.one("div", data_module="govuk-radios").classes == {
        "govuk-radios",
        "govuk-radios--inline",
    }
    radios = html.all("input", type="radio")
    assert [r.attrs["id"] for r in radios] == ["id_colour_0", "id_colour_1", "id_colour_2"]
    assert [r.attrs["value"] for r in radios] == ["red", "green", "blue"]
    for radio in radios:
        assert radio.attrs["name"] == "colour"
        label = html.one("label", for_=radio.attrs["id"] or "")
        assert label.classes == {"govuk-label", "govuk-radios__label"}
    assert not any("checked" in r.attrs for r in radios)
    summary = Parsed(render(engine, "{% govuk_error_summary form %}", form=form))
    assert summary.one("a").attrs["href"] == "#id_colour_0"


def test_radios_re_render_choice(engine: Engine) -> None:
    form = PersonForm(data={**VALID, "given_name": "", "colour": "blue"})
    html = field_html(engine, form, "colour", 'legend_class="govuk-fieldset__legend--m"')
    checked = [r.attrs["value"] for r in html.all("input") if "checked" in r.attrs]
    assert checked == ["blue"]
    assert html.one("legend").classes == {"govuk-fieldset__legend", "govuk-fieldset__legend--m"}
    assert "govuk-radios--inline" not in html.one("div", data_module="govuk-radios").classes


def test_checkboxes(engine: Engine) -> None:
    form = PersonForm(data={**VALID, "pets": ["dog"], "given_name": ""})
    html = field_html(engine, form, "pets", 'size="m"')
    assert html.one("legend").classes == {"govuk-fieldset__legend", "govuk-fieldset__legend--m"}
    boxes = html.all("input", type="checkbox")
    assert [b.attrs["id"] for b in boxes] == ["id_pets_0", "id_pets_1"]
    assert [b.attrs["value"] for b in boxes if "checked" in b.attrs] == ["dog"]
    assert all(b.attrs["name"] == "pets" for b in boxes)
    assert all(html.one("label", for_=b.attrs["id"] or "") for b in boxes)
    assert html.one("div", data_module="govuk-checkboxes")


def test_single_checkbox(engine: Engine) -> None:
    class AgreeForm(forms.Form):
        agree = forms.BooleanField(label="I agree", help_text="You must agree to continue")

    form = AgreeForm(data={})
    html = field_html(engine, form, "agree")
    assert not html.all("fieldset")
    box = html.one("input")
    assert box.attrs["type"] == "checkbox"
    assert box.attrs["id"] == html.one("label").attrs["for"] == "id_agree"
    assert box.describedby() == ["id_agree-hint", "id_agree-error"]
    assert "checked" not in box.attrs
    assert squash(html.one("label").text) == "I agree"
    assert "govuk-form-group--error" in html.elements[0].classes
    # The value it submits is understood by the field.
    ticked = AgreeForm(data={"agree": box.attrs["value"]})
    assert ticked.is_valid()
    assert "checked" in field_html(engine, ticked, "agree").one("input").attrs


def test_file_upload(engine: Engine) -> None:
    class UploadForm(forms.Form):
        upload = forms.FileField(label="Upload a file", widget=forms.ClearableFileInput)

    html = field_html(engine, UploadForm(data={}, files=MultiValueDict()), "upload")
    field = html.one("input")
    assert field.attrs["type"] == "file"
    assert field.classes == {"govuk-file-upload", "govuk-file-upload--error"}
    assert field.attrs["id"] == html.one("label").attrs["for"] == "id_upload"
    assert field.describedby() == ["id_upload-error"]


def test_hidden_input_is_just_the_input(engine: Engine) -> None:
    html = field_html(engine, PersonForm(initial={"token": "abc"}), "token")
    assert [e.tag for e in html.elements] == ["input"]
    assert html.one("input").attrs["type"] == "hidden"
    assert html.one("input").attrs["value"] == "abc"


def test_disabled_field(engine: Engine) -> None:
    class DisabledForm(forms.Form):
        name = forms.CharField(label="Name", disabled=True)
        when = GovukDateField(label="When", disabled=True)

    form = DisabledForm(initial={"name": "Megan", "when": datetime.date(2020, 1, 2)})
    assert "disabled" in field_html(engine, form, "name").one("input").attrs
    assert all("disabled" in i.attrs for i in date_inputs(field_html(engine, form, "when")))


def test_unsupported_widget_is_refused(engine: Engine) -> None:
    class SplitForm(forms.Form):
        when = forms.SplitDateTimeField()

    with pytest.raises(TypeError, match="SplitDateTimeWidget"):
        field_html(engine, SplitForm(), "when")


def test_user_values_are_escaped(engine: Engine) -> None:
    form = PersonForm(data={**VALID, "given_name": '"><script>alert(1)</script>', "colour": "<b>"})
    assert not form.is_valid()
    source = render(
        engine,
        "{% govuk_error_summary form %}{% govuk_field form.given_name %}"
        "{% govuk_field form.colour %}",
        form=form,
    )
    assert "<script>" not in source
    assert "<b>" not in source
    assert 'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in source
    assert "&lt;b&gt; is not one of the available choices" in source


# -- the error summary -----------------------------------------------------------------------


def test_error_summary_is_empty_without_errors(engine: Engine) -> None:
    assert render(engine, "{% govuk_error_summary form %}", form=PersonForm()) == ""
    valid = PersonForm(data=VALID)
    assert valid.is_valid(), valid.errors
    assert render(engine, "{% govuk_error_summary form missing %}", form=valid) == ""


def test_error_summary_links_to_inputs_that_exist(engine: Engine) -> None:
    form = PersonForm(
        data={"given_name": "Nobody", "email": "nope", "website": "nope", **dob("", "", "")}
    )
    assert not form.is_valid()
    source = render(
        engine,
        "{% govuk_error_summary form %}{% for field in form %}{% govuk_field field %}{% endfor %}",
        form=form,
    )
    html = Parsed(source)
    summary = html.one("div", data_module="govuk-error-summary")
    assert "govuk-error-summary" in summary.classes
    assert html.one("div", role="alert")
    assert squash(html.one("h2").text) == "There is a problem"
    items = [squash(li.text) for li in html.all("li")]
    assert items[0] == "We cannot find that person"  # non-field errors first, unlinked
    links = html.all("a")
    assert len(links) == len(items) - 1
    assert [a.attrs["href"] for a in links] == [
        "#id_email",
        "#id_website",
        "#id_password",
        "#id_country",
        "#id_colour_0",
        "#id_agree",
        f"#id_{DOB}-day",
    ]
    ids = html.ids()
    for link in links:
        assert (link.attrs["href"] or "")[1:] in ids
    assert squash(links[-1].text) == "Enter date of birth"


def test_error_summary_of_several_forms_and_a_title(engine: Engine) -> None:
    class OtherForm(forms.Form):
        reason = forms.CharField(label="Reason")

    other = OtherForm(data={}, prefix="other")
    form = PersonForm(data={**VALID, "email": "nope"})
    html = Parsed(
        render(
            engine,
            '{% govuk_error_summary form other title="Check your answers" %}',
            form=form,
            other=other,
        )
    )
    assert squash(html.one("h2").text) == "Check your answers"
    assert [a.attrs["href"] for a in html.all("a")] == ["#id_email", "#id_other-reason"]


def test_error_summary_of_a_formset(engine: Engine) -> None:
    class NameForm(forms.Form):
        name = forms.CharField(label="Name")

    formset_class = forms.formset_factory(NameForm, min_num=1, validate_min=True)
    formset = formset_class(
        data={"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-name": ""}
    )
    html = Parsed(render(engine, "{% govuk_error_summary formset %}", formset=formset))
    assert [a.attrs["href"] for a in html.all("a")] == ["#id_form-0-name"]


def test_has_errors_filter(engine: Engine) -> None:
    source = "{% if form|govuk_has_errors %}yes{% else %}no{% endif %}"
    assert render(engine, source, form=PersonForm()) == "no"
    assert render(engine, source, form=PersonForm(data=VALID)) == "no"
    assert render(engine, source, form=PersonForm(data={})) == "yes"
    assert render(engine, source) == "no"


def test_first_input_id() -> None:
    form = PersonForm(auto_id=False)
    assert govuk.first_input_id(form["given_name"]) == "given_name"
    assert govuk.first_input_id(form["colour"]) == "colour_0"
    assert govuk.first_input_id(form[DOB]) == f"{DOB}-day"


# -- buttons ---------------------------------------------------------------------------------


def test_button(engine: Engine) -> None:
    html = Parsed(render(engine, '{% govuk_button "Save and continue" %}'))
    button = html.one("button")
    assert button.attrs["type"] == "submit"
    assert button.classes == {"govuk-button"}
    assert button.attrs["data-module"] == "govuk-button"
    assert squash(button.text) == "Save and continue"
    assert "name" not in button.attrs
    assert "value" not in button.attrs


def test_button_options(engine: Engine) -> None:
    html = Parsed(
        render(
            engine,
            '{% govuk_button "Decline" secondary=True name="decision" value="decline" '
            "prevent_double_click=True %}"
            '{% govuk_button "Delete" warning=True button_type="button" disabled=True %}',
        )
    )
    decline, delete = html.all("button")
    assert decline.classes == {"govuk-button", "govuk-button--secondary"}
    assert decline.attrs["name"] == "decision"
    assert decline.attrs["value"] == "decline"
    assert decline.attrs["data-prevent-double-click"] == "true"
    assert delete.classes == {"govuk-button", "govuk-button--warning"}
    assert delete.attrs["type"] == "button"
    assert "disabled" in delete.attrs
    assert delete.attrs["aria-disabled"] == "true"


def test_link_button_and_escaping(engine: Engine) -> None:
    html = Parsed(
        render(engine, "{% govuk_button text href=url %}", text="<i>Go</i>", url="/a?b=1")
    )
    link = html.one("a")
    assert link.attrs["href"] == "/a?b=1"
    assert link.attrs["role"] == "button"
    assert link.attrs["draggable"] == "false"
    assert link.classes == {"govuk-button"}
    assert squash(link.text) == "<i>Go</i>"
    assert not html.all("i")
    with pytest.raises(ValueError, match="secondary or warning"):
        render(engine, '{% govuk_button "X" secondary=True warning=True %}')


# -- markup rules and translation -------------------------------------------------------------


def test_no_inline_script_or_style(engine: Engine) -> None:
    form = PersonForm(data={"given_name": "Nobody"})
    source = render(
        engine,
        "{% govuk_error_summary form %}{% for field in form %}{% govuk_field field %}{% endfor %}"
        '{% govuk_button "Go" %}{% govuk_button "Go" href="/" %}',
        form=form,
    )
    html = Parsed(source)
    assert not html.all("script")
    assert not html.all("style")
    assert not [e for e in html.elements if "style" in e.attrs]
    assert not [e for e in html.elements if any(k.startswith("on") for k in e.attrs)]
    ids = [e.attrs["id"] for e in html.elements if "id" in e.attrs]
    assert len(ids) == len(set(ids)), "ids are unique"
    for element in html.elements:
        for id_ in element.describedby():
            assert id_ in html.ids()
        if element.tag == "label":
            assert element.attrs["for"] in html.ids()


def test_strings_go_through_gettext(engine: Engine) -> None:
    def marked(message: str) -> str:
        return f"[{message}]"

    form = PersonForm(data={"middle_name": "x"})
    with mock.patch.object(govuk, "gettext", side_effect=marked):
        source = render(
            engine,
            "{% govuk_error_summary form %}{% govuk_field form.middle_name %}"
            "{% govuk_field form.date_of_birth %}",
            form=form,
        )
    text = squash(" ".join(e.text for e in Parsed(source).elements if e.tag in {"h2", "label"}))
    assert "[There is a problem]" in text
    assert "[Middle name (optional)]" in text
    assert "[Day]" in text
    assert "[Error:]" in source


def test_renders_in_welsh_without_error(engine: Engine) -> None:
    with translation.override("cy"):
        form = PersonForm(data={"middle_name": "x"})
        assert not form.is_valid()
        source = render(
            engine,
            "{% govuk_error_summary form %}{% for field in form %}{% govuk_field field %}"
            '{% endfor %}{% govuk_button "Parhau" %}',
            form=form,
        )
        required = translation.gettext("This field is required.")
    assert required != "This field is required."  # Django's own messages are in Welsh...
    assert escape(required) in source  # ...and reach the page through the same machinery
    assert "govuk-error-summary" in source
    assert "Parhau" in source
