"""Who a SOAP request acts as: UKPRN, OrgPassword and UserName in its body, as the real
service's requests carry them (WSEC0003 unknown organisation, WSEC0005 wrong or locked
password, WSEC0006 a user the organisation does not have)."""

from __future__ import annotations

from lxml import etree

from lrs.api.soap.envelope import R9_COMMON_NS, R9_NS, R9_ORG_NS, fault, text_of
from lrs.core.actor import Actor, Channel
from lrs.organisations.services import WebServiceSignIn, authenticate_web_service


def actor_for_request(request: etree._Element) -> Actor:
    """LearnerService.svc: UKPRN, OrgPassword and UserName among the request's children."""
    return _actor(
        ukprn=text_of(request, "UKPRN") or "",
        password=text_of(request, "OrgPassword") or "",
        username=text_of(request, "UserName") or "",
    )


def actor_for_r9_request(request: etree._Element) -> Actor:
    """LearnerServiceR9.svc: Ukprn, Password and Username in `invokingOrganisation`
    (GetLearnerLearningEvents' InvokingOrganisationR10, or the other operations'
    InvokingOrganisation, each in its own namespace)."""
    organisation = request.find(f"{{{R9_NS}}}invokingOrganisation")
    if organisation is None:
        raise fault("WSEC0003", "invokingOrganisation is missing.")
    namespace = R9_ORG_NS if request.tag == f"{{{R9_NS}}}GetLearnerLearningEvents" else R9_COMMON_NS
    return _actor(
        ukprn=text_of(organisation, f"{{{namespace}}}Ukprn") or "",
        password=text_of(organisation, f"{{{namespace}}}Password") or "",
        username=text_of(organisation, f"{{{namespace}}}Username") or "",
    )


def _actor(*, ukprn: str, password: str, username: str) -> Actor:
    """The user as the actor (channel soap), or the real service's fault."""
    if not ukprn:
        raise fault("WSEC0003", "UKPRN is missing.")
    signed_in = authenticate_web_service(ukprn=ukprn, password=password, username=username)
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
