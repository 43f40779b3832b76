"""The signed-in user's own account: details, password, secret question, second factor."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from lrs.organisations.second_factor import has_second_factor, recovery_codes_left
from lrs.portal.access import AuthenticatedHttpRequest


@login_required
def account_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {
        "second_factor": has_second_factor(request.user),
        "recovery_codes_left": recovery_codes_left(request.user),
    }
    return render(request, "portal/account/account.html", context)
