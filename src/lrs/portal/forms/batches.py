"""Forms of the batch pages: upload a batch file, resolve an exception (user guide 4.3).

They only collect what the user chose; checking and reading the file (`submit_upload`) and
resolving exceptions (`lrs.batches.services`) are the back end's, whose refusals the views put
back on these forms.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from lrs.batches.models import SubmissionType
from lrs.batches.uploads import MAX_UPLOAD_MB

REGISTER_NEW = "new"


class UploadBatchForm(forms.Form):
    """A batch file (LRB CSV or XML, or a school's CTF) and how to run it."""

    file = forms.FileField(
        label=_("Upload a file"),
        help_text=format_lazy(
            _(
                "An LRB batch file named LRB_<UKPRN>_<DDMMYYYYHHMM>.CSV or .XML, or a Common "
                "Transfer File (CTF) exported from your school's MIS. At most {size} MB."
            ),
            size=MAX_UPLOAD_MB,
        ),
        error_messages={
            "required": _("Select a batch file"),
            "empty": _("The selected file is empty"),
            "invalid": _("Select a batch file"),
            "missing": _("Select a batch file"),
        },
    )
    submission_type = forms.ChoiceField(
        label=_("What should happen to each learner?"),
        help_text=_(
            "A Common Transfer File is recognised by its content and always finds, else "
            "registers, each pupil aged 14 or over."
        ),
        choices=[
            (SubmissionType.FULL.value, _("Find, else register (FUL)")),
            (SubmissionType.CHECK.value, _("Find only (CHK)")),
        ],
        initial=SubmissionType.FULL.value,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select what should happen to each learner"),
            "invalid_choice": _("Select what should happen to each learner"),
        },
    )

    def file_name(self) -> str:
        """The uploaded file's own name, without any folder a browser sent with it."""
        name = self.cleaned_data["file"].name or ""
        return re.split(r"[\\/]", name)[-1][:255]

    def upload(self) -> UploadedFile:
        """The uploaded file, from its start."""
        upload: UploadedFile = self.cleaned_data["file"]
        upload.seek(0)
        return upload


class ChooseLearnerForm(forms.Form):
    """Which offered learner the row is, or none of them (then register a new learner)."""

    choice = forms.ChoiceField(
        label=_("Which learner is this?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select the learner who matches, or choose to register a new learner"),
            "invalid_choice": _(
                "Select the learner who matches, or choose to register a new learner"
            ),
        },
    )

    def __init__(
        self,
        *args: Any,
        candidates: Sequence[tuple[str, str]],
        can_register: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, object]] = list(candidates)
        if can_register:
            choices.append((REGISTER_NEW, _("None of these: register a new learner")))
        else:
            message = _("Select the learner who matches")
            self.fields["choice"].error_messages.update(required=message, invalid_choice=message)
        self.fields["choice"].choices = choices  # type: ignore[attr-defined]

    def registers_new(self) -> bool:
        return self.cleaned_data["choice"] == REGISTER_NEW

    def learner_id(self) -> int:
        return int(self.cleaned_data["choice"])


class ConfirmForm(forms.Form):
    """A confirmation page's button: nothing to fill in, but CSRF-checked and POSTed."""
