"""/metrics is off unless a token is set, and then needs it; logs never hold personal data."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client, override_settings

from lrs.ops.logs import JsonFormatter

pytestmark = pytest.mark.django_db

MEGAN = {
    "given_name": "Gwenllian",
    "family_name": "Prydderch",
    "date_of_birth": "2008-02-29",
    "gender": "2",
    "last_known_postcode": "SA31 1AA",
}


def test_metrics_are_off_by_default():
    assert Client().get("/metrics").status_code == 404


@override_settings(LRS_METRICS_TOKEN="s3cret-scrape")
def test_metrics_need_the_token():
    assert Client().get("/metrics").status_code == 401
    wrong = Client().get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    response = Client().get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    assert response.status_code == 200
    assert b"lrs_batch_queue_depth_rows 0.0" in response.content


@override_settings(LRS_METRICS_TOKEN="s3cret-scrape")
def test_a_search_and_a_registration_are_counted_and_logged_without_personal_data(
    api_as, college, caplog, django_capture_on_commit_callbacks
):
    client = api_as(college, ["online", "view"])
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="lrs.requests")
    with django_capture_on_commit_callbacks(execute=True):
        registered = client.post(
            "/api/v1/learners", {**MEGAN, "verification_type": "1", "ability_to_share": "1"}
        )
        assert registered.status_code == 201
        assert client.post("/api/v1/learners/search", MEGAN).status_code == 200
    uln = registered.json()["learner"]["uln"]
    scraped = Client().get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
    text = scraped.content.decode()
    assert 'lrs_searches_total{outcome="exact"}' in text
    assert "lrs_registrations_total" in text

    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records]
    requests = [json.loads(line) for line in lines if '"logger": "lrs.requests"' in line]
    assert [entry["endpoint"] for entry in requests[:2]] == ["api-v1:register", "api-v1:search"]
    assert all(entry["request_id"] and entry["user_id"] for entry in requests[:2])
    written = "\n".join(lines)
    for personal in ("Gwenllian", "Prydderch", "2008-02-29", "SA31 1AA", "SA311AA", uln):
        assert personal not in written
