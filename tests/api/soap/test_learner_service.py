"""LearnerService.svc over HTTP with raw envelopes, as the public clients send them."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client

from lrs.batches.models import BatchException
from lrs.core.actor import Actor
from lrs.core.models import AuditEvent
from lrs.learners.models import KnownLearner, Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation, WebServiceCredential
from lrs.organisations.services.web_services import MAX_FAILED_WEB_SERVICE_ATTEMPTS
from tests.api.soap.conftest import SoapCaller, body_of, envelope, fault_code, post
from tests.conftest import learner_details

FIND = "http://api.lrs.miap.gov.uk/findmsg"
REG = "http://api.lrs.miap.gov.uk/regmsg"
REP = "http://api.lrs.miap.gov.uk/reportmsg"

pytestmark = pytest.mark.django_db


def demographics(caller: SoapCaller, *, family: str = "Pritchard", find_type: str = "FUL") -> bytes:
    return envelope(
        "fin",
        FIND,
        "<fin:FindLearnerByDemographics>"
        f"{caller.header(find_type=find_type)}"
        f"<FamilyName>{family}</FamilyName><GivenName>Megan</GivenName>"
        "<DateOfBirth>2009-04-12</DateOfBirth><Gender>2</Gender>"
        "<LastKnownPostCode>CF103AT</LastKnownPostCode>"
        "<PreviousFamilyName></PreviousFamilyName><SchoolAtAge16></SchoolAtAge16>"
        "<PlaceOfBirth></PlaceOfBirth><EmailAddress></EmailAddress>"
        "</fin:FindLearnerByDemographics>",
    )


def by_uln(caller: SoapCaller, uln: str, given: str = "Megan", family: str = "Pritchard") -> bytes:
    return envelope(
        "fin",
        FIND,
        f"<fin:FindLearnerByULN>{caller.header(find_type='FUL')}<ULN>{uln}</ULN>"
        f"<FamilyName>{family}</FamilyName><GivenName>{given}</GivenName></fin:FindLearnerByULN>",
    )


def register_body(caller: SoapCaller, given: str = "Megan", dob: str = "2009-04-12") -> bytes:
    return envelope(
        "reg",
        REG,
        f"<reg:RegisterLearner>{caller.header()}<Learner>"
        f"<GivenName>{given}</GivenName><FamilyName>Pritchard</FamilyName>"
        "<LastKnownPostCode>CF10 3AT</LastKnownPostCode>"
        f"<DateOfBirth>{dob}</DateOfBirth><Gender>2</Gender>"
        "<VerificationType>1</VerificationType><AbilityToShare>1</AbilityToShare>"
        "</Learner></reg:RegisterLearner>",
    )


def update_body(caller: SoapCaller, uln: str, version: int, town: str) -> bytes:
    return envelope(
        "reg",
        REG,
        f"<reg:UpdateLearner>{caller.header()}<Learner>"
        "<GivenName>Megan</GivenName><FamilyName>Pritchard</FamilyName>"
        f"<LastKnownAddressTown>{town}</LastKnownAddressTown>"
        "<LastKnownPostCode>CF10 3AT</LastKnownPostCode>"
        "<DateOfBirth>2009-04-12</DateOfBirth><Gender>2</Gender>"
        "<VerificationType>1</VerificationType><AbilityToShare>1</AbilityToShare>"
        f"<ULN>{uln}</ULN><VersionNumber>{version}</VersionNumber>"
        "</Learner></reg:UpdateLearner>",
    )


@pytest.fixture
def megan(online_actor: Actor) -> Learner:
    result = register_learner(details=learner_details(), actor=online_actor)
    assert result.learner is not None
    return result.learner


# --- Contract -------------------------------------------------------------------------------


def test_wsdl_and_schemas_are_served(db: None) -> None:
    wsdl = Client().get("/LearnerService.svc?wsdl")
    assert wsdl.status_code == 200
    assert b"http://testserver/LearnerService.svc" in wsdl.content
    for name in ("learner", "findmsg", "regmsg", "reportmsg", "exceptions"):
        assert Client().get(f"/LearnerService.svc?xsd={name}").status_code == 200
    assert Client().get("/LearnerService.svc?xsd=nope").status_code == 404


# --- Authentication ---------------------------------------------------------------------------


def test_unknown_organisation_is_wsec0003(caller: Callable[..., SoapCaller]) -> None:
    who = caller(["online"])
    status, root = post(demographics(SoapCaller(ukprn="99999999", username=who.username)))
    assert status == 500
    assert fault_code(root) == "WSEC0003"


def test_wrong_password_is_wsec0005_and_audited(
    caller: Callable[..., SoapCaller], college: Organisation
) -> None:
    who = caller(["online"])
    wrong = SoapCaller(ukprn=who.ukprn, username=who.username, password="not-it")
    _, root = post(demographics(wrong))
    assert fault_code(root) == "WSEC0005"
    event = AuditEvent.objects.get(action="web_service.sign_in_failed")
    assert (event.channel, event.organisation_id) == ("soap", college.pk)


def test_repeated_wrong_passwords_lock_until_a_new_one_is_set(
    caller: Callable[..., SoapCaller], super_actor: Actor
) -> None:
    from lrs.organisations.services import set_web_service_password

    who = caller(["online"])
    wrong = SoapCaller(ukprn=who.ukprn, username=who.username, password="not-it")
    for _ in range(MAX_FAILED_WEB_SERVICE_ATTEMPTS):
        post(demographics(wrong))
    assert WebServiceCredential.objects.get().is_locked
    _, root = post(demographics(who))  # the right password no longer works
    assert fault_code(root) == "WSEC0005"
    set_web_service_password(actor=super_actor, password="Rotated-Pass-2026")
    _, root = post(demographics(SoapCaller(who.ukprn, who.username, "Rotated-Pass-2026")))
    assert body_of(root).findtext("ResponseCode") == "WSRC0001"


def test_user_without_the_role_is_wsec0006(caller: Callable[..., SoapCaller]) -> None:
    _, root = post(demographics(caller(["batch"])))
    assert fault_code(root) == "WSEC0006"


def test_unknown_user_is_wsec0006(caller: Callable[..., SoapCaller]) -> None:
    who = caller(["online"])
    _, root = post(demographics(SoapCaller(who.ukprn, "nobody.here")))
    assert fault_code(root) == "WSEC0006"


def test_view_only_user_finds_but_cannot_register(caller: Callable[..., SoapCaller]) -> None:
    who = caller(["view"])
    status, root = post(demographics(who))
    assert status == 200
    _, root = post(register_body(who))
    assert fault_code(root) == "WSEC0006"


# --- Hostile and bad envelopes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"this is not xml",
        b"<unclosed>",
        b"<Envelope/>",  # no SOAP namespace
        b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>',
    ],
)
def test_not_a_soap_request_is_wsec0001(db: None, raw: bytes) -> None:
    status, root = post(raw)
    assert status == 500
    if root.find(".//faultcode").text == "soapenv:VersionMismatch":
        return
    assert fault_code(root) == "WSEC0001"


def test_entities_and_bombs_are_refused_unexpanded(caller: Callable[..., SoapCaller]) -> None:
    who = caller(["online"])
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
        b'<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    ) + demographics(who, family="&lol3;&xxe;")
    status, root = post(bomb)
    assert status == 500
    assert fault_code(root) == "WSEC0001"
    assert b"root:" not in Client().post("/LearnerService.svc", bomb, "text/xml").content


def test_oversize_request_is_refused(caller: Callable[..., SoapCaller]) -> None:
    raw = demographics(caller(["online"]), family="A" * 300_000)
    _, root = post(raw)
    assert fault_code(root) == "WSEC0001"
    assert "larger" in (root.findtext(".//FurtherDetails") or "")


def test_unknown_operation_is_wsec0002(caller: Callable[..., SoapCaller]) -> None:
    who = caller(["online"])
    _, root = post(envelope("fin", FIND, f"<fin:FindEveryone>{who.header()}</fin:FindEveryone>"))
    assert fault_code(root) == "WSEC0002"


def test_wrong_namespace_is_wsec0002(caller: Callable[..., SoapCaller]) -> None:
    raw = demographics(caller(["online"])).replace(FIND.encode(), b"http://example.com/find")
    _, root = post(raw)
    assert fault_code(root) == "WSEC0002"


def test_soap_12_gets_a_version_mismatch(caller: Callable[..., SoapCaller]) -> None:
    raw = demographics(caller(["online"])).replace(
        b"http://schemas.xmlsoap.org/soap/envelope/", b"http://www.w3.org/2003/05/soap-envelope"
    )
    status, root = post(raw, content_type="application/soap+xml")
    assert status == 500
    assert root.findtext(".//faultcode") == "soapenv:VersionMismatch"


def test_empty_name_fails_like_the_real_service(caller: Callable[..., SoapCaller]) -> None:
    _, root = post(demographics(caller(["online"]), family=""))
    assert fault_code(root) == "WSEC0001"
    details = root.findtext(".//FurtherDetails") or ""
    assert "FamilyName" in details
    assert "[\\s]*[\\S][\\s\\S]*" in details


@pytest.mark.parametrize(
    ("replace", "by", "element"),
    [
        (b"<Gender>2</Gender>", b"<Gender>M</Gender>", "Gender"),
        (b"2009-04-12", b"12/04/2009", "DateOfBirth"),
        (b"<FindType>FUL</FindType>", b"<FindType>ALL</FindType>", "FindType"),
        (b"<GivenName>Megan</GivenName>", b"", "GivenName"),
    ],
)
def test_wrong_types_name_the_element(
    caller: Callable[..., SoapCaller], replace: bytes, by: bytes, element: str
) -> None:
    raw = demographics(caller(["online"])).replace(replace, by)
    _, root = post(raw)
    assert fault_code(root) == "WSEC0001"
    assert element in (root.findtext(".//FurtherDetails") or "")


def test_impossible_date_is_wsec0001(caller: Callable[..., SoapCaller]) -> None:
    raw = demographics(caller(["online"])).replace(b"2009-04-12", b"2009-13-45")
    _, root = post(raw)
    assert fault_code(root) == "WSEC0001"


# --- Find ------------------------------------------------------------------------------------


@pytest.mark.parametrize("find_type", ["FUL", "CHK"])
def test_demographics_exact_match(
    caller: Callable[..., SoapCaller], megan: Learner, find_type: str
) -> None:
    status, root = post(demographics(caller(["online"]), find_type=find_type))
    assert status == 200
    response = body_of(root)
    assert response.tag == f"{{{FIND}}}FindLearnerResponse"
    assert response.findtext("ResponseCode") == "WSRC0004"
    assert response.findtext("Learner/ULN") == megan.uln
    assert response.findtext("LastKnownPostCode") == "CF103AT"  # the search, echoed as sent
    event = AuditEvent.objects.filter(action="learner.searched").latest("id")
    assert event.channel == "soap"


def test_demographics_chk_checks_only_and_ful_finds_for_the_organisation(
    caller: Callable[..., SoapCaller], school_actor: Actor, college: Organisation
) -> None:
    """CHK verifies the details: the same answer as FUL, audited, and nothing else written.
    FUL makes the learners it shows known to the organisation (their records open for it)."""
    theirs = register_learner(details=learner_details(), actor=school_actor).learner
    assert theirs is not None
    who = caller(["online"])
    learners, exceptions = Learner.objects.count(), BatchException.objects.count()
    _, root = post(demographics(who, find_type="CHK"))
    response = body_of(root)
    assert response.findtext("ResponseCode") == "WSRC0004"
    assert response.findtext("Learner/ULN") == theirs.uln
    assert not KnownLearner.objects.filter(organisation=college, learner=theirs).exists()
    searched = AuditEvent.objects.filter(action="learner.searched").latest("id")
    assert searched.details["check_only"] is True
    _, root = post(demographics(who, family="Nobody", find_type="CHK"))
    assert body_of(root).findtext("ResponseCode") == "WSRC0003"  # a possible match
    assert not KnownLearner.objects.filter(organisation=college, learner=theirs).exists()
    assert (Learner.objects.count(), BatchException.objects.count()) == (learners, exceptions)
    _, root = post(demographics(who, find_type="FUL"))
    assert body_of(root).findtext("ResponseCode") == "WSRC0004"
    assert KnownLearner.objects.filter(organisation=college, learner=theirs).exists()
    assert (Learner.objects.count(), BatchException.objects.count()) == (learners, exceptions)


def test_by_uln_chk_does_not_make_the_learner_known(
    caller: Callable[..., SoapCaller], school_actor: Actor, college: Organisation
) -> None:
    theirs = register_learner(details=learner_details(), actor=school_actor).learner
    assert theirs is not None
    raw = by_uln(caller(["online"]), theirs.uln).replace(b">FUL<", b">CHK<")
    _, root = post(raw)
    assert body_of(root).findtext("ResponseCode") == "WSRC0004"
    assert not KnownLearner.objects.filter(organisation=college, learner=theirs).exists()


def test_demographics_no_match(caller: Callable[..., SoapCaller]) -> None:
    _, root = post(demographics(caller(["online"])))
    response = body_of(root)
    assert response.findtext("ResponseCode") == "WSRC0001"
    assert response.find("Learner") is None


def test_by_uln_and_linked_uln(
    caller: Callable[..., SoapCaller], megan: Learner, online_actor: Actor
) -> None:
    who = caller(["online"])
    _, root = post(by_uln(who, megan.uln))
    assert body_of(root).findtext("ResponseCode") == "WSRC0004"
    duplicate = register_learner(
        details=learner_details(given_name="Meg", date_of_birth=datetime.date(2009, 5, 12)),
        actor=online_actor,
        confirm_not_possible_match=True,
    ).learner
    assert duplicate is not None
    Learner.objects.filter(pk=duplicate.pk).update(master=megan, learner_status="2")
    _, root = post(by_uln(who, duplicate.uln, given="Meg"))
    response = body_of(root)
    assert response.findtext("ResponseCode") == "WSRC0022"
    assert response.findtext("Learner/ULN") == megan.uln
    assert response.findtext("Learner/MasterSubstituted") == "Y"
    linked = response.find("Learner/{http://api.lrs.miap.gov.uk/learner}LinkedULNs")
    assert linked is not None
    assert [u.text for u in linked.findall("ULN")] == [duplicate.uln]


def test_by_uln_with_wrong_names_is_no_match(
    caller: Callable[..., SoapCaller], megan: Learner
) -> None:
    _, root = post(by_uln(caller(["online"]), megan.uln, given="Zebedee"))
    assert body_of(root).findtext("ResponseCode") == "WSRC0001"


# --- Register and update ----------------------------------------------------------------------


def test_register_then_exact_then_identical(caller: Callable[..., SoapCaller]) -> None:
    who = caller(["online"])
    _, root = post(register_body(who))
    response = body_of(root)
    assert response.tag == f"{{{REG}}}RegisterLearnerResponse"
    assert response.findtext("ResponseCode") == "WSRC0005"
    uln = response.findtext("ULN")
    learner = Learner.objects.get(uln=uln)
    assert AuditEvent.objects.get(action="learner.registered", learner_id=learner.pk).channel == (
        "soap"
    )
    _, root = post(register_body(who))
    assert body_of(root).findtext("ResponseCode") in ("WSRC0004", "WSRC0021")


def test_register_with_a_possible_match_issues_no_uln(
    caller: Callable[..., SoapCaller], megan: Learner
) -> None:
    _, root = post(register_body(caller(["online"]), given="Ffion"))  # a twin
    response = body_of(root)
    assert response.findtext("ResponseCode") == "WSRC0003"
    assert response.find("ULN") is None


def test_update_codes(caller: Callable[..., SoapCaller], megan: Learner) -> None:
    who = caller(["online"])
    post(by_uln(who, megan.uln))  # the organisation knows the learner (it registered them too)
    _, root = post(update_body(who, megan.uln, 1, "Cardiff"))
    assert body_of(root).findtext("ResponseCode") == "WSRC0006"
    _, root = post(update_body(who, megan.uln, 1, "Swansea"))
    assert body_of(root).findtext("ResponseCode") == "WSRC0013"
    _, root = post(update_body(who, megan.uln, 2, "Cardiff"))
    assert body_of(root).findtext("ResponseCode") == "WSRC0020"
    _, root = post(update_body(who, "9999999999", 1, "Cardiff"))
    assert body_of(root).findtext("ResponseCode") == "WSRC0019"


def test_update_of_a_learner_another_organisation_holds_is_not_found(
    megan: Learner, school: Organisation, make_user: Callable[..., object], super_actor: Actor
) -> None:
    from lrs.core.actor import Channel
    from lrs.organisations.services import set_web_service_password

    school_super = make_user(school, ["super"])
    set_web_service_password(
        actor=Actor(user=school_super, channel=Channel.PORTAL),  # type: ignore[arg-type]
        password="School-Pass-2026",
    )
    user = make_user(school, ["online"])
    who = SoapCaller(school.ukprn, user.username, "School-Pass-2026")  # type: ignore[attr-defined]
    _, root = post(update_body(who, megan.uln, 1, "Cardiff"))
    assert body_of(root).findtext("ResponseCode") == "WSRC0019"


# --- Verify and retrieve ----------------------------------------------------------------------


def verify_body(caller: SoapCaller, uln: str, family: str = "Pritchard") -> bytes:
    return envelope(
        "rep",
        REP,
        f"<rep:VerifyLearner>{caller.header()}<LearnerToVerify><ULN>{uln}</ULN>"
        f"<FamilyName>{family}</FamilyName><GivenName>Megan</GivenName>"
        "<DateOfBirth>2009-04-12</DateOfBirth><Gender>2</Gender>"
        "</LearnerToVerify></rep:VerifyLearner>",
    )


def test_verify_learner(caller: Callable[..., SoapCaller], megan: Learner) -> None:
    who = caller(["vld"])
    _, root = post(verify_body(who, megan.uln))
    verified = body_of(root).find("VerifiedLearner")
    assert verified is not None
    assert verified.findtext("ResponseCode") == "WSVRC001"
    assert verified.findtext("ULN") == megan.uln
    _, root = post(verify_body(who, megan.uln, family="Jones"))
    verified = body_of(root).find("VerifiedLearner")
    assert verified is not None
    assert verified.findtext("ResponseCode") == "WSVRC005"
    assert "VRF5" in [flag.text for flag in verified.findall("FailureFlag")]
    assert verified.find("ULN") is None


def test_verify_needs_the_verify_role(caller: Callable[..., SoapCaller], megan: Learner) -> None:
    _, root = post(verify_body(caller(["online"]), megan.uln))
    assert fault_code(root) == "WSEC0006"


def test_retrieve_ulns(caller: Callable[..., SoapCaller], megan: Learner) -> None:
    who = caller(["online"])
    body = envelope(
        "rep",
        REP,
        f"<rep:RetrieveULNs>{who.header()}<ULNsToRetrieve><ULN>{megan.uln}</ULN>"
        "<ULN>1000000043</ULN></ULNsToRetrieve></rep:RetrieveULNs>",
    )
    _, root = post(body)
    rows = body_of(root).findall("RetrievedULNs/VerifiedULN")
    assert [row.findtext("ResponseCode") for row in rows] == ["WSRC0004", "WSRC0023"]
    assert rows[0].findtext("FamilyName") == "Pritchard"
    assert rows[1].find("FamilyName") is None


@pytest.fixture
def school_caller(
    school: Organisation, make_user: Callable[..., object]
) -> Callable[[list[str]], SoapCaller]:
    from lrs.core.actor import Channel
    from lrs.organisations.services import set_web_service_password

    school_super = make_user(school, ["super"])
    set_web_service_password(
        actor=Actor(user=school_super, channel=Channel.PORTAL),  # type: ignore[arg-type]
        password="School-Pass-2026",
    )

    def _caller(roles: list[str]) -> SoapCaller:
        user = make_user(school, roles)
        return SoapCaller(school.ukprn, user.username, "School-Pass-2026")  # type: ignore[attr-defined]

    return _caller


def test_update_needs_the_online_role(caller: Callable[..., SoapCaller], megan: Learner) -> None:
    _, root = post(update_body(caller(["view"]), megan.uln, 1, "Cardiff"))
    assert fault_code(root) == "WSEC0006"


def test_retrieve_ulns_of_another_organisation_are_not_found(
    school_caller: Callable[..., SoapCaller], megan: Learner
) -> None:
    who = school_caller(["online"])
    body = envelope(
        "rep",
        REP,
        f"<rep:RetrieveULNs>{who.header()}<ULNsToRetrieve><ULN>{megan.uln}</ULN>"
        "</ULNsToRetrieve></rep:RetrieveULNs>",
    )
    _, root = post(body)
    rows = body_of(root).findall("RetrievedULNs/VerifiedULN")
    assert [row.findtext("ResponseCode") for row in rows] == ["WSRC0023"]
    assert rows[0].find("FamilyName") is None


def test_retrieve_ulns_needs_a_find_role(caller: Callable[..., SoapCaller], megan: Learner) -> None:
    who = caller(["batch"])
    body = envelope(
        "rep",
        REP,
        f"<rep:RetrieveULNs>{who.header()}<ULNsToRetrieve><ULN>{megan.uln}</ULN>"
        "</ULNsToRetrieve></rep:RetrieveULNs>",
    )
    _, root = post(body)
    assert fault_code(root) == "WSEC0006"
