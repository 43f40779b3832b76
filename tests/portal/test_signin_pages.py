"""The sign-in journey through the portal's pages (user guide 2.3, DESIGN 3.4)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from lrs.core.models import AuditEvent
from lrs.organisations.models import Organisation, User
from lrs.organisations.signin import MAX_FAILED_SIGN_INS, secret_answer_matches
from lrs.portal.views.signin import SEEN_COOKIE
from tests.conftest import make_ready

PASSWORD = "Secret-pass-1"


@pytest.fixture
def online(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(college, ["online"])


def _sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post("/sign-in/", {"username": username, "password": password, **extra})


def test_pages_need_sign_in(client: Client) -> None:
    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/?next=/home/")


def test_sign_in_page_renders_with_security_headers(client: Client, db: None) -> None:
    response = client.get("/sign-in/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_sign_in_needs_csrf_token(online: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = _sign_in(client, online.username)
    assert response.status_code == 403


def test_first_sign_in_goes_through_every_step(client: Client, online: User) -> None:
    response = _sign_in(client, online.username)
    assert response.status_code == 302
    # A one-time password must be changed before anything else.
    assert client.get("/home/")["Location"] == "/sign-in/change-password/"
    assert "one-time password" in client.get("/sign-in/change-password/").content.decode()
    response = client.post(
        "/sign-in/change-password/",
        {
            "current_password": PASSWORD,
            "new_password": "Better-pass-22",
            "confirm_password": "Better-pass-22",
        },
    )
    assert response.status_code == 302
    # Then the user agreement, then the secret question.
    assert client.get("/home/")["Location"] == "/sign-in/agreement/"
    client.post("/sign-in/agreement/", {"decision": "accept"})
    assert client.get("/home/")["Location"] == "/sign-in/secret-question/"
    response = client.post(
        "/sign-in/secret-question/",
        {"question": "first_pet", "answer": "Rover", "confirm_answer": "rover"},
    )
    assert response["Location"] == "/home/"
    assert client.get("/home/").status_code == 200
    online.refresh_from_db()
    assert not online.must_change_password
    assert online.check_password("Better-pass-22")
    assert secret_answer_matches(online, "ROVER")
    actions = set(AuditEvent.objects.filter(user=online).values_list("action", flat=True))
    assert {
        "user.signed_in",
        "user.password_changed",
        "user.agreement_accepted",
        "user.secret_question_set",
    } <= actions


def test_password_rules_are_explained(client: Client, online: User) -> None:
    _sign_in(client, online.username)
    response = client.post(
        "/sign-in/change-password/",
        {"current_password": PASSWORD, "new_password": "short", "confirm_password": "short"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "at least 8 characters long" in page
    assert "at least three of" in page
    response = client.post(
        "/sign-in/change-password/",
        {"current_password": "wrong", "new_password": "Aa1-aaaa", "confirm_password": "Aa1-aaab"},
    )
    page = response.content.decode()
    assert "do not match" in page


def test_expired_password_must_be_changed(client: Client, online: User) -> None:
    make_ready(online)
    online.password_changed_at = timezone.now() - datetime.timedelta(days=44)
    online.save()
    _sign_in(client, online.username)
    assert client.get("/home/")["Location"] == "/sign-in/change-password/"
    assert "44 days" in client.get("/sign-in/change-password/").content.decode()


def test_agreement_is_asked_at_every_sign_in_and_declining_signs_out(
    client: Client, online: User
) -> None:
    make_ready(online)
    _sign_in(client, online.username)
    assert client.get("/home/")["Location"] == "/sign-in/agreement/"
    response = client.post("/sign-in/agreement/", {"decision": "decline"})
    assert response["Location"] == "/sign-in/"
    assert client.get("/home/")["Location"].startswith("/sign-in/")
    page = client.get("/sign-in/").content.decode()
    assert "You must accept the user agreement" in page


def test_wrong_passwords_suspend_the_account_at_the_tenth(client: Client, online: User) -> None:
    make_ready(online)
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        page = _sign_in(client, online.username, "Wrong-pass-1").content.decode()
        assert "The username or password is not right" in page
    page = _sign_in(client, online.username, "Wrong-pass-1").content.decode()
    assert "has been suspended" in page
    page = _sign_in(client, online.username).content.decode()
    assert "Your account is suspended" in page
    assert client.get("/home/").status_code == 302


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client: Client, db: None) -> None:
    page = _sign_in(client, "nobody.here", "Wrong-pass-1").content.decode()
    assert "The username or password is not right" in page


def test_next_is_followed_only_within_the_site(client: Client, online: User) -> None:
    make_ready(online)
    response = _sign_in(client, online.username, next="https://evil.example/")
    assert response["Location"] == "/home/"


def test_inactivity_message_when_the_session_has_ended(client: Client, online: User) -> None:
    make_ready(online)
    response = _sign_in(client, online.username)
    assert SEEN_COOKIE in response.cookies
    client.cookies.pop("lrs_session")  # what the browser has once the session expired
    page = client.get("/sign-in/?next=/home/").content.decode()
    assert "You were signed out because you did nothing for" in page


def test_sign_out_needs_post_and_ends_the_session(
    signed_in: Callable[[User], Client], online: User
) -> None:
    client = signed_in(online)
    assert client.get("/sign-out/").status_code == 405
    assert client.post("/sign-out/")["Location"] == "/sign-in/"
    assert client.get("/home/").status_code == 302


def test_forgotten_password_with_the_right_answer(client: Client, online: User) -> None:
    make_ready(online)
    response = client.post("/forgotten-password/", {"username": online.username})
    assert response["Location"] == "/forgotten-password/answer/"
    page = client.get("/forgotten-password/answer/").content.decode()
    assert "What was the name of your first pet?" in page
    response = client.post(
        "/forgotten-password/answer/",
        {"answer": "  ROVER ", "new_password": "Newer-pass-3", "confirm_password": "Newer-pass-3"},
    )
    assert response["Location"] == "/sign-in/"
    online.refresh_from_db()
    assert online.check_password("Newer-pass-3")


def test_forgotten_password_does_not_reveal_who_has_an_account(client: Client, db: None) -> None:
    client.post("/forgotten-password/", {"username": "no.such.user"})
    page = client.get("/forgotten-password/answer/").content.decode()
    assert "Secret question" in page
    response = client.post(
        "/forgotten-password/answer/",
        {"answer": "anything", "new_password": "Newer-pass-3", "confirm_password": "Newer-pass-3"},
    )
    assert "The username or the answer to the secret question is wrong" in response.content.decode()


def test_language_switch_sets_welsh_and_returns(client: Client, db: None) -> None:
    response = client.get("/language/cy/?next=/sign-in/")
    assert response["Location"] == "/sign-in/"
    page = client.get("/sign-in/").content.decode()
    assert '<html lang="cy"' in page
    response = client.get("/language/cy/?next=https://evil.example/")
    assert response["Location"] == "/"


def test_my_account_page(signed_in: Callable[[User], Client], online: User) -> None:
    page = signed_in(online).get("/account/").content.decode()
    assert online.username in page
    assert "What was the name of your first pet?" in page
    assert "Rover" not in page
