"""Forms of the second factor (issue 19 item 12)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        help_text=_(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "inputmode": "text"}
        ),
        error_messages={"required": _("Enter the code")},
    )


class SetupCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your app"),
        help_text=_("Enter the 6-digit code your app shows for the Learning Records Service."),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "spellcheck": "false", "inputmode": "numeric"}
        ),
        error_messages={"required": _("Enter the code from your app")},
    )
