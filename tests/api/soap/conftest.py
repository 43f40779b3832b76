"""A college with a web-service password, and requests built the way the public clients build
them (raw envelopes, `Content-Type: text/xml`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from lxml import etree

from lrs.core.actor import Actor, Channel
from lrs.organisations.models import Organisation, User
from lrs.organisations.services import set_web_service_password

ORG_PASSWORD = "Web-Service-Pass-42"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"


@dataclass(frozen=True)
class SoapCaller:
    ukprn: str
    username: str
    password: str = ORG_PASSWORD

    def header(self, *, find_type: str | None = None) -> str:
        find = f"<FindType>{find_type}</FindType>" if find_type else ""
        return (
            f"{find}<UKPRN>{self.ukprn}</UKPRN><OrgPassword>{self.password}</OrgPassword>"
            f"<UserName>{self.username}</UserName>"
        )


def envelope(prefix: str, namespace: str, body: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11}" xmlns:{prefix}="{namespace}">'
        f"<soapenv:Header/><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"
    ).encode()


def post(raw: bytes, *, content_type: str = "text/xml") -> tuple[int, etree._Element]:
    response = Client().post("/LearnerService.svc", data=raw, content_type=content_type)
    assert response["Content-Type"].startswith("text/xml")
    return response.status_code, etree.fromstring(response.content)


def body_of(root: etree._Element) -> etree._Element:
    body = root.find(f"{{{SOAP11}}}Body")
    assert body is not None
    return body[0]


def fault_code(root: etree._Element) -> str:
    code = root.find(f".//{{{'http://api.lrs.miap.gov.uk/exceptions'}}}MIAPAPIException/ErrorCode")
    assert code is not None, etree.tostring(root)
    return code.text or ""


@pytest.fixture
def super_actor(college: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(college, ["super"]), channel=Channel.PORTAL)


@pytest.fixture
def credential(super_actor: Actor) -> None:
    set_web_service_password(actor=super_actor, password=ORG_PASSWORD)


@pytest.fixture
def caller(
    college: Organisation, make_user: Callable[..., User], credential: None
) -> Callable[[list[str]], SoapCaller]:
    def _caller(roles: list[str]) -> SoapCaller:
        return SoapCaller(ukprn=college.ukprn, username=make_user(college, roles).username)

    return _caller
