"""The data challenge and ULN change web services, role- and organisation-checked."""

from __future__ import annotations

import pytest

from lrs.learners.models import Learner
from tests.conftest import learner_details

pytestmark = pytest.mark.django_db

CONTACT = {
    "contact_name": "Siân Evans",
    "contact_email": "sian@riverside.example",
    "contact_telephone": "029 2000 0000",
}


@pytest.fixture
def online(api_as, college):
    return api_as(college, ["online"])


@pytest.fixture
def desk_api(api_as, system_actor):
    from lrs.organisations.models import Organisation

    return api_as(Organisation.objects.get(ukprn=system_actor.organisation.ukprn), ["operator"])


def register(client, **overrides):
    details = learner_details(**overrides)
    body = {
        name: (value.isoformat() if hasattr(value, "isoformat") else value)
        for name, value in details.as_model_fields().items()
        if value not in ("", None)
    }
    response = client.post("/api/v1/learners", {**body, "confirm_not_possible_match": True})
    assert response.status_code in (200, 201), response.json()
    return Learner.objects.get(given_name=overrides.get("given_name", "Megan"))


def test_raise_view_and_withdraw(online, api_as, school):
    megan = register(online)
    response = online.post(
        "/api/v1/challenges",
        {"kind": "deceased", "uln": megan.uln, "comments": "Died in May.", **CONTACT},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"] == f"DC-{megan.uln}-001"
    assert body["status"] == "open"
    assert (
        online.get(f"/api/v1/learners/{megan.uln}/challenges").json()[0]["reference"]
        == (body["reference"])
    )
    # Another organisation that has not found the learner sees nothing.
    stranger = api_as(school, ["online"])
    assert stranger.get(f"/api/v1/challenges/{body['reference']}").status_code == 404
    withdrawn = online.post(f"/api/v1/challenges/{body['reference']}/withdraw", {})
    assert withdrawn.json()["status"] == "withdrawn"


def test_a_bad_challenge_is_refused_with_its_fields(online):
    megan = register(online)
    response = online.post("/api/v1/challenges", {"kind": "other_uln", "uln": megan.uln, **CONTACT})
    assert response.status_code == 422
    assert "comments" in response.json()["errors"]


def test_a_batch_user_may_not_raise(api_as, college, online):
    megan = register(online)
    batch = api_as(college, ["batch"])
    response = batch.post(
        "/api/v1/challenges", {"kind": "deceased", "uln": megan.uln, "comments": "x", **CONTACT}
    )
    assert response.status_code == 403


def test_the_service_desk_merges_and_organisations_see_the_uln_change(online, desk_api):
    megan = register(online)
    dup = register(online, given_name="Megn", last_known_postcode="SA1 1AA")
    raised = online.post(
        "/api/v1/challenges",
        {
            "kind": "duplicate_uln",
            "uln": megan.uln,
            "other_uln": dup.uln,
            "master_uln": megan.uln,
            "reason": "Moved house.",
            **CONTACT,
        },
    ).json()
    assert (
        online.post(
            "/api/v1/uln-merges", {"master_uln": megan.uln, "duplicate_uln": dup.uln}
        ).status_code
        == 403
    )
    merged = desk_api.post(
        "/api/v1/uln-merges",
        {
            "master_uln": megan.uln,
            "duplicate_uln": dup.uln,
            "challenge_reference": raised["reference"],
        },
    )
    assert merged.status_code == 200, merged.json()
    assert online.get(f"/api/v1/challenges/{raised['reference']}").json()["status"] == "resolved"
    changes = online.get("/api/v1/uln-changes").json()
    assert [(c["kind"], c["uln"], c["other_uln"]) for c in changes["changes"]] == [
        ("merged", dup.uln, megan.uln)
    ]
    since = changes["next_since"]
    later = online.get(f"/api/v1/uln-changes?since={since.replace('+', '%2B')}").json()
    assert later["changes"] == []
    again = desk_api.post("/api/v1/uln-merges", {"master_uln": dup.uln, "duplicate_uln": megan.uln})
    assert again.status_code == 409  # a cycle is refused
    undone = desk_api.post("/api/v1/uln-demerges", {"duplicate_uln": dup.uln})
    assert undone.json()["demerged_at"] is not None


def test_uln_changes_show_only_learners_the_organisation_knows(online, desk_api, api_as, school):
    megan = register(online)
    dup = register(online, given_name="Megn", last_known_postcode="SA1 1AA")
    desk_api.post("/api/v1/uln-merges", {"master_uln": megan.uln, "duplicate_uln": dup.uln})
    stranger = api_as(school, ["online"])
    assert stranger.get("/api/v1/uln-changes").json()["changes"] == []
    assert api_as(school, ["batch"]).get("/api/v1/uln-changes").status_code == 403


def test_operation_ids_are_readable():
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json").json()
    ids = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"raiseChallenge", "listUlnChanges", "mergeUlns", "withdrawChallenge"} <= ids
