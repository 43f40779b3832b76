"""An independent SOAP client (zeep) drives LearnerService.svc from our WSDL alone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import zeep
from zeep.exceptions import Fault

from lrs.core.actor import Actor
from tests.api.soap.conftest import SoapCaller

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(live_server: object) -> zeep.Client:
    return zeep.Client(f"{live_server.url}/LearnerService.svc?wsdl")  # type: ignore[attr-defined]


def header(who: SoapCaller) -> dict[str, str]:
    return {"UKPRN": who.ukprn, "OrgPassword": who.password, "UserName": who.username}


def test_every_operation_through_zeep(
    client: zeep.Client, caller: Callable[..., SoapCaller], online_actor: Actor
) -> None:
    who = caller(["online", "vld"])
    registered = client.service.registerSingleLearner(
        **header(who),
        Learner={
            "GivenName": "Megan",
            "FamilyName": "Pritchard",
            "LastKnownPostCode": "CF10 3AT",
            "DateOfBirth": "2009-04-12",
            "Gender": "2",
            "VerificationType": "1",
            "AbilityToShare": "1",
        },
    )
    assert registered.ResponseCode == "WSRC0005"
    uln = registered.ULN

    found = client.service.learnerByDemographics(
        FindType="FUL",
        **header(who),
        FamilyName="Pritchard",
        GivenName="Megan",
        DateOfBirth="2009-04-12",
        Gender="2",
        LastKnownPostCode="CF10 3AT",
    )
    assert found.ResponseCode == "WSRC0004"
    assert uln == found.Learner[0].ULN
    assert found.Learner[0].VersionNumber == 1

    by_uln = client.service.learnerByULN(
        FindType="FUL", **header(who), ULN=uln, FamilyName="Pritchard", GivenName="Megan"
    )
    assert by_uln.ResponseCode == "WSRC0004"

    updated = client.service.updateSingleLearner(
        **header(who),
        Learner={
            "GivenName": "Megan",
            "FamilyName": "Pritchard",
            "LastKnownAddressTown": "Cardiff",
            "LastKnownPostCode": "CF10 3AT",
            "DateOfBirth": "2009-04-12",
            "Gender": "2",
            "VerificationType": "1",
            "AbilityToShare": "1",
            "ULN": uln,
            "VersionNumber": 1,
        },
    )
    assert updated == "WSRC0006"

    verified = client.service.verifyLearner(
        **header(who),
        LearnerToVerify={
            "ULN": uln,
            "FamilyName": "Pritchard",
            "GivenName": "Megan",
            "DateOfBirth": "2009-04-12",
            "Gender": "2",
        },
    )
    assert verified.ResponseCode == "WSVRC001"

    retrieved = client.service.retrieveULNs(**header(who), ULNsToRetrieve={"ULN": [uln]})
    assert retrieved[0].ResponseCode == "WSRC0004"


def test_faults_reach_zeep_as_faults(
    client: zeep.Client, caller: Callable[..., SoapCaller]
) -> None:
    who = caller(["online"])
    with pytest.raises(Fault) as raised:
        client.service.learnerByDemographics(
            FindType="FUL",
            UKPRN=who.ukprn,
            OrgPassword="wrong-password",
            UserName=who.username,
            FamilyName="Pritchard",
            GivenName="Megan",
            DateOfBirth="2009-04-12",
            Gender="2",
            LastKnownPostCode="CF10 3AT",
        )
    assert raised.value.message == "uk.gov.miap.lrs.api.exceptions.MIAPAPIException"
    detail = raised.value.detail
    code = detail.find(".//{http://api.lrs.miap.gov.uk/exceptions}MIAPAPIException/ErrorCode")
    assert code.text == "WSEC0005"


def test_r9_through_zeep(live_server: object, caller: Callable[..., SoapCaller]) -> None:
    who = caller(["online", "plr"])
    r9 = zeep.Client(f"{live_server.url}/LearnerServiceR9.svc?wsdl")  # type: ignore[attr-defined]
    service = zeep.Client(f"{live_server.url}/LearnerService.svc?wsdl")  # type: ignore[attr-defined]
    uln = service.service.registerSingleLearner(
        **header(who),
        Learner={
            "GivenName": "Megan",
            "FamilyName": "Pritchard",
            "LastKnownPostCode": "CF10 3AT",
            "DateOfBirth": "2009-04-12",
            "Gender": "2",
            "VerificationType": "1",
            "AbilityToShare": "1",
        },
    ).ULN
    result = r9.service.GetLearnerLearningEvents(
        invokingOrganisation={
            "Password": who.password,
            "Ukprn": who.ukprn,
            "Username": who.username,
        },
        userType="LNR",
        vendorID=1,
        language="ENG",
        uln=uln,
        givenName="Megan",
        familyName="Pritchard",
        getType="FULL",
    )
    assert result.ResponseCode == "WSRC0004"
    assert result.FoundULN == uln


def test_r9_learner_and_organisation_operations_through_zeep(
    live_server: object, caller: Callable[..., SoapCaller]
) -> None:
    who = caller(["online", "plr"])
    r9 = zeep.Client(f"{live_server.url}/LearnerServiceR9.svc?wsdl")  # type: ignore[attr-defined]
    service = zeep.Client(f"{live_server.url}/LearnerService.svc?wsdl")  # type: ignore[attr-defined]
    uln = service.service.registerSingleLearner(
        **header(who),
        Learner={
            "GivenName": "Megan",
            "FamilyName": "Pritchard",
            "LastKnownPostCode": "CF10 3AT",
            "DateOfBirth": "2009-04-12",
            "Gender": "2",
            "VerificationType": "1",
            "AbilityToShare": "1",
        },
    ).ULN
    organisation = {
        "ChannelCode": "WebServices",
        "Password": who.password,
        "Ukprn": who.ukprn,
        "Username": who.username,
    }
    common = {"invokingOrganisation": organisation, "vendorId": 1, "language": "ENG"}
    found = r9.service.LearnerByUln(
        **common,
        userType="ORG",
        uln=uln,
        givenName="Megan",
        familyName="Pritchard",
        findType="FUL",
    )
    assert found.ResponseCode == "WSRC0004"
    assert found.Learner.Uln == uln
    assert found.Learner.VersionNumber == 1
    updated = r9.service.UpdateLearnerSubsetFields(
        **common,
        userType="ORG",
        uln=uln,
        versionNumber=1,
        emailAddress="megan@example.org",
        abilityToShare="FPNSeenShareData",
        preferredGivenName="Meg",
    )
    assert updated == "WSRC0006"
    audit = r9.service.ViewAudit(
        **common,
        userType="ORG",
        learnerUln=uln,
        learnerGivenName="Megan",
        learnerFamilyName="Pritchard",
        page=1,
    )
    entries = audit.List.PlrAccessEntryResponse
    assert audit.TotalItems == len(entries) >= 3  # registered, found, updated, this reading
    assert {entry.Organisation for entry in entries} == {"Riverside College"}
    assert all(entry.User is None for entry in entries)
    org = r9.service.GetOrganisation(**common, userType="ORG", ukPrn=who.ukprn)
    assert (org.DisplayName, org.Ukprn, org.Status) == ("Riverside College", who.ukprn, "Active")
    with pytest.raises(Fault) as raised:
        r9.service.GetOrganisation(
            invokingOrganisation={**organisation, "Password": "wrong-password"},
            userType="ORG",
            vendorId=1,
            language="ENG",
        )
    assert raised.value.detail.findtext(".//{http://api.lrs.qcf.gov.uk/faults}ErrorCode") == (
        "WSEC0005"
    )
