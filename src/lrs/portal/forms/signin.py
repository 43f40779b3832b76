"""Forms of the sign-in journey (user guide 2.3)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lrs.organisations.models import SecretQuestion


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
        error_messages={"required": _("Enter your username")},
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your password")},
    )


class NewPasswordMixin(forms.Form):
    new_password = forms.CharField(
        label=_("New password"),
        help_text=_(
            "At least 8 characters, using at least three of: upper case letters, lower case "
            "letters, numbers and special characters."
        ),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter a new password")},
    )
    confirm_password = forms.CharField(
        label=_("Confirm new password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": _("Enter your new password again")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        new, confirm = cleaned.get("new_password"), cleaned.get("confirm_password")
        if new and confirm and new != confirm:
            self.add_error("confirm_password", _("The passwords you entered do not match"))
        return cleaned


class ChangePasswordForm(NewPasswordMixin):
    current_password = forms.CharField(
        label=_("Current password"),
        help_text=_("If you were given a one-time password, enter it here."),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Enter your current password")},
    )
    field_order = ["current_password", "new_password", "confirm_password"]


class SecretQuestionForm(forms.Form):
    question = forms.ChoiceField(
        label=_("Secret question"),
        choices=[("", _("Choose a question")), *SecretQuestion.choices],
        error_messages={"required": _("Choose a secret question")},
    )
    answer = forms.CharField(
        label=_("Answer"),
        help_text=_("Capital letters and spaces don't matter."),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter your answer")},
    )
    confirm_answer = forms.CharField(
        label=_("Confirm answer"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter your answer again")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        answer, confirm = cleaned.get("answer", ""), cleaned.get("confirm_answer", "")
        if answer and confirm and answer.casefold().split() != confirm.casefold().split():
            self.add_error("confirm_answer", _("The answers you entered do not match"))
        return cleaned


class ForgottenUsernameForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
        error_messages={"required": _("Enter your username")},
    )


class ForgottenAnswerForm(NewPasswordMixin):
    answer = forms.CharField(
        label=_("Answer"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the answer to your secret question")},
    )
    field_order = ["answer", "new_password", "confirm_password"]
