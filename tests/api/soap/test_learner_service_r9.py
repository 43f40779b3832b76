"""LearnerServiceR9.svc: GetLearnerLearningEvents with raw envelopes as the public clients
build them, compared with the real service's responses element by element."""

from __future__ import annotations

import base64
import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from lxml import etree

from lrs.core.actor import Actor
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.plr.services import import_data_return, submit_achievements
from tests.api.soap.conftest import SoapCaller, body_of
from tests.api.soap.test_fidelity import assert_same_shape, real_body
from tests.plr.fixtures import DIPLOMA_QN, GCSE_QN, OTHER_AO_QN, row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

MODEL = "{http://api.lrs.qcf.gov.uk/model}"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"


def events_request(
    caller: SoapCaller, uln: str, given: str, family: str, get_type: str = "FULL"
) -> bytes:
    """As ministryofjustice/hmpps-learner-records-api builds it (dateOfBirth, gender empty)."""
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP11}" xmlns:tem="http://tempuri.org/" '
        'xmlns="http://schemas.datacontract.org/2004/07/Amor.Qcf.Service.Interface">'
        "<soapenv:Header /><soapenv:Body><tem:GetLearnerLearningEvents>"
        f"<tem:invokingOrganisation><Password>{caller.password}</Password>"
        f"<Ukprn>{caller.ukprn}</Ukprn><Username>{caller.username}</Username>"
        "</tem:invokingOrganisation>"
        "<tem:userType>ORG</tem:userType><tem:vendorID>01</tem:vendorID>"
        f"<tem:language>ENG</tem:language><tem:uln>{uln}</tem:uln>"
        f"<tem:givenName>{given}</tem:givenName><tem:familyName>{family}</tem:familyName>"
        "<tem:dateOfBirth></tem:dateOfBirth><tem:gender></tem:gender>"
        f"<tem:getType>{get_type}</tem:getType>"
        "</tem:GetLearnerLearningEvents></soapenv:Body></soapenv:Envelope>"
    ).encode()


def post_r9(raw: bytes) -> tuple[int, etree._Element]:
    response = Client().post("/LearnerServiceR9.svc", data=raw, content_type="text/xml")
    return response.status_code, etree.fromstring(response.content)


@pytest.fixture
def recorded(megan: Learner, operator: Actor, ao_actor: Actor, college: object) -> Learner:
    """The real sample's mix: two ILR events, four NPD results, one AO achievement."""
    import_data_return(
        actor=operator,
        source="ILR",
        submitter_ukprn="10034567",
        rows=[
            row(
                megan,
                subject_code=code,
                source_record_id=f"2024/M1/{n}",
                grade="",
                achievement_award_date=datetime.date(2024, 10, 24),
                participation_start_date=datetime.date(2024, 10, 2),
                participation_end_date=datetime.date(2024, 10, 24),
                return_number="02",
            )
            for n, code in enumerate([GCSE_QN, DIPLOMA_QN])
        ],
    )
    import_data_return(
        actor=operator,
        source="NPD",
        submitter_ukprn="10034567",
        rows=[
            row(
                megan,
                subject_code=code,
                source_record_id=f"2023/{megan.uln}/{n}",
                grade=grade,
                achievement_award_date=datetime.date(2023, 7, 1),
                return_number="01",
            )
            for n, (code, grade) in enumerate(
                [(GCSE_QN, "E"), (DIPLOMA_QN, "A*"), (OTHER_AO_QN, "D"), (GCSE_QN, "U")]
            )
        ],
    )
    submit_achievements(
        actor=ao_actor,
        rows=[
            row(
                megan,
                source_record_id="AO1",
                grade="Pass",
                language_for_assessment="en",
                achievement_award_date=datetime.date(2014, 10, 27),
            )
        ],
    )
    return megan


@pytest.fixture
def plr_caller(caller: Callable[..., SoapCaller]) -> SoapCaller:
    return caller(["plr"])


def test_exact_match_full_against_the_real_response(
    plr_caller: SoapCaller, recorded: Learner
) -> None:
    status, root = post_r9(events_request(plr_caller, recorded.uln, "Megan", "Pritchard"))
    assert status == 200, etree.tostring(root)
    ours, real = body_of(root), real_body("GetLearnerLearningEvents__exact_match_full.xml")
    assert_same_shape(ours, real)
    assert ours.findtext(f".//{MODEL}ResponseCode") == "WSRC0004"
    assert ours.findtext(f".//{MODEL}FoundULN") == recorded.uln
    assert AuditEvent.objects.filter(action="plr.viewed", channel="soap").count() == 1


def test_brief_gives_fewer_fields(plr_caller: SoapCaller, recorded: Learner) -> None:
    _, root = post_r9(events_request(plr_caller, recorded.uln, "Megan", "Pritchard", "BRIEF"))
    events = root.findall(f".//{MODEL}LearningEvent")
    assert len(events) == 7
    assert events[0].find(f"{MODEL}AchievementProviderName") is None
    assert events[0].findtext(f"{MODEL}Subject")


def test_not_shared_against_the_real_response(plr_caller: SoapCaller, recorded: Learner) -> None:
    Learner.objects.filter(pk=recorded.pk).update(ability_to_share="0")
    _, root = post_r9(events_request(plr_caller, recorded.uln, "Megan", "Pritchard"))
    ours, real = body_of(root), real_body("GetLearnerLearningEvents__not_shared.xml")
    assert_same_shape(ours, real)
    assert ours.findtext(f".//{MODEL}ResponseCode") == "WSEC0206"
    assert ours.findtext(f".//{MODEL}FoundULN") == recorded.uln


def test_not_verified_against_the_real_response(plr_caller: SoapCaller, recorded: Learner) -> None:
    _, root = post_r9(events_request(plr_caller, recorded.uln, "Zebedee", "Pritchard"))
    ours, real = body_of(root), real_body("GetLearnerLearningEvents__not_verified.xml")
    assert_same_shape(ours, real)
    assert ours.findtext(f".//{MODEL}ResponseCode") == "WSEC0208"
    assert not ours.findtext(f".//{MODEL}FoundULN")
    assert ours.findtext(f".//{MODEL}IncomingULN") == recorded.uln


def test_linked_uln_gives_found_and_incoming(
    plr_caller: SoapCaller, recorded: Learner, register: Callable[..., Learner]
) -> None:
    duplicate = register(given_name="Meg", date_of_birth=datetime.date(2009, 5, 12))
    Learner.objects.filter(pk=duplicate.pk).update(master=recorded, learner_status="2")
    _, root = post_r9(events_request(plr_caller, duplicate.uln, "Megan", "Pritchard"))
    assert root.findtext(f".//{MODEL}ResponseCode") == "WSRC0022"
    assert root.findtext(f".//{MODEL}FoundULN") == recorded.uln
    assert root.findtext(f".//{MODEL}IncomingULN") == duplicate.uln


def test_needs_the_learner_record_role(
    caller: Callable[..., SoapCaller], recorded: Learner
) -> None:
    status, root = post_r9(events_request(caller(["online"]), recorded.uln, "Megan", "Pritchard"))
    assert status == 500
    fault = root.find(".//{http://api.lrs.qcf.gov.uk/faults}DomainFault")
    assert fault is not None
    assert fault.findtext("{http://api.lrs.qcf.gov.uk/faults}ErrorCode") == "WSEC0006"
    detail = fault.findtext("{http://api.lrs.qcf.gov.uk/faults}ErrorDetail") or ""
    assert b"roles" in base64.b64decode(detail)


def test_wrong_password_is_a_domain_fault(plr_caller: SoapCaller, recorded: Learner) -> None:
    wrong = SoapCaller(plr_caller.ukprn, plr_caller.username, "not-the-password")
    _, root = post_r9(events_request(wrong, recorded.uln, "Megan", "Pritchard"))
    code = root.findtext(".//{http://api.lrs.qcf.gov.uk/faults}ErrorCode")
    assert code == "WSEC0005"


def test_r9_contract_is_served(db: None) -> None:
    assert b"GetLearnerLearningEvents" in Client().get("/LearnerServiceR9.svc?wsdl").content
    for name in ("r9", "r9org", "r9model", "r9faults"):
        assert Client().get(f"/LearnerServiceR9.svc?xsd={name}").status_code == 200


def test_another_organisation_cannot_read_the_plr(
    recorded: Learner, school: object, make_user: Callable[..., object]
) -> None:
    from lrs.core.actor import Channel
    from lrs.organisations.services import set_web_service_password

    school_super = make_user(school, ["super"])
    set_web_service_password(
        actor=Actor(user=school_super, channel=Channel.PORTAL),  # type: ignore[arg-type]
        password="School-Pass-2026",
    )
    viewer = make_user(school, ["plr"])
    stranger = SoapCaller(school.ukprn, viewer.username, "School-Pass-2026")  # type: ignore[attr-defined]
    _, root = post_r9(events_request(stranger, recorded.uln, "Megan", "Pritchard"))
    assert root.findtext(f".//{MODEL}ResponseCode") == "WSEC0208"
    assert root.find(f".//{MODEL}LearningEvent") is None
