"""A super user's journeys in a real browser: lockout and reactivation, creating a user who then
signs in, the annual audit list, and the service desk registering an organisation."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lrs.core.actor import Channel
from lrs.organisations.models import Organisation
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import service_desk_system_actor
from lrs.organisations.signin import MAX_FAILED_SIGN_INS
from tests.e2e.conftest import PASSWORD, check_page, ready_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()


def test_lockout_after_ten_wrong_passwords_and_reactivation(
    page: Any, organisation: Organisation
) -> None:
    ready_user(organisation, "grace.okafor", ["super"])
    ready_user(organisation, "tom.baker", ["online"])

    page.goto("/sign-in/")
    for _ in range(MAX_FAILED_SIGN_INS - 1):
        page.get_by_label("Username").fill("tom.baker")
        page.get_by_label("Password", exact=True).fill("Wrong-pass-1")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_text("The username or password is not right").first.wait_for()
    page.get_by_label("Username").fill("tom.baker")
    page.get_by_label("Password", exact=True).fill("Wrong-pass-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Your account has been suspended").first.wait_for()
    check_page(page, "sign-in-suspended")
    # Even the right password is refused now.
    page.get_by_label("Username").fill("tom.baker")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Your account is suspended").first.wait_for()

    sign_in(page, "grace.okafor")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="User management").click()
    check_page(page, "find-users")
    page.get_by_label("Suspended").check()
    page.get_by_role("button", name="Find users").click()
    check_page(page, "find-users-suspended")
    page.get_by_role("link", name="View tom.baker").click()
    check_page(page, "user-detail-suspended")
    page.get_by_role("button", name="Reactivate").click()
    check_page(page, "reactivate-confirm")
    page.get_by_role("button", name="Reactivate account").click()
    page.get_by_text("Active", exact=True).first.wait_for()
    _sign_out(page)

    sign_in(page, "tom.baker")
    page.get_by_role("heading", name="Learner management").wait_for()


def test_create_a_user_who_then_signs_in(page: Any, organisation: Organisation) -> None:
    ready_user(organisation, "grace.okafor", ["super"])
    sign_in(page, "grace.okafor")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="User management").click()
    page.get_by_role("button", name="Create user").click()
    check_page(page, "create-user")
    page.get_by_role("button", name="Create user").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    check_page(page, "create-user-errors")

    page.get_by_label("Given name").fill("Siân")
    page.get_by_label("Family name").fill("Evans")
    page.get_by_label("Email address").fill("sian.evans@riverside.example")
    page.get_by_label("Verification provided").fill("Staff ID 4471")
    page.get_by_label("Online user").check()
    page.get_by_role("button", name="Create user").click()
    page.get_by_role("heading", name="User account created").wait_for()
    check_page(page, "user-created-one-time-password")
    username = page.locator(".govuk-panel__body strong").inner_text().strip()
    one_time = page.locator(".lrs-one-time-password").inner_text().strip()
    assert username == "sian.evans"
    assert re.fullmatch(r"\S{12}", one_time)
    _sign_out(page)

    sign_in(page, username, one_time, accept=False)
    page.get_by_role("heading", name="Change your password").wait_for()
    page.get_by_label("Current password").fill(one_time)
    page.get_by_label("New password", exact=True).fill("Own-choice-77")
    page.get_by_label("Confirm new password").fill("Own-choice-77")
    page.get_by_role("button", name="Change password").click()
    page.get_by_role("button", name="Accept").click()
    page.get_by_label("Secret question").select_option("first_school")
    page.get_by_label("Answer", exact=True).fill("Ysgol y Llan")
    page.get_by_label("Confirm answer").fill("ysgol y llan")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Learner management").wait_for()
    assert page.get_by_role("link", name="Find a learner").count() >= 1
    _sign_out(page)

    # Back as the super user: verify the new user's identity with their answer.
    sign_in(page, "grace.okafor")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="User management").click()
    page.get_by_label("All roles").check()
    page.get_by_role("button", name="Find users").click()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2  # the annual audit: everyone, with their roles
    page.get_by_role("link", name="View sian.evans").click()
    page.get_by_role("button", name="Verify identity").click()
    check_page(page, "verify-identity")
    page.get_by_label("Their answer").fill("YSGOL Y LLAN")
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("The answer is right.").wait_for()
    check_page(page, "verify-identity-correct")


def test_service_desk_registers_an_organisation(page: Any, organisation: Organisation) -> None:
    desk = acting_organisation(service_desk_system_actor(channel=Channel.CLI))
    ready_user(desk, "sam.patel", ["operator"])
    sign_in(page, "sam.patel")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Organisations").click()
    check_page(page, "service-desk-organisations")
    page.get_by_role("button", name="Register an organisation").click()
    check_page(page, "service-desk-register-organisation")
    page.get_by_label("UKPRN").fill("10045678")
    page.get_by_label("Organisation name").fill("Ysgol Gyfun Glan Afon")
    page.get_by_label("School", exact=True).check()
    page.get_by_label("Online user").check()
    page.get_by_label("Given name").fill("Catrin")
    page.get_by_label("Family name").fill("Morgan")
    page.get_by_label("Email address").fill("c.morgan@glanafon.example")
    page.get_by_label("Verification provided").fill("Signed organisation agreement")
    page.get_by_role("button", name="Register organisation").click()
    page.locator(".lrs-one-time-password").wait_for()
    check_page(page, "service-desk-organisation-registered")
    assert Organisation.objects.filter(ukprn="10045678").exists()
