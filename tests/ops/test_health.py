"""/healthz and /readyz: no sign-in, no data; ready only when the database, the migrations
and (with RQ) Redis are."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from lrs.ops import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_migration_check():
    health.reset_migration_cache()
    yield
    health.reset_migration_cache()


def test_healthz_needs_no_sign_in_and_says_only_ok():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_readyz_checks_the_database_and_migrations():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok"},
    }


def test_readyz_is_503_while_a_migration_is_pending(monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: ["pending"])
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "failed"


@override_settings(LRS_QUEUE="rq", LRS_REDIS_URL="redis://127.0.0.1:1/0")
def test_readyz_with_rq_needs_redis():
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "redis": "failed",
    }


def test_probes_refuse_writes():
    assert Client().post("/healthz").status_code == 405


def test_probes_are_not_redirected_to_https():
    from django.conf import settings

    with override_settings(SECURE_SSL_REDIRECT=True):
        assert settings.SECURE_SSL_REDIRECT
        assert Client().get("/healthz").status_code == 200
        assert Client().get("/home/").status_code == 301


def test_every_response_carries_a_request_id():
    response = Client().get("/healthz", headers={"X-Request-ID": "proxy-given-id-1234"})
    assert response["X-Request-ID"] == "proxy-given-id-1234"
    made_up = Client().get("/healthz", headers={"X-Request-ID": "bad id\n"})
    assert len(made_up["X-Request-ID"]) == 32
