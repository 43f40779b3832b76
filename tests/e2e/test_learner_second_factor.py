"""A learner's second factor in a real browser (issue 12 item 1), axe on every page: the learner
turns it on from Sign-in security by the QR code's key, gets recovery codes, then signs in with
the app's code (after a wrong one); in Welsh, the code page and Sign-in security. The codes are
computed here from the key, as an authenticator app would."""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from django_otp.oath import TOTP
from pytest_django.fixtures import Settings

from lrs.learner_accounts.models import LearnerAccount
from tests.e2e.conftest import check_page
from tests.learner_accounts.fixtures import EMAIL, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _password_step(page: Any, *, sign_in: str = "Sign in") -> None:
    page.goto("/learner/sign-in/")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name=sign_in).click()


def _code(secret: str, *, later: int = 0) -> str:
    totp = TOTP(base64.b32decode(secret))
    totp.time = time.time() + 30 * later
    return str(totp.token()).zfill(6)


def _submit(page: Any) -> None:
    page.locator("main form button[type=submit]").last.click()


def test_a_learner_turns_on_the_second_factor_and_signs_in_with_a_code(
    page: Any, live_server: Any, account: LearnerAccount, settings: Settings
) -> None:
    # A wrong code makes the next try wait (1 s, 2 s ...): not in this test.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    _password_step(page)
    page.wait_for_url("**/learner/record/")
    page.get_by_role("link", name="Sign-in security").click()
    page.get_by_text("Off: only your password is asked for").wait_for()
    check_page(page, "learner-security-off")

    page.get_by_role("button", name="Turn on the second factor").click()
    page.get_by_role("img", name="QR code").wait_for()
    check_page(page, "learner-second-factor-setup")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code from your app").fill("000000" if _code(secret) != "000000" else "1")
    _submit(page)
    page.locator(".govuk-error-summary").wait_for()
    check_page(page)
    page.get_by_label("Code from your app").fill(_code(secret))
    _submit(page)
    page.get_by_role("heading", name="Your second factor is turned on").wait_for()
    check_page(page, "learner-recovery-codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="Continue").click()
    page.get_by_text("On: a code from your authenticator app").wait_for()
    check_page(page, "learner-security-on")
    page.get_by_role("button", name="Sign out").click()

    _password_step(page)
    page.wait_for_url("**/learner/sign-in/code/")
    page.get_by_role("heading", name="Enter your security code").wait_for()
    check_page(page, "learner-sign-in-code")
    page.get_by_label("Code").fill("badcode")
    _submit(page)
    page.get_by_text("The code is not right").first.wait_for()
    check_page(page)
    # The code after the one used to turn it on (each code works once).
    page.get_by_label("Code").fill(_code(secret, later=1))
    _submit(page)
    page.wait_for_url("**/learner/record/")
    assert page.locator("tbody tr").count() == 3

    # In Welsh: Sign-in security, and the code step of the next sign-in.
    page.context.add_cookies([{"name": "lrs_language", "value": "cy", "url": live_server.url}])
    page.goto("/learner/security/")
    assert page.locator("html").get_attribute("lang") == "cy"
    page.get_by_role("heading", name="Diogelwch mewngofnodi").wait_for()
    check_page(page, "learner-security-cy")
    page.get_by_role("button", name="Allgofnodi").click()
    _password_step(page, sign_in="Mewngofnodi")
    page.wait_for_url("**/learner/sign-in/code/")
    page.get_by_role("heading", name="Rhowch eich cod diogelwch").wait_for()
    check_page(page, "learner-sign-in-code-cy")
    page.get_by_label("Cod").fill(codes[0])
    _submit(page)
    page.wait_for_url("**/learner/record/")
