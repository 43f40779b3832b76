"""Forms of the PLR pages: qualification search, the PLR report, the credit check."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from lrs.plr.choices import Level
from lrs.portal.forms.fields import GovukDateField


class QualificationSearchForm(forms.Form):
    """Routes to achievement: every field narrows the search (all optional)."""

    keywords = forms.CharField(
        label=_("Keywords in the title"),
        required=False,
        max_length=200,
        help_text=_("For example, teaching"),
    )
    qn = forms.CharField(
        label=_("Qualification number"),
        required=False,
        max_length=12,
        help_text=_("For example, 500/9603/9"),
    )
    sector_subject_area = forms.CharField(
        label=_("Sector subject area"),
        required=False,
        max_length=8,
        help_text=_("The code, for example 14.1"),
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("Any level")), *Level.choices]
    )
    awarding_organisation = forms.CharField(
        label=_("Awarding organisation"),
        required=False,
        max_length=100,
        help_text=_("Its name, acronym or Ofqual recognition number"),
    )

    def has_criteria(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())


class ReportForm(forms.Form):
    """Which events go in the PLR report (all ticked at first) and in which language."""

    events = forms.MultipleChoiceField(
        label=_("Learning events to include"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one learning event")},
    )
    language = forms.ChoiceField(
        label=_("Language of the report"),
        choices=[("en", "English"), ("cy", "Cymraeg")],
        widget=forms.RadioSelect,
        initial="en",
        error_messages={"required": _("Select the language of the report")},
    )

    def __init__(self, *args: Any, choices: Sequence[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        events = self.fields["events"]
        assert isinstance(events, forms.MultipleChoiceField)
        events.choices = list(choices)
        if not self.is_bound:
            self.initial.setdefault("events", [value for value, _label in choices])


class CreditCheckForm(forms.Form):
    """Learner details plus the mandatory unit or qualification reference."""

    uln = forms.CharField(
        label=_("ULN"),
        max_length=10,
        help_text=_("The 10-digit Unique Learner Number"),
        error_messages={"required": _("Enter the learner's ULN")},
    )
    given_name = forms.CharField(
        label=_("Given name"),
        max_length=35,
        error_messages={"required": _("Enter the learner's given name")},
    )
    family_name = forms.CharField(
        label=_("Family name"),
        max_length=35,
        error_messages={"required": _("Enter the learner's family name")},
    )
    date_of_birth = GovukDateField(
        label=_("Date of birth"), help_text=_("For example, 27 3 2009"), not_in_future=True
    )
    reference = forms.CharField(
        label=_("Unit or qualification reference"),
        max_length=12,
        help_text=_(
            "Required, so that a credit check cannot be used to browse a learner's record. "
            "For example, 601/4703/9 or A/601/0001"
        ),
        error_messages={"required": _("Enter the unit or qualification reference")},
    )

    def clean_uln(self) -> str:
        return "".join(str(self.cleaned_data["uln"]).split())


class UploadAchievementsForm(forms.Form):
    """An awarding organisation's achievement file (CSV, layout in docs/plr.md)."""

    file = forms.FileField(
        label=_("Upload an achievement file"),
        help_text=_(
            "A CSV file with the columns ULN, GivenName, FamilyName, DateOfBirth, SubjectCode, "
            "SourceRecordId and AchievementAwardDate, and any optional ones. At most 5,000 rows "
            "and 10 MB."
        ),
        error_messages={
            "required": _("Select an achievement file"),
            "empty": _("The selected file is empty"),
        },
    )

    def file_name(self) -> str:
        name = self.cleaned_data["file"].name or ""
        return re.split(r"[\\/]", name)[-1][:255]

    def upload(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        upload.seek(0)
        return upload
