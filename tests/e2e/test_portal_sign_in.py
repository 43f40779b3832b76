"""Sign-in journeys in a real browser, with axe on every page."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.core.actor import Channel
from lrs.organisations.models import Organisation, User
from lrs.organisations.services import AccountDetails, create_user, service_desk_system_actor
from tests.e2e.conftest import check_page, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ONE_TIME = "One-time-pass-9"


def _new_user(organisation: Organisation, username: str, roles: list[str]) -> User:
    return create_user(
        actor=service_desk_system_actor(channel=Channel.CLI),
        organisation=organisation,
        username=username,
        roles=roles,
        password=ONE_TIME,
        details=AccountDetails(
            given_name="Sian", family_name="Evans", email="", verification_provided=""
        ),
    ).user


def test_first_sign_in(page: Any, organisation: Organisation) -> None:
    _new_user(organisation, "sian.evans", ["online"])
    page.goto("/")
    check_page(page, "sign-in")
    sign_in(page, "sian.evans", ONE_TIME, accept=False)

    page.get_by_role("heading", name="Change your password").wait_for()
    page.get_by_label("Current password").fill(ONE_TIME)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm new password").fill("short")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    check_page(page, "change-password-errors")
    # The error summary links to the field.
    page.get_by_role("link", name="at least 8 characters", exact=False).first.click()

    page.get_by_label("Current password").fill(ONE_TIME)
    page.get_by_label("New password", exact=True).fill("Chosen-pass-42")
    page.get_by_label("Confirm new password").fill("Chosen-pass-42")
    page.get_by_role("button", name="Change password").click()

    page.get_by_role("heading", name="Accept the user agreement").wait_for()
    check_page(page, "user-agreement")
    page.get_by_role("button", name="Accept").click()

    page.get_by_role("heading", name="Set your secret question").wait_for()
    check_page(page, "secret-question")
    page.get_by_label("Secret question").select_option("first_pet")
    page.get_by_label("Answer", exact=True).fill("Rover")
    page.get_by_label("Confirm answer").fill("Rover")
    page.get_by_role("button", name="Save").click()

    page.get_by_role("heading", name="Learner management").wait_for()
    check_page(page, "home-online-user")
    assert page.get_by_role("link", name="Find a learner").first.is_visible()
    assert page.get_by_role("link", name="User management").count() == 0

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    # The next sign-in asks only for the agreement again.
    sign_in(page, "sian.evans", "Chosen-pass-42", accept=False)
    page.get_by_role("heading", name="Accept the user agreement").wait_for()
    page.get_by_role("button", name="Decline").click()
    page.get_by_text("You must accept the user agreement").wait_for()


def test_forgotten_password(page: Any, organisation: Organisation) -> None:
    from tests.conftest import make_ready

    make_ready(_new_user(organisation, "sian.evans", ["online"]))
    page.goto("/sign-in/")
    page.get_by_role("link", name="I have forgotten my password").click()
    check_page(page, "forgotten-password")
    page.get_by_label("Username").fill("sian.evans")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("What was the name of your first pet?").wait_for()
    check_page(page, "forgotten-password-answer")
    page.get_by_label("Answer", exact=True).fill("rover")
    page.get_by_label("New password", exact=True).fill("Recovered-pass-7")
    page.get_by_label("Confirm new password").fill("Recovered-pass-7")
    page.get_by_role("button", name="Change password").click()
    page.get_by_text("Your password has been changed").wait_for()
    sign_in(page, "sian.evans", "Recovered-pass-7", accept=False)
    page.get_by_role("heading", name="Accept the user agreement").wait_for()
