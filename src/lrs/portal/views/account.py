"""The signed-in user's own account: details, password and secret question."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/account/account.html")
