"""The service desk's resolutions over the web services: split, transfer, correct, remove,
deceased. Operator role only; a refusal (409 or 422) says why and changes nothing; every
resolution is audited and, when it names a challenge, resolves it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from lrs.challenges.models import Challenge, UlnChange
from lrs.challenges.services.raising import raise_challenge
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation
from lrs.plr.models import LearningEvent, LearningEventChange
from lrs.plr.services import submit_achievements
from tests.challenges.conftest import add_events, request_for
from tests.plr.fixtures import GCSE_QN, row

pytestmark = pytest.mark.django_db

SECOND_PERSON = {
    "given_name": "Bethan",
    "family_name": "Pritchard",
    "date_of_birth": "2008-01-02",
    "gender": "2",
    "last_known_postcode": "CF10 3AT",
    "verification_type": "2",
    "ability_to_share": "1",
}


@pytest.fixture
def desk_api(api_as, operator):
    return api_as(Organisation.objects.get(ukprn=operator.organisation.ukprn), ["operator"])


@pytest.fixture
def events(ao_actor, catalogue, megan) -> list[int]:
    return add_events(ao_actor, megan, "E")


@pytest.fixture
def duplicate(register) -> Learner:
    return register(given_name="Megn", last_known_postcode="SA1 1AA", middle_other_name="")


def snapshot() -> tuple[Any, ...]:
    """Everything a resolution may change."""
    return (
        sorted(Learner.objects.values_list("pk", "uln", "learner_status", "master_id")),
        sorted(
            LearningEvent.objects.values_list(
                "pk", "learner_id", "grade", "achievement_award_date", "under_challenge"
            )
        ),
        sorted(Challenge.objects.values_list("reference", "status")),
        UlnChange.objects.count(),
    )


def audited(action: AuditAction) -> int:
    return AuditEvent.objects.filter(action=action.value).count()


def bodies(megan: Learner, duplicate: Learner, events: list[int]) -> dict[str, dict[str, Any]]:
    return {
        "/api/v1/uln-splits": {
            "uln": megan.uln,
            "second_learner": SECOND_PERSON,
            "event_ids": events[1:],
        },
        "/api/v1/event-transfers": {"event_ids": events[:1], "to_uln": duplicate.uln},
        "/api/v1/event-corrections": {"event_id": events[0], "values": {"grade": "8"}},
        "/api/v1/event-removals": {"event_id": events[1], "kept_event_id": events[0]},
        "/api/v1/deceased-learners": {"uln": megan.uln, "date_of_death": "2025-05-01"},
    }


ENDPOINTS = [
    "/api/v1/uln-splits",
    "/api/v1/event-transfers",
    "/api/v1/event-corrections",
    "/api/v1/event-removals",
    "/api/v1/deceased-learners",
]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("ukprn_of", "roles"),
    [
        ("college", ["online"]),
        ("college", ["super", "online", "view", "batch", "plr"]),
        ("school", ["online"]),
        ("awarding_org", ["ao", "online", "plr"]),
    ],
)
def test_only_the_service_desk_may_resolve(
    request, api_as, megan, duplicate, events, path, ukprn_of, roles
):
    organisation = request.getfixturevalue(ukprn_of)
    client = api_as(organisation, roles)
    before = snapshot()
    response = client.post(path, bodies(megan, duplicate, events)[path])
    assert response.status_code == 403, response.json()
    assert snapshot() == before


@pytest.mark.parametrize("path", ENDPOINTS)
def test_no_token_is_401(megan, duplicate, events, path):
    from django.test import Client

    before = snapshot()
    response = Client().post(
        path, bodies(megan, duplicate, events)[path], content_type="application/json"
    )
    assert response.status_code == 401
    assert snapshot() == before


class TestSplit:
    def test_the_second_person_gets_a_new_uln_with_the_events_chosen(
        self, desk_api, api_as, college, megan, events, registrar
    ):
        challenge = raise_challenge(
            request=request_for("shared_uln", megan.uln, comments="Two people use it."),
            actor=registrar,
        )
        response = desk_api.post(
            "/api/v1/uln-splits",
            {
                "uln": megan.uln,
                "second_learner": SECOND_PERSON,
                "event_ids": events[1:],
                "challenge_reference": challenge.reference,
                "comment": "Bethan is Megan's sister.",
            },
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        second = Learner.objects.get(uln=body["new_uln"])
        assert (body["uln"], body["moved_event_ids"]) == (megan.uln, events[1:])
        assert (second.given_name, second.date_of_birth) == ("Bethan", datetime.date(2008, 1, 2))
        assert LearningEvent.objects.get(pk=events[1]).learner_id == second.pk
        assert LearningEvent.objects.get(pk=events[0]).learner_id == megan.pk
        assert Challenge.objects.get().status == "resolved"
        assert audited(AuditAction.ULN_SPLIT) == 1
        changes = api_as(college, ["online"]).get("/api/v1/uln-changes").json()["changes"]
        assert [(c["kind"], c["uln"], c["other_uln"]) for c in changes] == [
            ("split", megan.uln, second.uln)
        ]

    def test_missing_details_are_a_422_naming_the_field(self, desk_api, megan, events):
        before = snapshot()
        details = {k: v for k, v in SECOND_PERSON.items() if k != "date_of_birth"}
        response = desk_api.post(
            "/api/v1/uln-splits", {"uln": megan.uln, "second_learner": details}
        )
        assert response.status_code == 422
        assert "date_of_birth" in str(response.json())
        assert snapshot() == before

    def test_the_same_key_details_as_a_learner_on_the_register_are_refused(
        self, desk_api, megan, events
    ):
        before = snapshot()
        same = {
            **SECOND_PERSON,
            "given_name": megan.given_name,
            "date_of_birth": megan.date_of_birth.isoformat(),
        }
        response = desk_api.post("/api/v1/uln-splits", {"uln": megan.uln, "second_learner": same})
        assert response.status_code == 409, response.json()
        assert snapshot() == before

    def test_events_of_another_learner_are_refused_and_nothing_changes(
        self, desk_api, ao_actor, megan, duplicate, events
    ):
        theirs = add_events(ao_actor, duplicate, "D")
        before = snapshot()
        response = desk_api.post(
            "/api/v1/uln-splits",
            {"uln": megan.uln, "second_learner": SECOND_PERSON, "event_ids": theirs},
        )
        assert response.status_code == 409
        assert response.json()["message"] == "Assign only events of the shared ULN's record."
        assert snapshot() == before
        assert audited(AuditAction.ULN_SPLIT) == 0

    def test_a_closed_challenge_undoes_the_whole_split(self, desk_api, registrar, megan, events):
        challenge = raise_challenge(
            request=request_for("shared_uln", megan.uln, comments="Two people use it."),
            actor=registrar,
        )
        desk_api.post(
            f"/api/v1/challenges/{challenge.reference}/status",
            {"status": "rejected", "comment": "Not shared."},
        )
        before = snapshot()
        response = desk_api.post(
            "/api/v1/uln-splits",
            {
                "uln": megan.uln,
                "second_learner": SECOND_PERSON,
                "event_ids": events,
                "challenge_reference": challenge.reference,
            },
        )
        assert response.status_code == 409
        assert snapshot() == before


class TestTransfer:
    def test_events_move_to_the_other_learner(self, desk_api, megan, duplicate, events):
        response = desk_api.post(
            "/api/v1/event-transfers", {"event_ids": events[:1], "to_uln": duplicate.uln}
        )
        assert response.status_code == 200, response.json()
        assert response.json() == {"to_uln": duplicate.uln, "event_ids": events[:1]}
        assert LearningEvent.objects.get(pk=events[0]).learner_id == duplicate.pk
        assert LearningEventChange.objects.filter(event_id=events[0], reason="transfer").exists()
        assert audited(AuditAction.LEARNING_EVENT_TRANSFERRED) == 1

    def test_an_event_already_on_the_learner_is_refused(self, desk_api, megan, events):
        before = snapshot()
        response = desk_api.post(
            "/api/v1/event-transfers", {"event_ids": events, "to_uln": megan.uln}
        )
        assert response.status_code == 409
        assert "already on this learner's record" in response.json()["message"]
        assert snapshot() == before

    @pytest.mark.parametrize(
        "body",
        [
            {"event_ids": [], "to_uln": "1234567890"},
            {"event_ids": [1], "to_uln": "12345"},
            {"event_ids": [0], "to_uln": "1234567890"},
            {"event_ids": [1], "to_uln": "1234567890", "move": True},
        ],
    )
    def test_a_malformed_body_is_a_422(self, desk_api, events, body):
        before = snapshot()
        assert desk_api.post("/api/v1/event-transfers", body).status_code == 422
        assert snapshot() == before

    def test_an_unknown_uln_or_event_is_refused(self, desk_api, megan, duplicate, events):
        before = snapshot()
        unknown_uln = desk_api.post(
            "/api/v1/event-transfers", {"event_ids": events, "to_uln": "9999999999"}
        )
        assert unknown_uln.status_code == 409
        assert "No learner has the ULN" in unknown_uln.json()["message"]
        unknown_event = desk_api.post(
            "/api/v1/event-transfers", {"event_ids": [events[0], 10**9], "to_uln": duplicate.uln}
        )
        assert unknown_event.status_code == 409
        assert snapshot() == before


class TestCorrect:
    def test_the_event_is_corrected_and_its_history_keeps_the_old_value(
        self, desk_api, megan, events, registrar
    ):
        challenge = raise_challenge(
            request=request_for(
                "event_wrong", megan.uln, event_ids=[events[0]], proposed={"grade": "8"}
            ),
            actor=registrar,
        )
        response = desk_api.post(
            "/api/v1/event-corrections",
            {
                "event_id": events[0],
                "values": {"grade": "8", "achievement_award_date": "2025-08-22"},
                "challenge_reference": challenge.reference,
            },
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["grade"], body["achievement_award_date"], body["uln"]) == (
            "8",
            "2025-08-22",
            megan.uln,
        )
        change = LearningEventChange.objects.get(event_id=events[0], reason="correction")
        assert change.changes["grade"][0] == "7"
        event = LearningEvent.objects.get(pk=events[0])
        assert not event.under_challenge
        assert Challenge.objects.get().status == "resolved"
        assert audited(AuditAction.LEARNING_EVENT_CORRECTED) == 1

    @pytest.mark.parametrize(
        ("values", "status"),
        [
            ({}, 422),
            ({"subject_code": "X"}, 422),
            ({"achievement_award_date": "2025-02-30"}, 422),
            ({"credits": -1}, 422),
        ],
    )
    def test_bad_values_are_refused_and_nothing_changes(self, desk_api, events, values, status):
        before = snapshot()
        response = desk_api.post(
            "/api/v1/event-corrections", {"event_id": events[0], "values": values}
        )
        assert response.status_code == status, response.json()
        assert snapshot() == before
        assert audited(AuditAction.LEARNING_EVENT_CORRECTED) == 0

    def test_no_values_says_what_to_send(self, desk_api, events):
        response = desk_api.post("/api/v1/event-corrections", {"event_id": events[0], "values": {}})
        assert "Enter the corrected value of at least one detail." in str(response.json())


class TestRemove:
    def test_a_duplicated_event_is_removed_and_the_audit_keeps_it(
        self, desk_api, ao_actor, megan, events
    ):
        submit_achievements(actor=ao_actor, rows=[row(megan, source_record_id="E9")])
        copy = LearningEvent.objects.get(source_record_id="E9")
        response = desk_api.post(
            "/api/v1/event-removals", {"event_id": copy.pk, "kept_event_id": events[0]}
        )
        assert response.status_code == 200, response.json()
        assert response.json() == {"removed_event_id": copy.pk, "kept_event_id": events[0]}
        assert not LearningEvent.objects.filter(pk=copy.pk).exists()
        audit = AuditEvent.objects.get(action=AuditAction.LEARNING_EVENT_REMOVED.value)
        assert audit.details["source_record_id"] == "E9"
        assert audit.details["subject_code"] == GCSE_QN

    def test_events_of_different_qualifications_are_refused(self, desk_api, events):
        before = snapshot()
        response = desk_api.post(
            "/api/v1/event-removals", {"event_id": events[1], "kept_event_id": events[0]}
        )
        assert response.status_code == 409
        assert "different qualifications" in response.json()["message"]
        assert snapshot() == before

    def test_events_of_different_learners_are_refused(self, desk_api, ao_actor, duplicate, events):
        theirs = add_events(ao_actor, duplicate, "D")
        before = snapshot()
        response = desk_api.post(
            "/api/v1/event-removals", {"event_id": theirs[0], "kept_event_id": events[0]}
        )
        assert response.status_code == 409
        assert "different learners' records" in response.json()["message"]
        assert snapshot() == before

    def test_an_event_cannot_duplicate_itself(self, desk_api, events):
        before = snapshot()
        response = desk_api.post(
            "/api/v1/event-removals", {"event_id": events[0], "kept_event_id": events[0]}
        )
        assert response.status_code == 409
        assert snapshot() == before

    def test_the_event_kept_is_required(self, desk_api, events):
        assert desk_api.post("/api/v1/event-removals", {"event_id": events[0]}).status_code == 422


class TestDeceased:
    def test_the_learner_is_marked_and_organisations_see_it(self, desk_api, api_as, college, megan):
        response = desk_api.post(
            "/api/v1/deceased-learners", {"uln": megan.uln, "date_of_death": "2025-05-01"}
        )
        assert response.status_code == 200, response.json()
        assert response.json() == {
            "uln": megan.uln,
            "learner_status": "4",
            "date_of_death": "2025-05-01",
        }
        assert audited(AuditAction.LEARNER_DECEASED) == 1
        changes = api_as(college, ["online"]).get("/api/v1/uln-changes").json()["changes"]
        assert [(c["kind"], c["uln"]) for c in changes] == [("deceased", megan.uln)]

    @pytest.mark.parametrize(
        ("body", "message"),
        [
            ({"date_of_death": "2000-01-01"}, "The date of death is before the date of birth."),
            ({}, None),
        ],
    )
    def test_refusals_change_nothing(self, desk_api, megan, body, message):
        if message is None:  # marked once: a second time is refused
            desk_api.post("/api/v1/deceased-learners", {"uln": megan.uln})
            message = "This learner is already recorded as deceased."
        before = snapshot()
        response = desk_api.post("/api/v1/deceased-learners", {"uln": megan.uln, **body})
        assert response.status_code == 409
        assert response.json()["message"] == message
        assert snapshot() == before

    def test_a_linked_uln_is_refused(self, desk_api, megan, duplicate):
        desk_api.post(
            "/api/v1/uln-merges", {"master_uln": megan.uln, "duplicate_uln": duplicate.uln}
        )
        before = snapshot()
        response = desk_api.post("/api/v1/deceased-learners", {"uln": duplicate.uln})
        assert response.status_code == 409
        assert response.json()["message"] == "Mark the master ULN, not a linked one."
        assert snapshot() == before


def test_the_resolutions_are_in_the_openapi_with_readable_ids():
    from django.test import Client

    schema = Client().get("/api/v1/openapi.json").json()
    operations = {
        op["operationId"]: (path, op["tags"])
        for path, item in schema["paths"].items()
        for op in item.values()
    }
    assert operations["splitUln"] == ("/api/v1/uln-splits", ["Data challenges"])
    assert operations["transferEvents"][0] == "/api/v1/event-transfers"
    assert operations["correctEvent"][0] == "/api/v1/event-corrections"
    assert operations["removeDuplicatedEvent"][0] == "/api/v1/event-removals"
    assert operations["markLearnerDeceased"][0] == "/api/v1/deceased-learners"
