"""The portal's answer when a rate limit refuses a request (lrs.core.throttle)."""

from __future__ import annotations

import math

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lrs.core.actor import Actor
from lrs.core.throttle import TooManyRequests, client_address, count_request


def too_many_requests_page(
    request: HttpRequest, refusal: TooManyRequests, *, signing_in: bool = False
) -> HttpResponse:
    """A page that says how long to wait (429, with Retry-After)."""
    response = render(
        request,
        "429.html",
        {"retry_minutes": math.ceil(refusal.retry_after / 60), "signing_in": signing_in},
        status=429,
    )
    response["Retry-After"] = str(refusal.retry_after)
    return response


def count_lookup(request: HttpRequest, actor: Actor) -> None:
    """Count a single look-up of learner data (verify learner, credit check) per address and
    per account; TooManyRequests past either limit."""
    count_request(request, limit_name="lookup_ip", key=client_address(request))
    count_request(request, limit_name="lookup_account", key=str(actor.user.pk))
