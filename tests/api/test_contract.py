"""The JSON API's contract: what every endpoint promises, whatever it does."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

MEGAN = {
    "given_name": "Megan",
    "family_name": "Pritchard",
    "date_of_birth": "2009-04-12",
    "gender": "2",
    "last_known_postcode": "CF10 3AT",
}


@pytest.fixture
def online(api_as, college):
    return api_as(college, ["online"])


def _openapi() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


class TestUnknownFields:
    def test_every_json_request_body_refuses_unknown_fields(self):
        document = _openapi()
        open_bodies = []
        for method, path, operation in _operations(document):
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = _resolve(document, content["application/json"]["schema"])
            if schema.get("additionalProperties") is not False:
                open_bodies.append(f"{method.upper()} {path}")
        assert open_bodies == []

    def test_an_update_with_an_unknown_field_is_a_422_naming_it(self, online):
        uln = online.post(
            "/api/v1/learners", {**MEGAN, "verification_type": "1", "ability_to_share": "1"}
        ).json()["learner"]["uln"]

        response = online.patch(
            f"/api/v1/learners/{uln}",
            {"version_number": 1, "changes": {"family_name": "Smith"}},
        )

        assert response.status_code == 422
        assert response.json()["code"] == "validation_failed"
        assert "changes" in response.json()["errors"]
        assert "changes" in response.json()["message"]

    def test_a_search_with_a_misspelt_field_is_a_422_naming_it(self, online):
        response = online.post("/api/v1/learners/search", {**MEGAN, "postcode": "CF10 3AT"})

        assert response.status_code == 422
        assert "postcode" in response.json()["errors"]


class TestUnmatchedRequests:
    @pytest.mark.parametrize(
        "path", ["/api/v1/no-such-thing", "/api/v1/learners/search/extra", "/api/v2/learners"]
    )
    def test_an_unknown_api_path_is_a_json_404(self, online, path):
        response = online.get(path)

        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"
        assert response.json()["message"]

    def test_a_wrong_method_is_a_json_405_that_names_the_allowed_ones(self, online):
        response = online.get("/api/v1/learners/search")

        assert response.status_code == 405
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "method_not_allowed"
        assert response["Allow"] == "POST"

    def test_portal_pages_keep_their_html_404(self):
        response = Client().get("/no-such-page")

        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/html")


class TestCaching:
    def test_every_api_response_forbids_storing_it(self, online):
        registered = online.post(
            "/api/v1/learners", {**MEGAN, "verification_type": "1", "ability_to_share": "1"}
        )
        uln = registered.json()["learner"]["uln"]
        responses = {
            "register": registered,
            "search": online.post("/api/v1/learners/search", MEGAN),
            "find": online.post(
                "/api/v1/learners/find-by-uln",
                {"uln": uln, "given_name": "Megan", "family_name": "Pritchard"},
            ),
            "view": online.get(f"/api/v1/learners/{uln}"),
            "history": online.get(f"/api/v1/learners/{uln}/history"),
            "refused": Client().get(f"/api/v1/learners/{uln}"),
            "not found": online.get("/api/v1/no-such-thing"),
            "schema": Client().get("/api/v1/openapi.json"),
        }

        assert {name: r["Cache-Control"] for name, r in responses.items()} == {
            name: "no-store" for name in responses
        }


class TestDocsPage:
    def test_the_docs_page_has_a_content_security_policy(self):
        response = Client().get("/api/v1/docs")

        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "unsafe-eval" not in policy
        assert "script-src 'self'" in policy


# Generated clients name their functions after these: they must not change.
STABLE_OPERATION_IDS = {
    "POST /api/v1/learners/search": "searchLearners",
    "POST /api/v1/learners/find-by-uln": "findLearnerByUln",
    "POST /api/v1/learners": "registerLearner",
    "GET /api/v1/learners/{uln}": "getLearner",
    "PATCH /api/v1/learners/{uln}": "updateLearner",
    "GET /api/v1/learners/{uln}/history": "getLearnerHistory",
    "POST /api/v1/batches": "submitBatch",
    "GET /api/v1/batches": "listBatches",
    "GET /api/v1/batches/{batch_id}/output": "downloadBatchOutput",
    "GET /api/v1/batches/{batch_id}/exceptions.xlsx": "downloadBatchExceptionsWorkbook",
    "GET /api/v1/batch-exceptions": "listBatchExceptions",
    "POST /api/v1/batch-exceptions/{exception_id}/resolve": "resolveBatchException",
    "POST /api/v1/achievements": "submitAchievements",
    "GET /api/v1/learners/{uln}/learning-events": "getLearningEvents",
    "GET /api/v1/qualifications": "searchQualifications",
    "POST /api/v1/credit-check": "creditCheck",
    "POST /api/v1/verify-learner": "verifyLearner",
    "POST /api/v1/verify-learner/files": "submitVerifyFile",
    "GET /api/v1/verify-learner/files/{batch_id}": "getVerifyFile",
    "GET /api/v1/verify-learner/files/{batch_id}/output": "getVerifyFileOutput",
}


class TestOperations:
    def test_the_known_operations_keep_their_ids(self):
        ids = {
            f"{method.upper()} {path}": operation.get("operationId")
            for method, path, operation in _operations(_openapi())
        }

        assert {key: ids.get(key) for key in STABLE_OPERATION_IDS} == STABLE_OPERATION_IDS

    def test_every_operation_has_a_readable_unique_id_and_a_tag(self):
        operations = _operations(_openapi())
        ids = [operation.get("operationId", "") for _, _, operation in operations]

        assert [i for i in ids if not re.fullmatch(r"[a-z]+(?:[A-Z0-9][a-z0-9]*)*", i)] == []
        assert len(ids) == len(set(ids))
        assert [f"{m} {p}" for m, p, operation in operations if not operation.get("tags")] == []

    def test_every_file_download_is_declared_binary(self):
        undeclared = []
        for method, path, operation in _operations(_openapi()):
            for status, response in operation["responses"].items():
                if not status.startswith("2") or status == "204":
                    continue
                content = response.get("content")
                if not content:
                    undeclared.append(f"{method.upper()} {path} {status}: no content")
                    continue
                for media_type, media in content.items():
                    if media_type != "application/json" and media["schema"] != {
                        "type": "string",
                        "format": "binary",
                    }:
                        undeclared.append(f"{method.upper()} {path} {status}: {media_type}")
        assert undeclared == []

    def test_a_spreadsheet_is_also_offered_as_octet_stream(self):
        operation = _openapi()["paths"]["/api/v1/batches/{batch_id}/exceptions.xlsx"]["get"]

        assert "application/octet-stream" in operation["responses"]["200"]["content"]


class TestBounds:
    @pytest.mark.parametrize(
        "path",
        [
            "/api/v1/batches?offset=9223372036854775808",
            "/api/v1/batches?limit=9223372036854775808",
            "/api/v1/batch-exceptions?offset=9223372036854775808",
            "/api/v1/batch-exceptions?batch_id=9223372036854775808",
            "/api/v1/batches/9223372036854775808",
            "/api/v1/batch-exceptions/9223372036854775808",
            "/api/v1/verify-learner/files/9223372036854775808",
            "/api/v1/achievements/files/9223372036854775808",
            "/api/v1/qualifications?page=9223372036854775808",
            "/api/v1/qualifications?keywords=maths%00",
        ],
    )
    def test_a_number_the_database_cannot_hold_is_a_422(self, api_as, college, path):
        from tests.conftest import ALL_ROLES

        response = api_as(college, ALL_ROLES).get(path)

        assert response.status_code == 422
        assert response.json()["code"] == "validation_failed"

    def test_every_integer_parameter_is_bounded(self):
        document = _openapi()
        unbounded = []
        for method, path, operation in _operations(document):
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                kinds = [schema, *schema.get("anyOf", [])]
                if any(k.get("type") == "integer" and "maximum" not in k for k in kinds):
                    unbounded.append(f"{method.upper()} {path} {parameter['name']}")
        assert unbounded == []


class TestSchemaSaysWhatTheServiceAccepts:
    def test_names_may_not_be_blank_and_a_uln_is_ten_digits(self):
        schemas = _openapi()["components"]["schemas"]
        for name in ("SearchIn", "RegisterIn", "FindByUlnIn", "VerifyLearnerIn"):
            for field in ("given_name", "family_name"):
                assert schemas[name]["properties"][field]["minLength"] == 1
                assert schemas[name]["properties"][field]["pattern"] == r"\S"
        for name in ("FindByUlnIn", "VerifyLearnerIn", "CreditCheckIn", "AchievementIn"):
            assert schemas[name]["properties"]["uln"]["pattern"] == r"^\s*[0-9]{10}\s*$"

    def test_a_blank_name_is_refused_by_the_schema(self, online):
        response = online.post("/api/v1/learners/search", {**MEGAN, "given_name": "   "})

        assert response.status_code == 422
        assert set(response.json()["errors"]) == {"given_name"}

    def test_every_operation_with_a_body_documents_the_400_for_an_unreadable_one(self):
        undocumented = [
            f"{method.upper()} {path}"
            for method, path, operation in _operations(_openapi())
            if "requestBody" in operation and "400" not in operation["responses"]
        ]
        assert undocumented == []

    def test_an_unreadable_body_is_a_400_error(self, online):
        response = online.client.post(
            "/api/v1/learners/search",
            data="{not json",
            content_type="application/json",
            headers=online.headers,
        )

        assert response.status_code == 400
        assert set(response.json()) >= {"code", "message"}
