"""Rate limits at the portal's and the API's doors (issue 19 item 8, docs/adr/0006).

The limits' clock stands still in tests (tests/conftest.py), so each count is exact.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User
from lrs.organisations.signin import MAX_WRONG_SECRET_ANSWERS
from lrs.settings import _caches
from tests.conftest import ApiClient, make_ready

pytestmark = pytest.mark.django_db
PASSWORD = "Secret-pass-1"
WRONG_ANSWER = {
    "answer": "Tiddles",
    "new_password": "Newer-pass-3",
    "confirm_password": "Newer-pass-3",
}


@pytest.fixture
def online(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_ready(make_user(college, ["online"]))


def limits(settings: Settings, **rates: str) -> None:
    settings.LRS_RATE_LIMITS = {**settings.LRS_RATE_LIMITS, **rates}


def sign_in(
    client: Client,
    username: str,
    password: str = "Wrong-pass-1",  # noqa: S107
    address: str = "10.0.0.1",
):
    return client.post(
        "/sign-in/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


# --- the cache -----------------------------------------------------------------------------------


def test_limits_are_counted_in_redis_when_it_is_configured_else_in_memory() -> None:
    redis = _caches("redis://127.0.0.1:6379/3")["default"]
    assert redis["BACKEND"] == "lrs.core.cache.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/3"
    assert _caches("")["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


# --- sign-in -------------------------------------------------------------------------------------


def test_sign_in_is_limited_per_client_address(
    client: Client, online: User, settings: Settings
) -> None:
    limits(settings, sign_in_ip="3/10m", sign_in_account="")
    for n in range(3):
        assert sign_in(client, f"someone{n}").status_code == 200

    refused = sign_in(client, online.username, PASSWORD)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 600
    assert "Too many attempts" in refused.content.decode()
    # Another address is not held back, and the right password still works from it.
    assert sign_in(client, online.username, PASSWORD, address="10.0.0.2").status_code == 302


def test_sign_in_is_limited_per_account_from_any_address(
    client: Client, online: User, settings: Settings
) -> None:
    limits(settings, sign_in_ip="", sign_in_account="2/h")
    sign_in(client, online.username, address="10.0.0.1")
    sign_in(client, online.username.upper(), address="10.0.0.2")

    assert sign_in(client, online.username, PASSWORD, address="10.0.0.3").status_code == 429
    assert sign_in(client, "someone.else", address="10.0.0.3").status_code == 200


def test_the_default_limits_let_ten_wrong_passwords_suspend_the_account(
    client: Client, online: User
) -> None:
    for _ in range(10):
        assert sign_in(client, online.username).status_code == 200

    online.refresh_from_db()
    assert not online.is_active


# --- forgotten password ------------------------------------------------------------------------


def answer(client: Client, username: str, address: str = "10.0.0.1", **values: str):
    client.post("/forgotten-password/", {"username": username}, REMOTE_ADDR=address)
    return client.post("/forgotten-password/answer/", values or WRONG_ANSWER, REMOTE_ADDR=address)


def test_wrong_answers_pause_the_reset_route_and_say_so(client: Client, online: User) -> None:
    for _ in range(MAX_WRONG_SECRET_ANSWERS):
        answer(client, online.username)

    page = answer(
        client,
        online.username,
        answer="Rover",
        new_password="Newer-pass-3",
        confirm_password="Newer-pass-3",
    ).content.decode()

    assert "resetting its password this way is paused until" in page
    online.refresh_from_db()
    assert online.is_active
    assert online.check_password(PASSWORD)
    assert sign_in(client, online.username, PASSWORD).status_code == 302


def test_forgotten_password_is_limited_per_client_address(
    client: Client, online: User, settings: Settings
) -> None:
    limits(settings, forgotten_password_ip="3/h", forgotten_password_account="")
    for n in range(3):
        answer(client, f"user{n}")

    refused = answer(client, online.username)

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert answer(client, online.username, address="10.0.0.9").status_code == 200


def test_forgotten_password_is_limited_per_account(
    client: Client, online: User, settings: Settings
) -> None:
    limits(settings, forgotten_password_ip="", forgotten_password_account="2/h")
    answer(client, online.username, address="10.0.0.1")
    answer(client, online.username, address="10.0.0.2")

    assert answer(client, online.username, address="10.0.0.3").status_code == 429
    online.refresh_from_db()
    assert online.wrong_secret_answers == 2


# --- the API -------------------------------------------------------------------------------------


def test_wrong_tokens_are_limited_per_client_address(
    client: Client, settings: Settings, api_as: Callable[..., ApiClient], college: Organisation
) -> None:
    limits(settings, api_bad_token_ip="2/10m")
    good = api_as(college, ["batch"])
    for _ in range(2):
        response = client.get("/api/v1/batches", headers={"Authorization": "Bearer lrs_guess"})
        assert response.status_code == 401

    refused = client.get("/api/v1/batches", headers={"Authorization": "Bearer lrs_guess"})
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/json")
    assert refused.json()["code"] == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= 600
    # Even a good token waits at that address: the guesses can't go on behind one.
    assert good.get("/api/v1/batches").status_code == 429
    other = good.client.get("/api/v1/batches", headers=good.headers, REMOTE_ADDR="10.1.1.1")
    assert other.status_code == 200


def test_each_token_is_limited(
    settings: Settings, api_as: Callable[..., ApiClient], college: Organisation
) -> None:
    limits(settings, api_token="3/m")
    api = api_as(college, ["batch"])
    for _ in range(3):
        assert api.get("/api/v1/batches").status_code == 200

    refused = api.get("/api/v1/batches")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "Retry-After" in refused
    assert api_as(college, ["batch"]).get("/api/v1/batches").status_code == 200


def test_api_requests_are_limited_per_client_address(
    settings: Settings, api_as: Callable[..., ApiClient], college: Organisation
) -> None:
    limits(settings, api_ip="2/m")
    first, second = api_as(college, ["batch"]), api_as(college, ["batch"])
    assert first.get("/api/v1/batches").status_code == 200
    assert second.get("/api/v1/batches").status_code == 200

    assert first.get("/api/v1/batches").status_code == 429


def test_verify_look_ups_are_limited_per_account(
    settings: Settings,
    api_as: Callable[..., ApiClient],
    college: Organisation,
    megan: Learner,
) -> None:
    limits(settings, lookup_account="2/m")
    api = api_as(college, ["vld"])
    body = {
        "uln": megan.uln,
        "given_name": megan.given_name,
        "family_name": megan.family_name,
        "date_of_birth": megan.date_of_birth.isoformat(),
        "gender": megan.gender,
    }
    for _ in range(2):
        assert api.post("/api/v1/verify-learner", body).status_code == 200

    refused = api.post("/api/v1/verify-learner", body)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert "Retry-After" in refused


def test_look_ups_are_limited_per_client_address(
    settings: Settings,
    api_as: Callable[..., ApiClient],
    college: Organisation,
    megan: Learner,
) -> None:
    limits(settings, lookup_ip="1/m")
    body = {
        "uln": megan.uln,
        "given_name": megan.given_name,
        "family_name": megan.family_name,
        "date_of_birth": megan.date_of_birth.isoformat(),
        "gender": megan.gender,
    }
    assert api_as(college, ["vld"]).post("/api/v1/verify-learner", body).status_code == 200
    assert api_as(college, ["vld"]).post("/api/v1/verify-learner", body).status_code == 429


def test_portal_look_ups_are_limited_per_account_with_a_clear_page(
    settings: Settings,
    signed_in: Callable[[User], Client],
    college: Organisation,
    make_user: Callable[..., User],
    megan: Learner,
) -> None:
    limits(settings, lookup_account="1/m")
    client = signed_in(make_user(college, ["vld"]))
    form = {
        "uln": megan.uln,
        "given_name": megan.given_name,
        "family_name": megan.family_name,
        "date_of_birth_day": str(megan.date_of_birth.day),
        "date_of_birth_month": str(megan.date_of_birth.month),
        "date_of_birth_year": str(megan.date_of_birth.year),
        "gender": megan.gender,
        "postcode": "",
    }
    assert client.post("/verify-learner/", form).status_code == 200

    refused = client.post("/verify-learner/", form)

    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert "Try again in 1 minute" in refused.content.decode()
