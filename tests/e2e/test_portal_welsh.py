"""The same journey in Welsh: switch language, sign in, find a learner, open the profile."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from lrs.core.actor import Actor, Channel
from lrs.learners.services import register_learner
from lrs.organisations.services import (
    AccountDetails,
    create_organisation,
    create_user,
    service_desk_system_actor,
)
from tests.conftest import learner_details, make_ready
from tests.e2e.conftest import check_page

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_find_a_learner_in_welsh(page: Any) -> None:
    system = service_desk_system_actor(channel=Channel.CLI)
    school = create_organisation(
        actor=system,
        ukprn="10045678",
        name="Ysgol Gyfun Glan Afon",
        organisation_type="school",
        granted_roles=["super", "online", "view"],
    )
    user = make_ready(
        create_user(
            actor=system,
            organisation=school,
            username="rhys.williams",
            roles=["online"],
            password="Cyfrinair-da-1",
            details=AccountDetails(
                given_name="Rhys", family_name="Williams", email="", verification_provided=""
            ),
        ).user
    )
    learner = register_learner(
        details=learner_details(
            given_name="Gwenllian",
            family_name="Prys",
            date_of_birth=datetime.date(2010, 3, 14),
            last_known_postcode="SA31 1AA",
        ),
        actor=Actor(user=user, channel=Channel.PORTAL),
    ).learner
    assert learner is not None

    page.goto("/sign-in/")
    page.get_by_role("link", name="Cymraeg").click()
    page.get_by_role("heading", name="Mewngofnodi", exact=False).first.wait_for()
    assert page.locator("html").get_attribute("lang") == "cy"
    check_page(page, "cy-sign-in")
    page.get_by_label("Enw defnyddiwr").fill("rhys.williams")
    page.get_by_label("Cyfrinair", exact=True).fill("Cyfrinair-da-1")
    page.get_by_role("button", name="Mewngofnodi").click()
    check_page(page, "cy-user-agreement")
    page.get_by_role("button", name="Derbyn").click()
    page.get_by_role("heading", name="Rheoli dysgwyr").wait_for()
    check_page(page, "cy-home")

    page.get_by_role("navigation", name=re.compile("Dewislen")).get_by_role(
        "link", name="Dod o hyd i ddysgwr"
    ).click()
    check_page(page, "cy-find-a-learner")
    form = page.get_by_role("form", name="Chwilio yn ôl manylion personol")
    # Submitting it empty gives the errors in Welsh.
    form.get_by_role("button", name="Chwilio yn ôl manylion personol").click()
    page.get_by_role("heading", name="Mae problem wedi codi").wait_for()
    check_page(page, "cy-find-a-learner-errors")

    form = page.get_by_role("form", name="Chwilio yn ôl manylion personol")
    form.get_by_label("Enw cyntaf", exact=True).fill("Gwenllian")
    form.get_by_label("Cyfenw", exact=True).fill("Prys")
    form.get_by_label("Diwrnod").fill("14")
    form.get_by_label("Mis").fill("3")
    form.get_by_label("Blwyddyn").fill("2010")
    form.get_by_label("Benyw").check()
    form.get_by_label("Cod post").fill("SA31 1AA")
    form.get_by_role("button", name="Chwilio yn ôl manylion personol").click()
    page.get_by_text(learner.uln).first.wait_for()
    check_page(page, "cy-find-results")

    page.get_by_role("link", name=re.compile("Gweld proffil")).first.click()
    page.get_by_text("14 Mawrth 2010").first.wait_for()  # the date in Welsh
    check_page(page, "cy-learner-profile")

    page.get_by_role("button", name="Allgofnodi").click()
    assert page.locator("html").get_attribute("lang") == "cy"
