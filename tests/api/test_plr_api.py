"""The PLR web services over HTTP: achievements in, learning events out, the catalogue."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from lrs.core.actor import Actor
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation
from lrs.plr.models import LearningEvent
from lrs.plr.services import submit_achievements
from tests.conftest import ApiClient
from tests.plr.fixtures import DIPLOMA_QN, GCSE_QN, OTHER_AO_QN, row

pytestmark = pytest.mark.usefixtures("catalogue")


def _achievement(learner: Learner, **overrides: Any) -> dict[str, Any]:
    body = {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth": learner.date_of_birth.isoformat(),
        "subject_code": GCSE_QN,
        "source_record_id": "R1",
        "grade": "7",
        "achievement_award_date": "2025-08-21",
    }
    body.update(overrides)
    return body


def test_post_achievements_gives_each_row_its_outcome(
    api_as: Callable[..., ApiClient], awarding_org: Organisation, megan: Learner
) -> None:
    api = api_as(awarding_org, ["ao"])

    response = api.post(
        "/api/v1/achievements",
        {
            "achievements": [
                _achievement(megan),
                _achievement(megan, source_record_id="R2", given_name="Bethan"),
                _achievement(megan, source_record_id="R3", subject_code=OTHER_AO_QN),
            ]
        },
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 2)
    outcomes = [(r["position"], r["outcome"], r["code"]) for r in body["results"]]
    assert outcomes == [
        (1, "created", ""),
        (2, "rejected", "learner_mismatch"),
        (3, "rejected", "not_owner"),
    ]
    assert body["results"][1]["fields"] == {"given_name": []}
    assert LearningEvent.objects.count() == 1

    again = api.post("/api/v1/achievements", {"achievements": [_achievement(megan, grade="8")]})
    assert again.json()["results"][0]["outcome"] == "updated"
    assert LearningEvent.objects.get().grade == "8"


@pytest.mark.parametrize("roles", [["online"], ["plr"], ["super"]])
def test_post_achievements_needs_the_awarding_role(
    api_as: Callable[..., ApiClient], awarding_org: Organisation, megan: Learner, roles: list[str]
) -> None:
    response = api_as(awarding_org, roles).post(
        "/api/v1/achievements", {"achievements": [_achievement(megan)]}
    )

    assert response.status_code == 403
    assert not LearningEvent.objects.exists()


def test_a_malformed_body_is_refused(
    api_as: Callable[..., ApiClient], awarding_org: Organisation
) -> None:
    response = api_as(awarding_org, ["ao"]).post("/api/v1/achievements", {"achievements": []})
    assert response.status_code == 422


def test_no_token_no_achievements(client: Any) -> None:
    assert (
        client.post("/api/v1/achievements", {}, content_type="application/json").status_code == 401
    )


@pytest.fixture
def recorded(ao_actor: Actor, megan: Learner) -> Learner:
    submit_achievements(
        actor=ao_actor,
        rows=[
            row(
                megan,
                source_record_id=f"R{n}",
                subject_code=code,
                sensitive=sensitive,
                achievement_award_date=datetime.date(2020 + n, 7, 1),
            )
            for n, (code, sensitive) in enumerate(
                [(GCSE_QN, False), (DIPLOMA_QN, False), (GCSE_QN, True)]
            )
        ],
    )
    return megan


@pytest.fixture
def plr_api(api_as: Callable[..., ApiClient], college: Organisation) -> ApiClient:
    return api_as(college, ["plr"])


def test_learning_events_with_the_real_field_names(plr_api: ApiClient, recorded: Learner) -> None:
    plr_api.post(
        "/api/v1/learners/find-by-uln",
        {"uln": recorded.uln, "given_name": "Megan", "family_name": "Pritchard"},
    )

    response = plr_api.get(f"/api/v1/learners/{recorded.uln}/learning-events")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["response_code"], body["found_uln"], body["incoming_uln"]) == (
        "WSRC0004",
        recorded.uln,
        recorded.uln,
    )
    assert body["total"] == 2  # the sensitive one is never returned
    event = body["learning_events"][0]
    assert event["subject_code"] == DIPLOMA_QN
    assert event["level"] == "Level 3"
    assert event["source"] == "AO"
    assert event["restriction"] == "0"
    assert event["under_data_challenge"] == "N"
    assert event["achievement_award_date"] == "2021-07-01"
    assert len(event["date_loaded"]) == 19


def test_learning_events_sort_and_page(plr_api: ApiClient, recorded: Learner) -> None:
    found_by = plr_api.post(
        "/api/v1/learners/find-by-uln",
        {"uln": recorded.uln, "given_name": "Megan", "family_name": "Pritchard"},
    )
    assert found_by.status_code == 200

    response = plr_api.get(
        f"/api/v1/learners/{recorded.uln}/learning-events?sort=award&order=asc&page=2&page_size=1"
    )

    body = response.json()
    assert (body["page"], body["page_count"], body["total"]) == (2, 2, 2)
    assert [e["subject_code"] for e in body["learning_events"]] == [DIPLOMA_QN]


def test_learning_events_before_finding_the_learner_is_wsec0208(
    api_as: Callable[..., ApiClient], school: Organisation, recorded: Learner
) -> None:
    response = api_as(school, ["plr"]).get(f"/api/v1/learners/{recorded.uln}/learning-events")

    assert response.status_code == 404
    assert response.json()["code"] == "WSEC0208"


def test_learning_events_not_shared_is_wsec0206(plr_api: ApiClient, recorded: Learner) -> None:
    plr_api.post(
        "/api/v1/learners/find-by-uln",
        {"uln": recorded.uln, "given_name": "Megan", "family_name": "Pritchard"},
    )
    Learner.objects.filter(pk=recorded.pk).update(ability_to_share="0")

    response = plr_api.get(f"/api/v1/learners/{recorded.uln}/learning-events")

    assert response.status_code == 403
    body = response.json()
    assert (body["code"], body["found_uln"], body["learning_events"]) == (
        "WSEC0206",
        recorded.uln,
        [],
    )


@pytest.mark.parametrize("roles", [["online"], ["view"]])
def test_learning_events_need_the_learner_record_role(
    api_as: Callable[..., ApiClient], college: Organisation, recorded: Learner, roles: list[str]
) -> None:
    response = api_as(college, roles).get(f"/api/v1/learners/{recorded.uln}/learning-events")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_every_api_view_is_audited(plr_api: ApiClient, recorded: Learner) -> None:
    plr_api.post(
        "/api/v1/learners/find-by-uln",
        {"uln": recorded.uln, "given_name": "Megan", "family_name": "Pritchard"},
    )
    plr_api.get(f"/api/v1/learners/{recorded.uln}/learning-events")

    audit = AuditEvent.objects.get(action="plr.viewed")
    assert (audit.learner_id, audit.channel) == (recorded.pk, "api")


def test_qualification_search(plr_api: ApiClient) -> None:
    response = plr_api.get("/api/v1/qualifications?keywords=engineering&level=3")

    body = response.json()
    assert body["total"] == 1
    qualification = body["qualifications"][0]
    assert (qualification["qn"], qualification["level"]) == (DIPLOMA_QN, "Level 3")
    assert qualification["title_is_invented"] is False


def test_credit_check_over_http(
    api_as: Callable[..., ApiClient],
    awarding_org: Organisation,
    recorded: Learner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LRS_CREDIT_CHECKS_PER_HOUR", "2")
    api = api_as(awarding_org, ["ao"])
    body = {
        "uln": recorded.uln,
        "given_name": "Megan",
        "family_name": "Pritchard",
        "date_of_birth": "2009-04-12",
        "reference": DIPLOMA_QN,
    }

    found = api.post("/api/v1/credit-check", body)
    missing = api.post("/api/v1/credit-check", {**body, "reference": OTHER_AO_QN})
    limited = api.post("/api/v1/credit-check", body)

    assert found.status_code == 200
    assert found.json()["outcome"] == "found"
    assert [a["reference"] for a in found.json()["achievements"]] == [DIPLOMA_QN]
    assert found.json()["achievements"][0]["level"] == "Level 3"
    assert missing.json() == {"outcome": "not_found", "reference": OTHER_AO_QN, "achievements": []}
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    no_reference = api.post("/api/v1/credit-check", {**body, "reference": ""})
    assert no_reference.status_code == 422


def test_credit_check_needs_the_awarding_role(plr_api: ApiClient, recorded: Learner) -> None:
    response = plr_api.post(
        "/api/v1/credit-check",
        {
            "uln": recorded.uln,
            "given_name": "Megan",
            "family_name": "Pritchard",
            "date_of_birth": "2009-04-12",
            "reference": GCSE_QN,
        },
    )
    assert response.status_code == 403


def test_no_token_no_plr(client: Any, recorded: Learner) -> None:
    for method, url in (
        ("get", f"/api/v1/learners/{recorded.uln}/learning-events"),
        ("get", "/api/v1/qualifications"),
        ("post", "/api/v1/credit-check"),
    ):
        assert getattr(client, method)(url).status_code == 401, url


def test_an_achievement_file_over_http(
    api_as: Callable[..., ApiClient], awarding_org: Organisation, megan: Learner
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lrs.batches.services import process_until_done

    api = api_as(awarding_org, ["ao"])
    content = (
        "ULN,GivenName,FamilyName,DateOfBirth,SubjectCode,SourceRecordId,AchievementAwardDate\n"
        f"{megan.uln},Megan,Pritchard,2009-04-12,{GCSE_QN},H1,2025-08-21\n"
    ).encode()

    submitted = api.client.post(
        "/api/v1/achievements/files",
        {"file": SimpleUploadedFile("results.csv", content, "text/csv")},
        headers=api.headers,
    )

    assert submitted.status_code == 202, submitted.content
    body = submitted.json()
    assert (body["rows"], body["status"], body["output"]) == (1, "queued", None)
    early = api.get(f"/api/v1/achievements/files/{body['id']}/output")
    assert early.status_code == 409
    process_until_done()
    status = api.get(f"/api/v1/achievements/files/{body['id']}").json()
    assert (status["status"], status["created"]) == ("complete", 1)
    output = api.get(status["output"])
    assert output.status_code == 200
    assert b",H1," in output.content
    assert api_as(awarding_org, ["super"]).get(status["output"]).status_code == 403
