"""LearnerServiceR9.svc's LearnerByUln, UpdateLearnerSubsetFields, ViewAudit and GetOrganisation
over HTTP with raw SOAP 1.1 envelopes, as a WCF client of the real service writes them."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from lxml import etree

from lrs.core.actor import Actor, Channel
from lrs.core.models import AuditEvent
from lrs.learners.models import KnownLearner, Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation, User
from lrs.organisations.services import set_web_service_password
from tests.api.soap.conftest import SoapCaller, body_of
from tests.conftest import learner_details

pytestmark = pytest.mark.django_db

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
TEM = "http://tempuri.org/"
COMMON = "http://schemas.datacontract.org/2004/07/Amor.Qcf.Common"
MODEL = "{http://api.lrs.qcf.gov.uk/model}"
LEARNER = "{http://schemas.datacontract.org/2004/07/Amor.Qcf.MIAPModel}"
ARRAYS = "{http://schemas.microsoft.com/2003/10/Serialization/Arrays}"
FAULTS = "{http://api.lrs.qcf.gov.uk/faults}"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
SCHOOL_PASSWORD = "School-Pass-2026"


def r9_envelope(operation: str, who: SoapCaller, parameters: str) -> bytes:
    """As svcutil's proxy writes it: the organisation's members in their data-contract
    namespace, alphabetical, then the operation's parameters in tempuri."""
    return (
        f'<s:Envelope xmlns:s="{SOAP11}"><s:Body>'
        f'<{operation} xmlns="{TEM}">'
        f'<invokingOrganisation xmlns:a="{COMMON}" '
        'xmlns:i="http://www.w3.org/2001/XMLSchema-instance">'
        '<a:ChannelCode>WebServices</a:ChannelCode><a:Estab i:nil="true"/>'
        '<a:LaNumber i:nil="true"/>'
        f'<a:Password>{who.password}</a:Password><a:Reference i:nil="true"/>'
        f"<a:Ukprn>{who.ukprn}</a:Ukprn><a:Username>{who.username}</a:Username>"
        "</invokingOrganisation>"
        f"{parameters}</{operation}></s:Body></s:Envelope>"
    ).encode()


def post_r9(raw: bytes) -> tuple[int, etree._Element]:
    response = Client().post("/LearnerServiceR9.svc", data=raw, content_type="text/xml")
    assert response["Content-Type"].startswith("text/xml")
    return response.status_code, etree.fromstring(response.content)


def result_of(root: etree._Element, operation: str) -> etree._Element:
    response = body_of(root)
    assert response.tag == f"{{{TEM}}}{operation}Response", etree.tostring(root)
    result = response.find(f"{{{TEM}}}{operation}Result")
    assert result is not None
    return result


def domain_fault(root: etree._Element) -> tuple[str, str]:
    fault = root.find(f".//{FAULTS}DomainFault")
    assert fault is not None, etree.tostring(root)
    detail = base64.b64decode(fault.findtext(f"{FAULTS}ErrorDetail") or "").decode()
    return fault.findtext(f"{FAULTS}ErrorCode") or "", detail


def by_uln(who: SoapCaller, uln: str, given: str = "Megan", find_type: str = "FUL") -> bytes:
    return r9_envelope(
        "LearnerByUln",
        who,
        "<userType>ORG</userType><vendorId>1</vendorId><language>ENG</language>"
        f"<uln>{uln}</uln><givenName>{given}</givenName><familyName>Pritchard</familyName>"
        f"<findType>{find_type}</findType>",
    )


def subset(who: SoapCaller, uln: str, version: int, *, fields: str) -> bytes:
    return r9_envelope(
        "UpdateLearnerSubsetFields",
        who,
        "<userType>ORG</userType><vendorId>1</vendorId><language>ENG</language>"
        f"<uln>{uln}</uln><versionNumber>{version}</versionNumber>{fields}",
    )


def view_audit(who: SoapCaller, uln: str, page: int = 1, given: str = "Megan") -> bytes:
    return r9_envelope(
        "ViewAudit",
        who,
        "<userType>ORG</userType><vendorId>1</vendorId><language>ENG</language>"
        f"<learnerUln>{uln}</learnerUln><learnerGivenName>{given}</learnerGivenName>"
        f"<learnerFamilyName>Pritchard</learnerFamilyName><page>{page}</page>",
    )


def get_organisation(who: SoapCaller, ukprn: str = "") -> bytes:
    return r9_envelope(
        "GetOrganisation",
        who,
        "<userType>ORG</userType><vendorId>1</vendorId><language>ENG</language>"
        f"<ukPrn>{ukprn}</ukPrn><orgRef/>",
    )


@pytest.fixture
def megan(online_actor: Actor) -> Learner:
    result = register_learner(details=learner_details(), actor=online_actor)
    assert result.learner is not None
    return result.learner


@pytest.fixture
def linked(megan: Learner, online_actor: Actor) -> Learner:
    """Megan's second ULN, merged into hers."""
    duplicate = register_learner(
        details=learner_details(given_name="Meg", date_of_birth=datetime.date(2009, 5, 12)),
        actor=online_actor,
        confirm_not_possible_match=True,
    ).learner
    assert duplicate is not None
    Learner.objects.filter(pk=duplicate.pk).update(master=megan, learner_status="2")
    return duplicate


@pytest.fixture
def school_caller(
    school: Organisation, make_user: Callable[..., User]
) -> Callable[..., SoapCaller]:
    set_web_service_password(
        actor=Actor(user=make_user(school, ["super"]), channel=Channel.PORTAL),
        password=SCHOOL_PASSWORD,
    )

    def _caller(roles: list[str]) -> SoapCaller:
        return SoapCaller(school.ukprn, make_user(school, roles).username, SCHOOL_PASSWORD)

    return _caller


# --- Contract ---------------------------------------------------------------------------------


def test_the_wsdl_offers_the_new_operations_and_serves_their_schemas(db: None) -> None:
    wsdl = etree.fromstring(Client().get("/LearnerServiceR9.svc?wsdl").content)
    wsdl_ns = "{http://schemas.xmlsoap.org/wsdl/}"
    operations = {op.get("name") for op in wsdl.iter(f"{wsdl_ns}operation")}
    assert {
        "GetLearnerLearningEvents",
        "LearnerByUln",
        "UpdateLearnerSubsetFields",
        "ViewAudit",
        "GetOrganisation",
    } <= operations
    for name in ("r9common", "r9learner", "r9arrays", "r9model"):
        schema = Client().get(f"/LearnerServiceR9.svc?xsd={name}")
        assert schema.status_code == 200
        assert etree.fromstring(schema.content).get("targetNamespace")


# --- LearnerByUln -----------------------------------------------------------------------------


def test_learner_by_uln_exact_match(caller: Callable[..., SoapCaller], megan: Learner) -> None:
    status, root = post_r9(by_uln(caller(["online"]), megan.uln))
    assert status == 200, etree.tostring(root)
    result = result_of(root, "LearnerByUln")
    assert [child.tag.split("}")[1] for child in result] == [
        "ResponseCode",
        "FamilyName",
        "GivenName",
        "Learner",
        "Uln",
    ]
    assert result.findtext(f"{MODEL}ResponseCode") == "WSRC0004"
    assert result.findtext(f"{MODEL}Uln") == megan.uln
    learner = result.find(f"{MODEL}Learner")
    assert learner is not None
    assert learner.findtext(f"{LEARNER}Uln") == megan.uln
    assert learner.findtext(f"{LEARNER}DateOfBirth") == "2009-04-12T00:00:00"
    assert learner.findtext(f"{LEARNER}Gender") == "2"
    assert learner.findtext(f"{LEARNER}VersionNumber") == "1"
    names = [child.tag.split("}")[1] for child in learner]
    assert names == sorted(names)  # WCF's data-contract order
    event = AuditEvent.objects.filter(action="learner.found_by_uln").latest("id")
    assert event.channel == "soap"
    assert event.learner_id == megan.pk


def test_learner_by_uln_of_a_linked_uln_gives_the_master(
    caller: Callable[..., SoapCaller], megan: Learner, linked: Learner
) -> None:
    _, root = post_r9(by_uln(caller(["online"]), linked.uln, given="Meg"))
    result = result_of(root, "LearnerByUln")
    assert result.findtext(f"{MODEL}ResponseCode") == "WSRC0022"
    assert result.findtext(f"{MODEL}Uln") == megan.uln
    learner = result.find(f"{MODEL}Learner")
    assert learner is not None
    assert learner.findtext(f"{LEARNER}Uln") == megan.uln
    assert [u.text for u in learner.findall(f"{LEARNER}LinkedUlns/{ARRAYS}string")] == [linked.uln]


def test_learner_by_uln_with_other_names_is_no_match(
    caller: Callable[..., SoapCaller], megan: Learner
) -> None:
    _, root = post_r9(by_uln(caller(["online"]), megan.uln, given="Zebedee"))
    result = result_of(root, "LearnerByUln")
    assert result.findtext(f"{MODEL}ResponseCode") == "WSRC0001"
    learner = result.find(f"{MODEL}Learner")
    assert learner is not None
    assert learner.get(XSI_NIL) == "true"


def test_learner_by_uln_chk_checks_without_making_the_learner_known(
    megan: Learner, school_caller: Callable[..., SoapCaller]
) -> None:
    who = school_caller(["online"])
    _, root = post_r9(by_uln(who, megan.uln, find_type="CHK"))
    assert result_of(root, "LearnerByUln").findtext(f"{MODEL}ResponseCode") == "WSRC0004"
    school = Organisation.objects.get(ukprn=who.ukprn)
    assert not KnownLearner.objects.filter(organisation=school, learner=megan).exists()
    _, root = post_r9(by_uln(who, megan.uln, find_type="FUL"))
    assert KnownLearner.objects.filter(organisation=school, learner=megan).exists()


def test_learner_by_uln_needs_a_find_role(
    caller: Callable[..., SoapCaller], megan: Learner
) -> None:
    status, root = post_r9(by_uln(caller(["vld"]), megan.uln))
    assert status == 500
    assert domain_fault(root)[0] == "WSEC0006"


def test_wrong_password_and_unknown_organisation(
    caller: Callable[..., SoapCaller], megan: Learner
) -> None:
    who = caller(["online"])
    for raw in (
        by_uln(SoapCaller(who.ukprn, who.username, "not-the-password"), megan.uln),
        subset(SoapCaller(who.ukprn, who.username, "not-the-password"), megan.uln, 1, fields=""),
        get_organisation(SoapCaller(who.ukprn, who.username, "not-the-password")),
        view_audit(SoapCaller(who.ukprn, who.username, "not-the-password"), megan.uln),
    ):
        status, root = post_r9(raw)
        assert status == 500
        assert domain_fault(root)[0] == "WSEC0005"
    _, root = post_r9(get_organisation(SoapCaller("99999999", who.username)))
    assert domain_fault(root)[0] == "WSEC0003"


# --- Faulty envelopes -------------------------------------------------------------------------


def test_a_missing_uln_is_wsec0001_naming_the_element(caller: Callable[..., SoapCaller]) -> None:
    who = caller(["online"])
    raw = r9_envelope("LearnerByUln", who, "<userType>ORG</userType><findType>FUL</findType>")
    status, root = post_r9(raw)
    assert status == 500
    code, detail = domain_fault(root)
    assert code == "WSEC0001"
    assert "uln" in detail


def test_the_r10_organisation_on_another_operation_is_wsec0001(
    caller: Callable[..., SoapCaller], megan: Learner
) -> None:
    """GetLearnerLearningEvents' InvokingOrganisationR10 namespace is not LearnerByUln's."""
    raw = by_uln(caller(["online"]), megan.uln).replace(
        COMMON.encode(), b"http://schemas.datacontract.org/2004/07/Amor.Qcf.Service.Interface"
    )
    _, root = post_r9(raw)
    assert domain_fault(root)[0] == "WSEC0001"


def test_a_wrong_enum_and_an_entity_are_refused(caller: Callable[..., SoapCaller]) -> None:
    who = caller(["online"])
    _, root = post_r9(r9_envelope("GetOrganisation", who, "<userType>TEACHER</userType>"))
    assert domain_fault(root)[0] == "WSEC0001"
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + get_organisation(who)
    _, root = post_r9(bomb)
    code, detail = domain_fault(root)
    assert code == "WSEC0001"
    assert "DOCTYPE" in detail


# --- UpdateLearnerSubsetFields ----------------------------------------------------------------


def test_update_subset_fields_codes(caller: Callable[..., SoapCaller], megan: Learner) -> None:
    who = caller(["online"])
    fields = (
        "<emailAddress>megan@example.org</emailAddress><telephoneNumber>029 2000 0000"
        "</telephoneNumber><abilityToShare>FPNNotSeen</abilityToShare>"
        "<schoolAtAge16 xmlns:i='http://www.w3.org/2001/XMLSchema-instance' i:nil='true'/>"
        "<preferredGivenName>Meg</preferredGivenName>"
    )
    status, root = post_r9(subset(who, megan.uln, 1, fields=fields))
    assert status == 200, etree.tostring(root)
    assert body_of(root).findtext(f"{{{TEM}}}UpdateLearnerSubsetFieldsResult") == "WSRC0006"
    megan.refresh_from_db()
    assert (megan.email_address, megan.preferred_given_name) == ("megan@example.org", "Meg")
    assert megan.ability_to_share == "0"
    assert megan.version_number == 2
    assert AuditEvent.objects.filter(action="learner.updated", channel="soap").count() == 1
    _, root = post_r9(subset(who, megan.uln, 2, fields=fields))
    assert body_of(root).findtext(f"{{{TEM}}}UpdateLearnerSubsetFieldsResult") == "WSRC0020"
    stale = subset(who, megan.uln, 1, fields="<emailAddress>x@example.org</emailAddress>")
    _, root = post_r9(stale)
    assert body_of(root).findtext(f"{{{TEM}}}UpdateLearnerSubsetFieldsResult") == "WSRC0013"


def test_update_subset_fields_of_a_linked_uln_is_refused(
    caller: Callable[..., SoapCaller], megan: Learner, linked: Learner
) -> None:
    _, root = post_r9(
        subset(caller(["online"]), linked.uln, 1, fields="<emailAddress>a@b.org</emailAddress>")
    )
    assert body_of(root).findtext(f"{{{TEM}}}UpdateLearnerSubsetFieldsResult") == "WSRC0019"
    linked.refresh_from_db()
    assert linked.email_address == ""


def test_update_subset_fields_of_another_organisations_learner_is_not_found(
    megan: Learner, school_caller: Callable[..., SoapCaller]
) -> None:
    who = school_caller(["online"])
    _, root = post_r9(subset(who, megan.uln, 1, fields="<emailAddress>a@b.org</emailAddress>"))
    assert body_of(root).findtext(f"{{{TEM}}}UpdateLearnerSubsetFieldsResult") == "WSRC0019"


def test_update_subset_fields_checks_the_values_and_the_role(
    caller: Callable[..., SoapCaller], megan: Learner
) -> None:
    _, root = post_r9(
        subset(caller(["online"]), megan.uln, 1, fields="<emailAddress>not an email</emailAddress>")
    )
    code, detail = domain_fault(root)
    assert code == "WSEC0001"
    assert "email" in detail
    _, root = post_r9(
        subset(caller(["plr"]), megan.uln, 1, fields="<emailAddress>a@b.org</emailAddress>")
    )
    assert domain_fault(root)[0] == "WSEC0006"
    megan.refresh_from_db()
    assert megan.version_number == 1


# --- ViewAudit --------------------------------------------------------------------------------


def test_view_audit_lists_organisations_never_users(
    caller: Callable[..., SoapCaller], megan: Learner, online_actor: Actor
) -> None:
    who = caller(["online", "plr"])
    status, root = post_r9(view_audit(who, megan.uln))
    assert status == 200, etree.tostring(root)
    result = result_of(root, "ViewAudit")
    assert [child.tag.split("}")[1] for child in result] == [
        "List",
        "PageCount",
        "PageIndex",
        "PageSize",
        "SortIndex",
        "SortOrder",
        "TotalItems",
    ]
    entries = result.findall(f"{MODEL}List/{MODEL}PlrAccessEntryResponse")
    # Registered by the college, then this reading of the log itself (newest first).
    assert [e.findtext(f"{MODEL}Action") for e in entries] == [
        "Viewed who has looked at your record",
        "Registered you",
    ]
    assert {e.findtext(f"{MODEL}Organisation") for e in entries} == {"Riverside College"}
    users = [e.find(f"{MODEL}User") for e in entries]
    assert all(user is not None and user.get(XSI_NIL) == "true" for user in users)
    assert who.username.encode() not in etree.tostring(result)
    assert online_actor.user.username.encode() not in etree.tostring(result)
    assert result.findtext(f"{MODEL}TotalItems") == "2"
    assert result.findtext(f"{MODEL}PageIndex") == "1"
    assert AuditEvent.objects.filter(action="plr.audit_viewed", channel="soap").count() == 1


def test_view_audit_of_a_linked_uln_reads_the_masters_log(
    caller: Callable[..., SoapCaller], megan: Learner, linked: Learner
) -> None:
    _, root = post_r9(view_audit(caller(["plr"]), linked.uln, given="Meg"))
    result = result_of(root, "ViewAudit")
    actions = [
        e.findtext(f"{MODEL}Action")
        for e in result.findall(f"{MODEL}List/{MODEL}PlrAccessEntryResponse")
    ]
    # Megan's registration and her linked ULN's, both under the master.
    assert actions.count("Registered you") == 2


def test_view_audit_of_a_learner_the_organisation_has_not_found_is_wsec0208(
    megan: Learner, school_caller: Callable[..., SoapCaller]
) -> None:
    status, root = post_r9(view_audit(school_caller(["plr"]), megan.uln))
    assert status == 500
    assert domain_fault(root)[0] == "WSEC0208"


def test_view_audit_when_the_learner_has_not_shared_is_wsec0206(
    caller: Callable[..., SoapCaller], megan: Learner
) -> None:
    Learner.objects.filter(pk=megan.pk).update(ability_to_share="0")
    _, root = post_r9(view_audit(caller(["plr"]), megan.uln))
    assert domain_fault(root)[0] == "WSEC0206"


def test_view_audit_needs_the_plr_role(caller: Callable[..., SoapCaller], megan: Learner) -> None:
    _, root = post_r9(view_audit(caller(["online"]), megan.uln))
    assert domain_fault(root)[0] == "WSEC0006"


# --- GetOrganisation --------------------------------------------------------------------------


def test_get_organisation_gives_the_invoking_organisation(
    caller: Callable[..., SoapCaller], college: Organisation
) -> None:
    status, root = post_r9(get_organisation(caller(["vld"])))
    assert status == 200, etree.tostring(root)
    result = result_of(root, "GetOrganisation")
    assert [child.tag.split("}")[1] for child in result] == [
        "ResponseCode",
        "DisplayName",
        "OrgRef",
        "Status",
        "Ukprn",
    ]
    assert result.findtext(f"{MODEL}DisplayName") == "Riverside College"
    assert result.findtext(f"{MODEL}Ukprn") == college.ukprn
    assert result.findtext(f"{MODEL}Status") == "Active"
    event = AuditEvent.objects.get(action="organisation.viewed")
    assert event.channel == "soap"
    _, root = post_r9(get_organisation(caller(["vld"]), college.ukprn))
    assert result_of(root, "GetOrganisation").findtext(f"{MODEL}Ukprn") == college.ukprn


def test_get_organisation_of_another_organisation_is_refused(
    caller: Callable[..., SoapCaller], school: Organisation
) -> None:
    status, root = post_r9(get_organisation(caller(["online"]), school.ukprn))
    assert status == 500
    assert domain_fault(root)[0] == "WSEC0006"
    assert b"Ysgol Glan Afon" not in etree.tostring(root)
