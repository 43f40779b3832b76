"""Verify learner over HTTP: codes, flags, linked ULN, refusals, the limit, the OpenAPI."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lrs.core.models import AuditEvent
from lrs.identifiers import generate_uln
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation
from tests.conftest import ApiClient

# A second record of Megan's, different enough to be registered (then linked in the test).
ANOTHER_RECORD = {
    "family_name": "Prichard",
    "date_of_birth": datetime.date(2009, 5, 12),
    "last_known_postcode": "SA1 1NW",
    "middle_other_name": "",
}

pytestmark = pytest.mark.django_db
URL = "/api/v1/verify-learner"


@pytest.fixture
def vld_api(api_as: Callable[..., ApiClient], college: Organisation) -> ApiClient:
    return api_as(college, ["vld"])


def body_for(learner: Learner, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth": learner.date_of_birth.isoformat(),
        "gender": learner.gender,
    }
    values.update(overrides)
    return values


def test_verified(vld_api: ApiClient, megan: Learner) -> None:
    response = vld_api.post(URL, body_for(megan, postcode="cf10 3at"))

    assert response.status_code == 200, response.content
    assert response.json() == {
        "response_code": "WSVRC001",
        "message": "Verified: the details are those of the learner with this ULN.",
        "verified": True,
        "uln": megan.uln,
        "searched": {
            "uln": megan.uln,
            "given_name": "Megan",
            "family_name": "Pritchard",
            "date_of_birth": "2009-04-12",
            "gender": "2",
            "postcode": "CF10 3AT",
        },
        "fields": {
            "given_name": "matches",
            "family_name": "matches",
            "date_of_birth": "matches",
            "gender": "matches",
            "postcode": "matches",
        },
        "failure_flags": [],
    }


def test_which_fields_differ(vld_api: ApiClient, megan: Learner) -> None:
    response = vld_api.post(URL, body_for(megan, date_of_birth="2009-04-13", gender="1"))

    body = response.json()
    assert body["response_code"] == "WSVRC005"
    assert body["verified"] is False
    assert body["uln"] is None
    assert body["fields"]["date_of_birth"] == "differs"
    assert body["fields"]["gender"] == "differs"
    assert body["failure_flags"] == [
        {
            "code": "VRF7",
            "name": "DateOfBirthDoesntMatchDateOfBirth",
            "message": "The date of birth is not the learner's.",
        },
        {
            "code": "VRF8",
            "name": "GenderDoesntMatchGender",
            "message": "The gender is not the learner's.",
        },
    ]


def test_a_linked_uln_gives_the_master_uln(
    vld_api: ApiClient, megan: Learner, register: Callable[..., Learner]
) -> None:
    linked = register(**ANOTHER_RECORD)
    assert linked.pk != megan.pk
    Learner.objects.filter(pk=linked.pk).update(master=megan, learner_status="2")

    similar = vld_api.post(URL, body_for(megan, uln=linked.uln, given_name="Meg")).json()

    assert similar["response_code"] == "WSVRC004"
    assert similar["uln"] == megan.uln
    assert similar["failure_flags"][0]["name"] == "GivenDoesntMatchGiven"
    exact = vld_api.post(URL, body_for(megan, uln=linked.uln)).json()
    assert (exact["response_code"], exact["uln"]) == ("WSVRC002", megan.uln)


def test_an_unknown_uln(vld_api: ApiClient, megan: Learner) -> None:
    while (uln := generate_uln()) == megan.uln:
        pass
    response = vld_api.post(URL, body_for(megan, uln=uln))

    assert response.status_code == 200
    assert response.json()["response_code"] == "WSVRC006"
    assert response.json()["fields"] is None


def test_a_wrong_check_digit_is_422(vld_api: ApiClient, megan: Learner) -> None:
    wrong = megan.uln[:9] + str((int(megan.uln[9]) + 1) % 10)

    response = vld_api.post(URL, body_for(megan, uln=wrong))

    assert response.status_code == 422
    assert response.json()["code"] == "validation_failed"
    assert response.json()["errors"]["uln"] == ["ULN check digit is wrong"]


def test_unknown_fields_are_refused(vld_api: ApiClient, megan: Learner) -> None:
    response = vld_api.post(URL, body_for(megan, post_code="CF10 3AT"))

    assert response.status_code == 422
    assert "post_code" in response.json()["errors"]


def test_missing_fields_are_refused(vld_api: ApiClient) -> None:
    response = vld_api.post(URL, {"uln": generate_uln()})

    assert response.status_code == 422
    assert {"given_name", "family_name", "date_of_birth", "gender"} <= set(
        response.json()["errors"]
    )


@pytest.mark.parametrize("roles", [["online"], ["view"], ["plr"], ["batch"], ["super"]])
def test_other_roles_get_403(
    api_as: Callable[..., ApiClient], college: Organisation, megan: Learner, roles: list[str]
) -> None:
    response = api_as(college, roles).post(URL, body_for(megan))

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(action="learner.verified").exists()


def test_an_awarding_organisation_user_gets_403(
    api_as: Callable[..., ApiClient], awarding_org: Organisation, megan: Learner
) -> None:
    assert api_as(awarding_org, ["ao"]).post(URL, body_for(megan)).status_code == 403


def test_no_token_is_401(megan: Learner) -> None:
    assert Client().post(URL, body_for(megan), content_type="application/json").status_code == 401


def test_limited_per_user_per_hour(
    vld_api: ApiClient, megan: Learner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_VERIFICATIONS_PER_HOUR", "1")
    assert vld_api.post(URL, body_for(megan)).status_code == 200

    limited = vld_api.post(URL, body_for(megan))

    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert AuditEvent.objects.filter(action="learner.verified").count() == 1


def test_audited_with_the_api_channel(
    vld_api: ApiClient, megan: Learner, college: Organisation
) -> None:
    vld_api.post(URL, body_for(megan))

    row = AuditEvent.objects.get(action="learner.verified")
    assert (row.learner_id, row.organisation_id, row.channel) == (megan.pk, college.pk, "api")


def test_openapi_names_the_operation(vld_api: ApiClient) -> None:
    schema = Client().get("/api/v1/openapi.json").json()

    operation = schema["paths"][URL]["post"]
    assert operation["operationId"] == "verifyLearner"
    assert operation["tags"] == ["Verify learner"]
    assert schema["components"]["schemas"]["VerifyLearnerIn"]["additionalProperties"] is False


def test_a_verify_file_over_http(
    vld_api: ApiClient, api_as: Callable[..., ApiClient], megan: Learner, college: Organisation
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lrs.batches.services import process_until_done

    content = (
        "MISIdentifier,ULN,GivenName,FamilyName,DateOfBirth,Gender\n"
        f"M1,{megan.uln},Megan,Pritchard,2009-04-12,2\n"
        f"M2,{megan.uln},Megan,Jones,2009-04-12,2\n"
    ).encode()

    submitted = vld_api.client.post(
        f"{URL}/files",
        {"file": SimpleUploadedFile("verify.csv", content, "text/csv")},
        headers=vld_api.headers,
    )

    assert submitted.status_code == 202, submitted.content
    body = submitted.json()
    assert (body["rows"], body["status"], body["output"]) == (2, "queued", None)
    not_yet = vld_api.get(f"{URL}/files/{body['id']}/output")
    assert not_yet.status_code == 409
    process_until_done()
    done = vld_api.get(f"{URL}/files/{body['id']}").json()
    assert (done["verified"], done["not_matched"], done["rejected"]) == (1, 1, 0)
    output = vld_api.get(done["output"])
    assert output.status_code == 200
    assert output["Content-Type"].startswith("text/csv")
    lines = output.content.decode().splitlines()
    assert lines[1].split(",")[8:11] == ["WSVRC001", megan.uln, ""]
    assert lines[2].split(",")[8:12] == ["WSVRC005", "", "VRF4;VRF5;VRF6", "FamilyName"]
    # Only the verify role, and only the organisation's own files.
    other_role = api_as(college, ["batch"])
    assert other_role.get(f"{URL}/files/{body['id']}").status_code == 403
    bad = other_role.client.post(
        f"{URL}/files",
        {"file": SimpleUploadedFile("verify.csv", content, "text/csv")},
        headers=other_role.headers,
    )
    assert bad.status_code == 403


def test_another_organisations_verify_file_is_404(
    vld_api: ApiClient, api_as: Callable[..., ApiClient], megan: Learner, school: Organisation
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = (
        f"ULN,GivenName,FamilyName,DateOfBirth,Gender\n{megan.uln},Megan,Pritchard,2009-04-12,2\n"
    )
    submitted = vld_api.client.post(
        f"{URL}/files",
        {"file": SimpleUploadedFile("v.csv", content.encode(), "text/csv")},
        headers=vld_api.headers,
    ).json()

    assert api_as(school, ["vld"]).get(f"{URL}/files/{submitted['id']}").status_code == 404


def test_an_unusable_verify_file_is_422(vld_api: ApiClient) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = vld_api.client.post(
        f"{URL}/files",
        {"file": SimpleUploadedFile("v.csv", b"ULN,Name\n1,2\n", "text/csv")},
        headers=vld_api.headers,
    )

    assert response.status_code == 422
    assert (
        "missing column(s): GivenName, FamilyName, DateOfBirth, Gender"
        in response.json()["message"]
    )


def test_the_file_operations_are_named(vld_api: ApiClient) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]

    assert paths[f"{URL}/files"]["post"]["operationId"] == "submitVerifyFile"
    assert paths[f"{URL}/files/{{batch_id}}"]["get"]["operationId"] == "getVerifyFile"
    assert paths[f"{URL}/files/{{batch_id}}/output"]["get"]["operationId"] == "getVerifyFileOutput"
