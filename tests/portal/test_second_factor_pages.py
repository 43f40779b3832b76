"""Second factor pages (issue 19 item 12): the code step at sign-in, setting up an app,
recovery codes, and a super user resetting a colleague's second factor."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings

from lrs.core.actor import Actor
from lrs.organisations.models import Organisation, User
from lrs.organisations.second_factor import enrol_on_behalf, has_second_factor
from tests.conftest import make_ready

pytestmark = pytest.mark.django_db
PASSWORD = "Secret-pass-1"


def code_for(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step
    return str(totp.token()).zfill(device.digits)


def password_signed_in(user: User) -> Client:
    client = Client()
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def super_user(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_ready(make_user(college, ["super"]))


def test_a_super_user_with_an_app_must_give_a_code(
    super_user: User, system_actor: Actor, settings: Settings
) -> None:
    # django-otp makes a device wait after a wrong code (1 s, then 2 s ...): not in this test.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    enrol_on_behalf(actor=system_actor, user=super_user)
    client = password_signed_in(super_user)

    assert client.get("/home/")["Location"].startswith("/sign-in/code/")
    assert client.get("/account/second-factor/")["Location"].startswith("/sign-in/code/")
    wrong = client.post("/sign-in/code/", {"code": "123456"})
    assert "The code is not right" in wrong.content.decode()

    right = client.post("/sign-in/code/", {"code": code_for(super_user)})

    assert right.status_code == 302
    assert client.get("/home/")["Location"] == "/sign-in/agreement/"


def test_a_super_user_without_an_app_must_set_one_up(super_user: User) -> None:
    client = password_signed_in(super_user)

    assert client.get("/home/")["Location"] == "/account/second-factor/"
    page = client.get("/account/second-factor/").content.decode()
    assert "data:image/svg+xml" in page
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page)
    assert secret is not None

    done = client.post("/account/second-factor/", {"code": code_for(super_user)})

    assert "Your recovery codes" in done.content.decode()
    assert "no-store" in done["Cache-Control"]
    assert has_second_factor(super_user)
    assert client.get("/home/")["Location"] == "/sign-in/agreement/"


def test_other_users_need_no_second_factor_but_may_set_one_up(
    college: Organisation, make_user: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    online = make_ready(make_user(college, ["online"]))
    assert password_signed_in(online).get("/home/")["Location"] == "/sign-in/agreement/"

    client = signed_in(online)
    account = client.get("/account/").content.decode()
    assert "Not set up" in account
    client.get("/account/second-factor/")
    client.post("/account/second-factor/", {"code": code_for(online)})
    assert has_second_factor(online)
    assert password_signed_in(online).get("/home/")["Location"].startswith("/sign-in/code/")


def test_a_super_user_resets_a_colleagues_second_factor(
    super_user: User,
    college: Organisation,
    make_user: Callable[..., User],
    signed_in: Callable[[User], Client],
    system_actor: Actor,
) -> None:
    colleague = make_ready(make_user(college, ["super"]))
    enrol_on_behalf(actor=system_actor, user=colleague)
    client = signed_in(super_user)

    confirm = client.get(f"/users/{colleague.pk}/reset-second-factor/")
    assert "verify their identity first" in confirm.content.decode()
    response = client.post(f"/users/{colleague.pk}/reset-second-factor/")

    assert response["Location"] == f"/users/{colleague.pk}/"
    assert not has_second_factor(colleague)


def test_the_code_page_in_welsh(super_user: User, system_actor: Actor) -> None:
    enrol_on_behalf(actor=system_actor, user=super_user)
    client = password_signed_in(super_user)
    client.cookies["lrs_language"] = "cy"

    page = client.get("/sign-in/code/").content.decode()

    assert "Rhowch eich cod diogelwch" in page
