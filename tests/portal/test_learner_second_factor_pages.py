"""The learner portal's second factor over HTTP (issue 12 item 1): turning it on, the code
after the password, recovery codes, turning it off, rate limits, Welsh."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from lrs.core.actor import Actor
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.learner_accounts.models import LearnerAccount
from lrs.learner_accounts.second_factor import has_second_factor, recovery_codes_left
from tests.learner_accounts.fixtures import EMAIL, PASSWORD
from tests.learner_accounts.test_second_factor import app_code

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _no_waiting(settings: Settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _password(client: Client) -> object:
    return client.post("/learner/sign-in/", {"email": EMAIL, "password": PASSWORD})


@pytest.fixture
def signed_in(client: Client, account: LearnerAccount) -> Client:
    assert _password(client)["Location"] == "/learner/record/"  # type: ignore[index]
    return client


def _turn_on(client: Client, account: LearnerAccount) -> list[str]:
    page = client.get("/learner/security/turn-on/").content.decode()
    assert "data:image/svg+xml" in page
    assert re.search(r'<code id="totp-secret">[A-Z2-7]{32}</code>', page)
    done = client.post("/learner/security/turn-on/", {"code": app_code(account)})
    assert "no-store" in done["Cache-Control"]
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.content.decode())


def test_a_learner_turns_it_on_and_is_then_asked_for_a_code(
    signed_in: Client, account: LearnerAccount
) -> None:
    security = signed_in.get("/learner/security/").content.decode()
    assert "Off: only your password is asked for" in security

    codes = _turn_on(signed_in, account)

    assert len(codes) == 10
    assert has_second_factor(account)
    signed_in.post("/learner/sign-out/")

    after_password = _password(signed_in)
    assert after_password["Location"] == "/learner/sign-in/code/"  # type: ignore[index]
    # Not signed in until the code is accepted.
    assert signed_in.get("/learner/record/")["Location"] == "/learner/sign-in/"
    wrong = signed_in.post("/learner/sign-in/code/", {"code": "badcode"})
    assert "The code is not right" in wrong.content.decode()
    right = signed_in.post("/learner/sign-in/code/", {"code": app_code(account)})
    assert right["Location"] == "/learner/record/"
    assert signed_in.get("/learner/record/").status_code == 200


def test_a_recovery_code_signs_in(signed_in: Client, account: LearnerAccount) -> None:
    codes = _turn_on(signed_in, account)
    signed_in.post("/learner/sign-out/")
    _password(signed_in)

    response = signed_in.post("/learner/sign-in/code/", {"code": codes[0]})

    assert response["Location"] == "/learner/record/"
    assert recovery_codes_left(account) == 9


def test_the_code_page_needs_the_password_first(client: Client, account: LearnerAccount) -> None:
    response = client.get("/learner/sign-in/code/")
    assert response["Location"] == "/learner/sign-in/"
    response = client.post("/learner/sign-in/code/", {"code": "123456"})
    assert response["Location"] == "/learner/sign-in/"


def test_a_password_reset_ends_the_wait_for_a_code(
    signed_in: Client, account: LearnerAccount
) -> None:
    _turn_on(signed_in, account)
    signed_in.post("/learner/sign-out/")
    _password(signed_in)
    account.password = "changed-elsewhere"
    account.save()

    response = signed_in.post("/learner/sign-in/code/", {"code": app_code(account)})

    assert response["Location"] == "/learner/sign-in/"


def test_codes_at_sign_in_are_rate_limited(
    signed_in: Client, account: LearnerAccount, settings: Settings
) -> None:
    _turn_on(signed_in, account)
    signed_in.post("/learner/sign-out/")
    _password(signed_in)
    settings.LRS_RATE_LIMITS = {**settings.LRS_RATE_LIMITS, "learner_code_account": "2/h"}
    for _ in range(2):
        signed_in.post("/learner/sign-in/code/", {"code": "badcode"})

    refused = signed_in.post("/learner/sign-in/code/", {"code": app_code(account)})

    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert signed_in.get("/learner/record/")["Location"] == "/learner/sign-in/"


def test_turning_it_off_needs_a_fresh_code(signed_in: Client, account: LearnerAccount) -> None:
    _turn_on(signed_in, account)

    refused = signed_in.post("/learner/security/turn-off/", {"code": "badcode"})
    assert refused.status_code == 200
    assert "The code is not right" in refused.content.decode()
    assert 'href="#off_code"' in refused.content.decode()
    assert has_second_factor(account)
    empty = signed_in.post("/learner/security/turn-off/", {"code": ""})
    assert "Enter the code" in empty.content.decode()

    done = signed_in.post("/learner/security/turn-off/", {"code": app_code(account)})

    assert done["Location"] == "/learner/security/"
    assert not has_second_factor(account)
    assert AuditEvent.objects.filter(action=AuditAction.LEARNER_SECOND_FACTOR_OFF).exists()
    signed_in.post("/learner/sign-out/")
    assert _password(signed_in)["Location"] == "/learner/record/"  # type: ignore[index]


def test_new_recovery_codes_with_a_fresh_code(signed_in: Client, account: LearnerAccount) -> None:
    old = _turn_on(signed_in, account)

    response = signed_in.post("/learner/security/recovery-codes/", {"code": app_code(account)})

    new = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.content.decode())
    assert len(new) == 10
    assert set(new).isdisjoint(old)
    assert "no-store" in response["Cache-Control"]


def test_the_pages_need_a_signed_in_learner(client: Client) -> None:
    for url in ("/learner/security/", "/learner/security/turn-on/"):
        assert client.get(url)["Location"] == "/learner/sign-in/"
    for url in ("/learner/security/turn-off/", "/learner/security/recovery-codes/"):
        assert client.post(url, {"code": "123456"})["Location"] == "/learner/sign-in/"


def test_an_organisation_user_is_not_a_learner_here(
    client: Client, plr_actor: Actor, account: LearnerAccount
) -> None:
    client.force_login(plr_actor.user)  # type: ignore[arg-type]

    for url in ("/learner/security/", "/learner/sign-in/code/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "security" not in response["Location"]
        assert "code" not in response["Location"]


def test_the_pages_in_welsh(signed_in: Client, account: LearnerAccount) -> None:
    signed_in.cookies["lrs_language"] = "cy"

    security = signed_in.get("/learner/security/").content.decode()
    setup = signed_in.get("/learner/security/turn-on/").content.decode()

    assert "Diogelwch mewngofnodi" in security
    assert "Troi'r ail ffactor ymlaen" in setup
    _turn_on(signed_in, account)
    signed_in.post("/learner/sign-out/")
    _password(signed_in)
    code_page = signed_in.get("/learner/sign-in/code/").content.decode()
    assert "Rhowch eich cod diogelwch" in code_page
