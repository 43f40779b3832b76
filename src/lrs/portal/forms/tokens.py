"""The form for a new API token (issue 19 item 13)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from lrs.organisations.services import DEFAULT_TOKEN_DAYS, TOKEN_LIFETIMES_DAYS


def _lifetime_label(days: int) -> str:
    return ngettext_lazy("%(days)d day", "%(days)d days", days) % {"days": days}


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        help_text=_("Say what will use it, such as the name of your MIS."),
        max_length=100,
        error_messages={"required": _("Enter a name for the token")},
    )
    days = forms.TypedChoiceField(
        label=_("How long should it work for?"),
        coerce=int,
        choices=[(days, _lifetime_label(days)) for days in TOKEN_LIFETIMES_DAYS],
        initial=DEFAULT_TOKEN_DAYS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how long the token will work for")},
    )
