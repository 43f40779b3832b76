"""The super user's form for the organisation's web-service password."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class WebServicePasswordForm(forms.Form):
    password = forms.CharField(
        label=_("New web-service password"),
        help_text=_(
            "At least 12 characters, using at least three of: upper case letters, lower case "
            "letters, numbers and special characters."
        ),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter a new web-service password")},
    )
    confirm_password = forms.CharField(
        label=_("Confirm the web-service password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter the web-service password again")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password, confirm = cleaned.get("password"), cleaned.get("confirm_password")
        if password and confirm and password != confirm:
            self.add_error("confirm_password", _("The passwords do not match"))
        return cleaned
