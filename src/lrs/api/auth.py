"""Bearer-token authentication for the web services."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from lrs.core.actor import Actor, Channel
from lrs.organisations.services import authenticate_api_token


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; the token's user becomes the request's actor."""

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        user = authenticate_api_token(token)
        if user is None or user.organisation is None:
            return None
        return Actor(user=user, channel=Channel.API)


def actor_for(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)
    return actor
