"""Forms of the learner pages: find by ULN, find by personal details, register, edit.

They only parse what the user typed into the shapes the services take (SearchDetails,
LearnerDetails); the rules of the learner record live in lrs.learners.validation.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lrs.identifiers import IdentifierError, validate_postcode
from lrs.learners.choices import AbilityToShare, Gender, VerificationType
from lrs.learners.details import LEARNER_FIELDS, LearnerDetails, SearchDetails
from lrs.learners.validation import MAX_LENGTHS
from lrs.portal.forms.fields import GovukDateField

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

UPN_HINT = _("Only for learners aged under 16.")
POSTCODE_HINT = _(
    "Use the last known postcode. Use ZZ99 9ZZ only as a last resort, when there is no way to "
    "get the learner's postcode."
)
TOO_LONG = _("{label} must be {limit} characters or fewer")


def _text(
    label: StrPromise,
    *,
    name: str | None = None,
    max_length: int | None = None,
    required: bool = False,
    required_message: StrPromise | None = None,
    hint: StrPromise | str = "",
) -> forms.CharField:
    """A text box whose messages follow the GOV.UK pattern (`Enter ...`, `... or fewer`)."""
    limit = max_length if max_length is not None else MAX_LENGTHS.get(name or "")
    messages: dict[str, Any] = {}
    if limit:
        messages["max_length"] = format_lazy(TOO_LONG, label=label, limit=limit)
    if required_message is not None:
        messages["required"] = required_message
    return forms.CharField(
        label=label,
        max_length=limit,
        required=required,
        help_text=hint,
        error_messages=messages,
    )


def _radios(
    label: StrPromise,
    choices: list[tuple[str, Any]],
    required_message: StrPromise,
    hint: StrPromise | str = "",
) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        help_text=hint,
        widget=forms.RadioSelect,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


def _gender() -> forms.ChoiceField:
    return _radios(_("Gender"), list(Gender.choices), _("Select the learner's gender"))


def _date_of_birth() -> GovukDateField:
    return GovukDateField(
        label=_("Date of birth"),
        help_text=_("For example, 27 3 2009"),
        not_in_future=True,
    )


def to_session(values: dict[str, Any]) -> dict[str, Any]:
    """Cleaned form data as JSON-safe values, to keep in the (server-side) session."""
    return {
        name: value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in values.items()
    }


def from_session(values: dict[str, Any], date_fields: frozenset[str]) -> dict[str, Any]:
    """The inverse of to_session: ISO dates back to dates."""
    result: dict[str, Any] = {}
    for name, value in values.items():
        if name in date_fields and isinstance(value, str) and value:
            value = datetime.date.fromisoformat(value)
        result[name] = value
    return result


class _LearnerNamesForm(forms.Form):
    """The two names every find needs."""

    given_name = _text(
        _("Given name"),
        name="given_name",
        required=True,
        required_message=_("Enter the learner's given name"),
    )
    family_name = _text(
        _("Family name"),
        name="family_name",
        required=True,
        required_message=_("Enter the learner's family name"),
    )


class FindByUlnForm(_LearnerNamesForm):
    field_order = ["uln", "given_name", "family_name"]

    uln = _text(
        _("ULN"),
        max_length=10,
        required=True,
        required_message=_("Enter the learner's ULN"),
        hint=_("The 10-digit Unique Learner Number"),
    )

    def clean_uln(self) -> str:
        return "".join(str(self.cleaned_data["uln"]).split())


class FindByDetailsForm(_LearnerNamesForm):
    DATE_FIELDS = frozenset({"date_of_birth"})

    date_of_birth = _date_of_birth()
    gender = _gender()
    last_known_postcode = _text(
        _("Postcode"),
        max_length=10,
        required=True,
        required_message=_("Enter the learner's postcode, or ZZ99 9ZZ if it is not known"),
        hint=POSTCODE_HINT,
    )
    preferred_given_name = _text(_("Preferred given name"), name="preferred_given_name")
    middle_other_name = _text(
        _("Middle names"), name="middle_other_name", hint=_("Put a space between each name")
    )
    previous_family_name = _text(_("Previous family name"), name="previous_family_name")
    email_address = _text(_("Email address"), name="email_address")
    upn = _text(_("Unique Pupil Number (UPN)"), max_length=13, hint=UPN_HINT)
    uci = _text(_("Unique Candidate Identifier (UCI)"), max_length=13)

    def clean_last_known_postcode(self) -> str:
        """The postcode written as the register writes it (cv59te is CV5 9TE), so the details
        searched for are shown that way; one that isn't a postcode is left for the search's
        own message."""
        value = str(self.cleaned_data["last_known_postcode"])
        try:
            return validate_postcode(value)
        except IdentifierError:
            return value

    def to_details(self) -> SearchDetails:
        return SearchDetails(**self.cleaned_data)


def search_to_learner_initial(search: dict[str, Any]) -> dict[str, Any]:
    """A find's details (from the session) as the first values of the register form."""
    return {name: value for name, value in search.items() if name in LEARNER_FIELDS}


class LearnerForm(forms.Form):
    """Every detail of the learner record that a person enters (register and edit)."""

    DATE_FIELDS = frozenset({"date_of_birth", "date_of_address_capture"})

    title = _text(_("Title"), name="title", hint=_("For example, Miss, Mr or Dr"))
    given_name = _text(
        _("Given name"),
        name="given_name",
        required=True,
        required_message=_("Enter the learner's given name"),
        hint=_("The learner's legal given name, not a nickname"),
    )
    middle_other_name = _text(
        _("Middle names"), name="middle_other_name", hint=_("Put a space between each name")
    )
    family_name = _text(
        _("Family name"),
        name="family_name",
        required=True,
        required_message=_("Enter the learner's family name"),
    )
    preferred_given_name = _text(
        _("Preferred given name"),
        name="preferred_given_name",
        hint=_("A name the learner uses instead of their given name"),
    )
    previous_family_name = _text(_("Previous family name"), name="previous_family_name")
    family_name_at_16 = _text(_("Family name at 16"), name="family_name_at_16")
    school_at_16 = _text(
        _("School at 16"),
        name="school_at_16",
        hint=_("The school's name without the word 'School' or 'College'"),
    )
    date_of_birth = _date_of_birth()
    gender = _gender()
    place_of_birth = _text(
        _("Place of birth"),
        name="place_of_birth",
        hint=_("The city or town on the learner's birth certificate"),
    )
    nationality = _text(_("Nationality"), name="nationality", hint=_("For example, GBR"))
    last_known_address_line1 = _text(_("Address line 1"), name="last_known_address_line1")
    last_known_address_line2 = _text(_("Address line 2"), name="last_known_address_line2")
    last_known_address_town = _text(_("Town or city"), name="last_known_address_town")
    last_known_address_county_or_city = _text(_("County"), name="last_known_address_county_or_city")
    last_known_postcode = _text(
        _("Postcode"),
        max_length=10,
        required=True,
        required_message=_("Enter the learner's postcode, or ZZ99 9ZZ if it is not known"),
        hint=POSTCODE_HINT,
    )
    date_of_address_capture = GovukDateField(
        label=_("Date the address was collected"),
        help_text=_("For example, 1 9 2025"),
        not_in_future=True,
        required=False,
    )
    email_address = _text(
        _("Email address"),
        name="email_address",
        hint=_("Leave blank if the learner has no email address. Do not write 'none'."),
    )
    upn = _text(_("Unique Pupil Number (UPN)"), max_length=13, hint=UPN_HINT)
    uci = _text(_("Unique Candidate Identifier (UCI)"), max_length=13)
    scottish_candidate_number = _text(
        _("Scottish candidate number"), name="scottish_candidate_number"
    )
    verification_type = _radios(
        _("How was the learner's identity verified?"),
        list(VerificationType.choices),
        _("Select how the learner's identity was verified"),
        _(
            "Check the learner's identity when they enrol. Schools should select 'Relationship "
            "with school'. If it cannot be checked yet, select 'None provided' and check it later."
        ),
    )
    other_verification_description = _text(
        _("Other verification description"),
        name="other_verification_description",
        hint=_(
            "Only if you selected 'Other': the trusted document you saw, for example, "
            "'Armed Forces service ID' or 'Exam certificates'"
        ),
    )
    ability_to_share = _radios(
        _("Has your organisation shared the privacy notice with the learner?"),
        [
            (AbilityToShare.SEEN.value, AbilityToShare.SEEN.label),
            (AbilityToShare.NOT_SEEN.value, AbilityToShare.NOT_SEEN.label),
        ],
        _("Select yes if your organisation has shared the privacy notice with the learner"),
        _(
            "Your organisation must share the privacy notice with the learner, for example when "
            "they enrol. Learners cannot opt out of sharing their ULN and Personal Learning Record."
        ),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=MAX_LENGTHS["notes"],
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": format_lazy(TOO_LONG, label=_("Notes"), limit=MAX_LENGTHS["notes"])
        },
    )

    def to_details(self) -> LearnerDetails:
        return LearnerDetails.from_mapping(self.cleaned_data)


class EditLearnerForm(LearnerForm):
    """The learner form for an update, tied to the version of the record it was filled from.

    The UPN is never shown (user guide 4.2.2), so its box starts empty and a blank one keeps
    the UPN already held.
    """

    version_number = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    upn = _text(
        _("Unique Pupil Number (UPN)"),
        max_length=13,
        hint=_(
            "Only for learners aged under 16. The UPN held is not shown: leave this blank to "
            "keep it, or enter a new one to replace it."
        ),
    )

    def changes(self) -> dict[str, Any]:
        """The learner's fields as entered; the service works out what changed."""
        values = {name: self.cleaned_data[name] for name in LEARNER_FIELDS if name in self.fields}
        if not values.get("upn"):
            values.pop("upn", None)
        return values
