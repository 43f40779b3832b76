"""A super user sets, then rotates, the organisation's web-service password in a real browser;
MIS software's SOAP requests work with the new password only."""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.error import HTTPError

import pytest
from lxml import etree

from lrs.core.models import AuditEvent
from lrs.organisations.models import Organisation
from tests.e2e.conftest import check_page, ready_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EXC = "{http://api.lrs.miap.gov.uk/exceptions}"


def _search(url: str, ukprn: str, password: str, username: str) -> str:
    """A learnerByDemographics request as MIS software sends it; the response or fault code."""
    raw = (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:fin="http://api.lrs.miap.gov.uk/findmsg"><soapenv:Body>'
        f"<fin:FindLearnerByDemographics><FindType>FUL</FindType><UKPRN>{ukprn}</UKPRN>"
        f"<OrgPassword>{password}</OrgPassword><UserName>{username}</UserName>"
        "<FamilyName>Nobody</FamilyName><GivenName>Nobody</GivenName>"
        "<DateOfBirth>2000-01-01</DateOfBirth><Gender>2</Gender>"
        "<LastKnownPostCode>CV49EE</LastKnownPostCode></fin:FindLearnerByDemographics>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        f"{url}/LearnerService.svc", data=raw, headers={"Content-Type": "text/xml"}
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310
            body = response.read()
    except HTTPError as fault:
        body = fault.read()
    root = etree.fromstring(body)
    code = root.find(f".//{EXC}MIAPAPIException/ErrorCode")
    if code is None:
        code = root.find(".//ResponseCode")
    return code.text or ""


def test_super_user_sets_and_rotates_the_web_service_password(
    page: Any, organisation: Organisation, live_server: Any
) -> None:
    ready_user(organisation, "grace.okafor", ["super"])
    ready_user(organisation, "mis.robot", ["online"])
    assert _search(live_server.url, "10034567", "Anything-at-all-1", "mis.robot") == "WSEC0005"

    sign_in(page, "grace.okafor")
    page.get_by_role("link", name="Web-service password").click()
    page.get_by_text("Not set").wait_for()
    check_page(page, "web-service-password-not-set")
    page.get_by_label("New web-service password").fill("short")
    page.get_by_label("Confirm the web-service password").fill("short")
    page.get_by_role("button", name="Save the password").click()
    page.get_by_text("at least 12 characters long").first.wait_for()
    check_page(page, "web-service-password-error")
    page.get_by_label("New web-service password").fill("First-MIS-pass-2026")
    page.get_by_label("Confirm the web-service password").fill("First-MIS-pass-2026")
    page.get_by_role("button", name="Save the password").click()
    page.get_by_text("The web-service password is set.").wait_for()
    page.get_by_text("by grace.okafor").wait_for()
    check_page(page, "web-service-password-set")
    assert _search(live_server.url, "10034567", "First-MIS-pass-2026", "mis.robot") == "WSRC0001"

    page.get_by_label("New web-service password").fill("Second-MIS-pass-2027")
    page.get_by_label("Confirm the web-service password").fill("Second-MIS-pass-2027")
    page.get_by_role("button", name="Save the password").click()
    page.get_by_text("The web-service password is set.").wait_for()
    assert _search(live_server.url, "10034567", "First-MIS-pass-2026", "mis.robot") == "WSEC0005"
    assert _search(live_server.url, "10034567", "Second-MIS-pass-2027", "mis.robot") == "WSRC0001"
    assert AuditEvent.objects.filter(action="web_service.password_set").count() == 2
