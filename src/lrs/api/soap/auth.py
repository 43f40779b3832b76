"""Who a SOAP request acts as: UKPRN, OrgPassword and UserName in its body, as the real
service's requests carry them (WSEC0003 unknown organisation, WSEC0005 wrong or locked
password, WSEC0006 a user the organisation does not have)."""

from __future__ import annotations

from lxml import etree

from lrs.api.soap.envelope import fault, text_of
from lrs.core.actor import Actor, Channel
from lrs.organisations.services import WebServiceSignIn, authenticate_web_service


def actor_for_request(request: etree._Element) -> Actor:
    """The request's user as the actor (channel soap), or the real service's fault."""
    ukprn = text_of(request, "UKPRN") or ""
    if not ukprn:
        raise fault("WSEC0003", "UKPRN is missing.")
    signed_in = authenticate_web_service(
        ukprn=ukprn,
        password=text_of(request, "OrgPassword") or "",
        username=text_of(request, "UserName") or "",
    )
    if signed_in.outcome is WebServiceSignIn.UNKNOWN_ORGANISATION:
        raise fault("WSEC0003", f"No active organisation has UKPRN '{ukprn}'.")
    if signed_in.outcome is WebServiceSignIn.LOCKED:
        raise fault(
            "WSEC0005",
            "The organisation's web-service password is locked after repeated wrong passwords, "
            "or has not been set: the organisation's super user sets a new one in the portal.",
        )
    if signed_in.outcome is WebServiceSignIn.WRONG_PASSWORD:
        raise fault("WSEC0005")
    if signed_in.outcome is WebServiceSignIn.UNKNOWN_USER or signed_in.user is None:
        raise fault("WSEC0006", "UserName is not an active user of the organisation.")
    return Actor(user=signed_in.user, channel=Channel.SOAP)
