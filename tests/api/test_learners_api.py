from __future__ import annotations

import pytest
from django.test import Client

from lrs.identifiers import is_valid_uln
from lrs.learners.models import Learner

pytestmark = pytest.mark.django_db

MEGAN = {
    "given_name": "Megan",
    "family_name": "Pritchard",
    "date_of_birth": "2009-04-12",
    "gender": "2",
    "last_known_postcode": "CF10 3AT",
}
REGISTER = {
    **MEGAN,
    "verification_type": "1",
    "ability_to_share": "1",
    "middle_other_name": "Eleri",
}


@pytest.fixture
def online(api_as, college):
    return api_as(college, ["online"])


@pytest.fixture
def viewer(api_as, college):
    return api_as(college, ["view"])


def register(client, **overrides):
    return client.post("/api/v1/learners", {**REGISTER, **overrides})


class TestAuthentication:
    def test_no_token_is_refused_with_json(self):
        response = Client().post("/api/v1/learners/search", MEGAN, content_type="application/json")
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"

    def test_a_wrong_token_is_refused(self):
        response = Client().post(
            "/api/v1/learners/search",
            MEGAN,
            content_type="application/json",
            headers={"Authorization": "Bearer lrs_not-a-real-token"},
        )
        assert response.status_code == 401

    def test_a_suspended_users_token_stops_working(self, online):
        from lrs.organisations.models import User

        User.objects.update(is_active=False)
        assert online.post("/api/v1/learners/search", MEGAN).status_code == 401


class TestRegister:
    def test_register_returns_the_new_uln_and_wsrc0005(self, online):
        response = register(online)

        assert response.status_code == 201
        body = response.json()
        assert body["response_code"] == "WSRC0005"
        assert is_valid_uln(body["learner"]["uln"])
        assert body["learner"]["version_number"] == 1
        assert body["learner"]["middle_other_name"] == "Eleri"

    def test_possible_matches_need_confirmation(self, online):
        register(online)

        twin = register(online, given_name="Ffion", middle_other_name="")
        assert twin.status_code == 409
        assert twin.json()["response_code"] == "WSRC0003"
        assert twin.json()["learners"][0]["match"]["reasons"]

        confirmed = register(
            online, given_name="Ffion", middle_other_name="", confirm_not_possible_match=True
        )
        assert confirmed.status_code == 201

    def test_identical_key_information_is_wsrc0021(self, online):
        register(online)
        response = register(online, middle_other_name="", confirm_not_possible_match=True)
        assert response.status_code == 409
        assert response.json()["code"] == "WSRC0021"

    def test_view_only_users_get_403(self, viewer):
        response = register(viewer)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert Learner.objects.count() == 0

    def test_field_errors_name_the_field(self, online):
        response = register(online, email_address="none", last_known_postcode="NOPE")
        assert response.status_code == 422
        errors = response.json()["errors"]
        assert set(errors) == {"email_address", "last_known_postcode"}

    def test_a_code_outside_its_list_is_refused_by_the_schema(self, online):
        response = register(online, gender="7")
        assert response.status_code == 422
        assert set(response.json()["errors"]) == {"gender"}

    def test_an_impossible_date_is_a_422_not_a_500(self, online):
        response = register(online, date_of_birth="2009-02-30")
        assert response.status_code == 422
        assert "date_of_birth" in response.json()["errors"]

    def test_malformed_json_is_a_clear_error(self, online):
        response = online.client.post(
            "/api/v1/learners",
            data="{not json",
            content_type="application/json",
            headers=online.headers,
        )
        assert 400 <= response.status_code < 500
        assert "message" in response.json() or "detail" in response.json()

    def test_missing_mandatory_fields_are_listed(self, online):
        response = online.post("/api/v1/learners", {"given_name": "Megan"})
        assert response.status_code == 422
        assert {"family_name", "date_of_birth", "gender"} <= set(response.json()["errors"])


class TestSearch:
    def test_exact_match(self, online, viewer):
        uln = register(online).json()["learner"]["uln"]

        body = viewer.post("/api/v1/learners/search", MEGAN).json()

        assert body["response_code"] == "WSRC0004"
        assert [learner["uln"] for learner in body["learners"]] == [uln]
        assert body["learners"][0]["match"]["score"] > 0
        # Issue 19 item 21: the number stays, with its meaning in a word.
        assert body["learners"][0]["match"]["probability"] > 0.5
        assert body["learners"][0]["match"]["strength"] == "strong"

    def test_no_match(self, viewer):
        body = viewer.post("/api/v1/learners/search", MEGAN).json()
        assert body == {"response_code": "WSRC0001", "message": body["message"], "learners": []}

    def test_possible_match_for_a_moved_learner_with_a_nickname(self, online, viewer):
        uln = register(online).json()["learner"]["uln"]
        body = viewer.post(
            "/api/v1/learners/search",
            {**MEGAN, "given_name": "Meg", "last_known_postcode": "SA1 1NW"},
        ).json()
        assert body["response_code"] in {"WSRC0003", "WSRC0004"}
        assert uln in [learner["uln"] for learner in body["learners"]]

    def test_the_upn_is_never_returned(self, online, viewer):
        register(online)
        body = viewer.post("/api/v1/learners/search", MEGAN).json()
        assert "upn" not in body["learners"][0]


class TestFindByUln:
    def test_find_by_uln_and_names(self, online, viewer):
        uln = register(online).json()["learner"]["uln"]
        response = viewer.post(
            "/api/v1/learners/find-by-uln",
            {"uln": uln, "given_name": "Megan", "family_name": "Pritchard"},
        )
        assert response.status_code == 200
        assert response.json()["response_code"] == "WSRC0004"
        assert response.json()["learner"]["uln"] == uln

    def test_unknown_uln_is_404_wsrc0001(self, viewer):
        response = viewer.post(
            "/api/v1/learners/find-by-uln",
            {"uln": "1000000043", "given_name": "Megan", "family_name": "Pritchard"},
        )
        assert response.status_code == 404
        assert response.json()["code"] == "WSRC0001"

    def test_invalid_uln_is_422(self, viewer):
        response = viewer.post(
            "/api/v1/learners/find-by-uln",
            {"uln": "12345", "given_name": "Megan", "family_name": "Pritchard"},
        )
        assert response.status_code == 422
        assert "uln" in response.json()["errors"]


class TestViewAndUpdate:
    def test_view_update_and_history(self, online):
        uln = register(online).json()["learner"]["uln"]

        assert online.get(f"/api/v1/learners/{uln}").json()["version_number"] == 1
        response = online.patch(
            f"/api/v1/learners/{uln}", {"version_number": 1, "family_name": "Hughes"}
        )
        assert response.status_code == 200
        body = response.json()
        assert body["response_code"] == "WSRC0006"
        assert body["learner"]["previous_family_name"] == "Pritchard"
        assert body["learner"]["version_number"] == 2

        history = online.get(f"/api/v1/learners/{uln}/history").json()
        assert [entry["version_number"] for entry in history] == [1, 2]
        assert history[1]["changes"]["family_name"] == ["Pritchard", "Hughes"]
        assert history[1]["channel"] == "api"

    def test_stale_version_is_409_wsrc0013(self, online):
        uln = register(online).json()["learner"]["uln"]
        online.patch(f"/api/v1/learners/{uln}", {"version_number": 1, "notes": "a"})
        response = online.patch(f"/api/v1/learners/{uln}", {"version_number": 1, "notes": "b"})
        assert response.status_code == 409
        assert response.json()["code"] == "WSRC0013"

    def test_no_change_is_wsrc0020(self, online):
        uln = register(online).json()["learner"]["uln"]
        response = online.patch(
            f"/api/v1/learners/{uln}", {"version_number": 1, "given_name": "Megan"}
        )
        assert response.status_code == 200
        assert response.json()["response_code"] == "WSRC0020"
        assert response.json()["learner"]["version_number"] == 1

    def test_view_only_users_cannot_update(self, online, viewer):
        uln = register(online).json()["learner"]["uln"]
        response = viewer.patch(f"/api/v1/learners/{uln}", {"version_number": 1, "notes": "x"})
        assert response.status_code == 403

    def test_another_organisation_cannot_open_a_record_by_uln_alone(self, online, api_as, school):
        uln = register(online).json()["learner"]["uln"]
        other = api_as(school, ["online"])
        assert other.get(f"/api/v1/learners/{uln}").status_code == 404
        assert (
            other.patch(f"/api/v1/learners/{uln}", {"version_number": 1, "notes": "x"}).status_code
            == 404
        )


INTRODUCTIONS = {
    "found by ULN": lambda client, uln: client.post(
        "/api/v1/learners/find-by-uln",
        {"uln": uln, "given_name": "Megan", "family_name": "Pritchard"},
    ),
    "shown by a search": lambda client, uln: client.post("/api/v1/learners/search", MEGAN),
    "shown by a registration": lambda client, uln: register(client, given_name="Meg"),
}
ROUTES = {
    "view": lambda client, uln: client.get(f"/api/v1/learners/{uln}"),
    "history": lambda client, uln: client.get(f"/api/v1/learners/{uln}/history"),
    "update": lambda client, uln: client.patch(
        f"/api/v1/learners/{uln}", {"version_number": 1, "notes": "Known to us now"}
    ),
}


class TestWhoMayOpenARecord:
    """A record opens by ULN only for an organisation that knows the learner (ADR 2)."""

    @pytest.fixture
    def megan(self, online):
        return register(online).json()["learner"]["uln"]

    @pytest.fixture
    def other(self, api_as, school):
        return api_as(school, ["online"])

    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize("introduction", INTRODUCTIONS)
    def test_a_record_opens_once_the_organisation_knows_the_learner(
        self, other, megan, route, introduction
    ):
        open_record = ROUTES[route]
        refused = open_record(other, megan)
        assert refused.status_code == 404
        assert "Pritchard" not in refused.content.decode()

        introduced = INTRODUCTIONS[introduction](other, megan)
        assert megan in introduced.content.decode()

        assert open_record(other, megan).status_code == 200

    @pytest.mark.parametrize("route", ROUTES)
    def test_the_registering_organisation_opens_the_record(self, online, megan, route):
        assert ROUTES[route](online, megan).status_code == 200

    @pytest.mark.parametrize("route", ROUTES)
    def test_a_uln_with_wrong_names_opens_nothing(self, other, megan, route):
        wrong = other.post(
            "/api/v1/learners/find-by-uln",
            {"uln": megan, "given_name": "Ffion", "family_name": "Pritchard"},
        )
        assert wrong.status_code == 404

        assert ROUTES[route](other, megan).status_code == 404


def test_openapi_document_lists_every_route():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/learners/search",
        "/api/v1/learners/find-by-uln",
        "/api/v1/learners",
        "/api/v1/learners/{uln}",
        "/api/v1/learners/{uln}/history",
    } <= set(paths)


def test_docs_page_is_served():
    assert Client().get("/api/v1/docs").status_code == 200


def test_an_oversized_body_is_refused_with_json(online):
    huge = '{"given_name": "' + "a" * (11 * 1024 * 1024) + '"}'
    response = online.client.post(
        "/api/v1/learners/search",
        data=huge,
        content_type="application/json",
        headers=online.headers,
    )
    assert response.status_code in {400, 413}
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "request_too_large"


def test_a_json_array_instead_of_an_object_is_a_422(online):
    response = online.post("/api/v1/learners/search", [1, 2, 3])
    assert response.status_code in {400, 422}
    assert "code" in response.json()


class TestLookalikeNames:
    """Issue 19 item 5: a name that reads the same can't make a second ULN."""

    def test_a_cyrillic_letter_in_a_latin_name_is_refused(self, online):
        response = register(online, given_name="\u0421arys")
        assert response.status_code == 422
        assert "alphabets" in response.json()["errors"]["given_name"][0]
        assert Learner.objects.count() == 0

    def test_a_fullwidth_name_is_the_same_name(self, online):
        first = register(online, given_name="\uff27wenllian")
        assert first.status_code == 201
        assert first.json()["learner"]["given_name"] == "Gwenllian"
        again = register(online, given_name="Gwenllian")
        assert again.json()["code"] == "WSRC0021"
