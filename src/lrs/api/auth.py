"""Bearer-token authentication for the web services, behind rate limits (docs/adr/0006)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from lrs.core.actor import Actor, Channel
from lrs.core.throttle import (
    account_key,
    client_address,
    count_failure,
    count_request,
    ensure_under_limit,
)
from lrs.organisations.services import authenticate_api_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the token's user becomes the request's actor.

    Every request counts against its address's limit and its token's; wrong tokens count
    against a much smaller limit of their address, checked before the token is looked up.
    Past a limit the API answers 429 with Retry-After (`lrs.api.errors`).
    """

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        address = client_address(request)
        count_request(request, limit_name="api_ip", key=address)
        ensure_under_limit(request, limit_name="api_bad_token_ip", key=address)
        user = authenticate_api_token(token, address=address)
        if user is None or user.organisation is None:
            count_failure(request, limit_name="api_bad_token_ip", key=address)
            return None
        count_request(request, limit_name="api_token", key=account_key(token))
        return Actor(user=user, channel=Channel.API)


def actor_for(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    return actor


def count_lookup(request: HttpRequest) -> None:
    """Count a single look-up of learner data (verify learner, credit check) per address and
    per account; TooManyRequests past either limit."""
    count_request(request, limit_name="lookup_ip", key=client_address(request))
    count_request(request, limit_name="lookup_account", key=str(actor_for(request).user.pk))
