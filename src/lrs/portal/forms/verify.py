"""The verify learner form: ULN, names, date of birth, gender and, optionally, a postcode."""

from __future__ import annotations

import re

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from lrs.learners.choices import Gender
from lrs.portal.forms.fields import GovukDateField


class VerifyLearnerForm(forms.Form):
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
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=list(Gender.choices),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select the learner's gender"),
            "invalid_choice": _("Select the learner's gender"),
        },
    )
    postcode = forms.CharField(
        label=_("Postcode (optional)"),
        max_length=10,
        required=False,
        help_text=_(
            "Compared with the learner's last known postcode and shown in the result; it does "
            "not change whether the learner is verified."
        ),
    )

    def clean_uln(self) -> str:
        return "".join(str(self.cleaned_data["uln"]).split())


class UploadVerifyFileForm(forms.Form):
    """A file of learners to verify (CSV, layout in docs/plr.md)."""

    file = forms.FileField(
        label=_("Upload a verify file"),
        help_text=_(
            "A CSV file with the columns ULN, GivenName, FamilyName, DateOfBirth and Gender, and "
            "optionally MISIdentifier and Postcode. At most 5,000 learners and 10 MB."
        ),
        error_messages={
            "required": _("Select a verify file"),
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
