"""Forms of the learner portal: creating an account, signing in, passwords, reports, sharing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lrs.learner_accounts.sharing import DURATIONS
from lrs.portal.forms.fields import GovukDateField
from lrs.portal.forms.signin import NewPasswordMixin


def _email_field(label: Any = None) -> forms.EmailField:
    return forms.EmailField(
        label=label or _("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the right format, like name@example.com"),
        },
    )


class EmailForm(forms.Form):
    email = _email_field()


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        help_text=_("The 6-digit code in the email we sent you"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the code from the email")},
    )


class IdentityForm(forms.Form):
    """Who the learner is: as their school, college or training provider recorded them."""

    uln = forms.CharField(
        label=_("Unique Learner Number (ULN)"),
        help_text=_(
            "10 digits. It is on your exam certificates' results slips, or ask your school, "
            "college or training provider."
        ),
        max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={"required": _("Enter your ULN")},
    )
    given_name = forms.CharField(
        label=_("Given name"),
        max_length=35,
        widget=forms.TextInput(attrs={"autocomplete": "given-name", "spellcheck": "false"}),
        error_messages={"required": _("Enter your given name")},
    )
    family_name = forms.CharField(
        label=_("Family name"),
        max_length=35,
        widget=forms.TextInput(attrs={"autocomplete": "family-name", "spellcheck": "false"}),
        error_messages={"required": _("Enter your family name")},
    )
    date_of_birth = GovukDateField(
        label=_("Date of birth"), help_text=_("For example, 27 3 2009"), not_in_future=True
    )


class NewAccountPasswordForm(NewPasswordMixin):
    pass


class LearnerSignInForm(forms.Form):
    email = _email_field()
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password")},
    )


class ResetPasswordForm(CodeForm, NewPasswordMixin):
    field_order = ["code", "new_password", "confirm_password"]


class EventChoiceForm(forms.Form):
    """Events chosen from the learner's record (all ticked at first)."""

    events = forms.MultipleChoiceField(
        label=_("Learning events to include"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one learning event")},
    )

    def __init__(
        self, *args: Any, choices: Sequence[tuple[str, str]], all_ticked: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        events = self.fields["events"]
        assert isinstance(events, forms.MultipleChoiceField)
        events.choices = list(choices)
        if not self.is_bound and all_ticked:
            self.initial.setdefault("events", [value for value, _label in choices])

    def event_ids(self) -> list[int]:
        return [int(value) for value in self.cleaned_data["events"]]


class MyReportForm(EventChoiceForm):
    language = forms.ChoiceField(
        label=_("Language of the report"),
        choices=[("en", "English"), ("cy", "Cymraeg")],
        widget=forms.RadioSelect,
        initial="en",
        error_messages={"required": _("Select the language of the report")},
    )


class ShareLinkForm(EventChoiceForm):
    field_order = ["recipient", "days", "events"]

    recipient = forms.CharField(
        label=_("Who is the link for?"),
        help_text=_("For example, an employer or a university. It is shown on the shared page."),
        max_length=100,
        error_messages={"required": _("Enter who the link is for")},
    )
    days = forms.TypedChoiceField(
        label=_("How long should the link work?"),
        coerce=int,
        choices=[],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how long the link works")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("all_ticked", False)
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        assert isinstance(days, forms.TypedChoiceField)
        labels = {1: _("1 day"), 7: _("7 days"), 30: _("30 days"), 90: _("90 days")}
        days.choices = [(str(n), labels[n]) for n in DURATIONS]
        self.fields["events"].label = _("Learning events to share")


class ReportProblemForm(forms.Form):
    """A learner reports a problem with their ULN or learning events (the rules are
    `lrs.challenges.services.learner_reports`, whose refusals the view puts back here)."""

    problem = forms.ChoiceField(
        label=_("What is the problem?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Select what the problem is")},
    )
    events = forms.MultipleChoiceField(
        label=_("Which learning event?"),
        help_text=_("For a learning event that appears twice, select both."),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    proposed_grade = forms.CharField(
        label=_("The right grade (if the grade is wrong)"), required=False, max_length=20
    )
    proposed_award_date = GovukDateField(
        label=_("The right award date (if the award date is wrong)"),
        help_text=_("For example, 21 8 2025"),
        required=False,
    )
    other_uln = forms.CharField(
        label=_("Your other ULN (if you have two)"),
        help_text=_("10 digits"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )
    comments = forms.CharField(
        label=_("Tell us about the problem"),
        help_text=_("For example, what is wrong and what it should say."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    contact_email = _email_field(_("Your email address"))

    def __init__(
        self,
        *args: Any,
        problems: Sequence[tuple[str, str]],
        choices: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        problem = self.fields["problem"]
        assert isinstance(problem, forms.ChoiceField)
        problem.choices = list(problems)
        events = self.fields["events"]
        assert isinstance(events, forms.MultipleChoiceField)
        events.choices = list(choices)
        self.fields["contact_email"].help_text = _(
            "The service desk will use it only about this problem."
        )

    def event_ids(self) -> list[int]:
        return [int(value) for value in self.cleaned_data["events"]]

    def proposed(self) -> dict[str, Any]:
        proposed: dict[str, Any] = {}
        if self.cleaned_data["proposed_grade"]:
            proposed["grade"] = self.cleaned_data["proposed_grade"]
        if self.cleaned_data["proposed_award_date"]:
            proposed["achievement_award_date"] = self.cleaned_data[
                "proposed_award_date"
            ].isoformat()
        return proposed
