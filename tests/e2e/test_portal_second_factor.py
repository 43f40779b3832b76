"""The second factor in a real browser (issue 19 item 12): a super user sets up an app by its
QR code's key, gets recovery codes, then signs in with the app's code and with a recovery code;
the codes are computed here from the secret, as an authenticator app would."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from django_otp.oath import TOTP
from pytest_django.fixtures import Settings

from lrs.organisations.models import Organisation
from tests.e2e.conftest import PASSWORD, check_page, current_code, ready_user

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _password_step(page: Any, username: str) -> None:
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _accept_and_sign_out(page: Any) -> None:
    page.get_by_role("button", name="Accept", exact=True).click()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()


def test_a_super_user_enrols_and_signs_in_with_a_code_and_a_recovery_code(
    page: Any, organisation: Organisation, settings: Settings
) -> None:
    # django-otp makes a device wait after a wrong code (1 s, then 2 s ...): not in this test.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    ready_user(organisation, "grace.okafor", ["super"], second_factor=False)

    _password_step(page, "grace.okafor")
    page.get_by_role("heading", name="Set up your second factor").wait_for()
    page.get_by_role("img", name="QR code").wait_for()
    check_page(page, "second-factor-setup")
    secret = page.locator("#totp-secret").inner_text().strip()
    totp = TOTP(base64.b32decode(secret))
    totp.time = time.time()
    page.get_by_label("Code from your app").fill(str(totp.token()).zfill(6))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Your second factor is set up").wait_for()
    check_page(page, "recovery-codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Continue").click()
    _accept_and_sign_out(page)

    _password_step(page, "grace.okafor")
    page.get_by_role("heading", name="Enter your security code").wait_for()
    check_page(page, "second-factor-code")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("The code is not right").first.wait_for()
    page.get_by_label("Code").fill(current_code("grace.okafor"))
    page.get_by_role("button", name="Continue").click()
    _accept_and_sign_out(page)

    _password_step(page, "grace.okafor")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Accept", exact=True).click()
    page.goto("/account/")
    page.get_by_text("9 recovery codes left").wait_for()
