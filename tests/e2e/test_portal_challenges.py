"""A data challenge in the browser: a college reports a duplicate ULN, the service desk merges
it, and the college sees it resolved; every page checked with axe, in English and Welsh."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lrs.challenges.duplicates import find_duplicates
from lrs.challenges.models import Challenge
from lrs.challenges.services.raising import raise_challenge
from lrs.core.actor import Actor, Channel
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import service_desk_system_actor
from lrs.plr.models import LearningEvent
from tests.challenges.conftest import add_events, request_for
from tests.conftest import learner_details
from tests.e2e.conftest import check_page, ready_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _register(actor: Actor, **overrides: Any) -> Learner:
    result = register_learner(
        details=learner_details(**overrides), actor=actor, confirm_not_possible_match=True
    )
    assert result.learner is not None
    return result.learner


def _browser(playwright: Any, live_server: Any) -> Any:
    context = playwright.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    return context.new_page()


def test_report_a_duplicate_the_desk_merges_it_and_the_raiser_sees_it_resolved(
    page: Any,
    _playwright: Any,  # noqa: PT019 - a second browser for the service desk
    live_server: Any,
    organisation: Organisation,
) -> None:
    clerk = ready_user(organisation, "siân.evans", ["online"])
    actor = Actor(user=clerk, channel=Channel.PORTAL)
    megan = _register(actor)
    second = _register(actor, given_name="Megn", last_known_postcode="SA1 1AA")
    desk = acting_organisation(service_desk_system_actor(channel=Channel.CLI))
    ready_user(desk, "sam.patel", ["operator"])

    sign_in(page, "siân.evans")
    page.goto(f"/learners/{megan.uln}/")
    page.get_by_role("link", name="Report a ULN or PLR problem").click()
    check_page(page, "challenge-raise")
    page.get_by_label("Duplicate ULN (the learner has been given a second ULN)").check()
    page.get_by_role("textbox", name="Other ULN (optional)").fill(second.uln)
    page.get_by_role("textbox", name="Master ULN (duplicates only) (optional)").fill(megan.uln)
    page.get_by_role("textbox", name="Reason (optional)").fill("She moved house.")
    page.get_by_label("Your name").fill("Siân Evans")
    page.get_by_label("Your email address").fill("sian.evans@riverside.example")
    page.get_by_label("Your telephone number").fill("029 2000 0000")
    page.get_by_role("button", name="Finish").click()
    page.get_by_role("heading", name="Problem reported").wait_for()
    reference = f"DC-{megan.uln}-001"
    assert reference in page.content()
    check_page(page, "challenge-raised")

    operator = _browser(_playwright, live_server)
    sign_in(operator, "sam.patel")
    operator.get_by_role("link", name="Data challenges").click()
    check_page(operator, "challenge-queue")
    operator.get_by_role("link", name=reference).click()
    check_page(operator, "challenge-detail")
    operator.get_by_label("Merge the duplicate ULN into the master").check()
    operator.get_by_role("button", name="Apply the resolution").click()
    operator.get_by_text(f"Challenge {reference} updated.").wait_for()
    assert Learner.objects.get(pk=second.pk).master_id == megan.pk

    page.goto(f"/learners/{megan.uln}/")
    page.get_by_role("link", name="View enquiries").click()
    card = page.locator(".govuk-summary-card", has_text=reference)
    assert re.search(r"Resolved", card.inner_text())
    check_page(page, "challenge-enquiries")
    page.goto("/uln-changes/")
    assert second.uln in page.content()
    check_page(page, "uln-changes")


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_challenge_pages_pass_axe(page: Any, organisation: Organisation, language: str) -> None:
    clerk = ready_user(organisation, "siân.evans", ["online"])
    actor = Actor(user=clerk, channel=Channel.PORTAL)
    megan = _register(actor)
    _register(actor, given_name="Megn", last_known_postcode="SA1 1AA")
    desk = acting_organisation(service_desk_system_actor(channel=Channel.CLI))
    ready_user(desk, "sam.patel", ["operator"])
    find_duplicates(actor=service_desk_system_actor(channel=Channel.CLI))
    sign_in(page, "sam.patel")
    page.goto(f"/language/{language}/?next=/home/")
    for path in [
        "/service-desk/challenges/",
        "/service-desk/duplicates/",
        f"/learners/{megan.uln}/enquiries/",
        f"/learners/{megan.uln}/report-a-problem/",
        "/uln-changes/",
        f"/service-desk/learners/{megan.uln}/split/",
    ]:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language, path
        check_page(page, f"challenges-{language}{path}")


def test_the_desk_splits_a_shared_uln_choosing_the_qualifications_that_move(
    page: Any, organisation: Organisation, ao_actor: Actor, catalogue: None
) -> None:
    clerk = ready_user(organisation, "siân.evans", ["online"])
    actor = Actor(user=clerk, channel=Channel.PORTAL)
    megan = _register(actor)
    gcse, unit = add_events(ao_actor, megan, "E")
    challenge = raise_challenge(
        request=request_for("shared_uln", megan.uln, comments="Her sister uses this ULN."),
        actor=actor,
    )
    desk = acting_organisation(service_desk_system_actor(channel=Channel.CLI))
    ready_user(desk, "sam.patel", ["operator"])

    sign_in(page, "sam.patel")
    page.goto(f"/service-desk/challenges/{challenge.reference}/")
    page.get_by_role("link", name="Split the shared ULN").click()
    page.get_by_role("heading", name="Split a shared ULN", level=1).wait_for()
    check_page(page, "uln-split")
    page.get_by_label("Given name", exact=True).fill("Bethan")
    page.get_by_label("Family name", exact=True).fill("Pritchard")
    born = page.get_by_role("group", name="Date of birth")
    born.get_by_label("Day").fill("2")
    born.get_by_label("Month").fill("1")
    born.get_by_label("Year").fill("2008")
    page.get_by_role("group", name="Gender").get_by_label("Female", exact=True).check()
    page.get_by_label("Postcode", exact=True).fill("CF10 3AT")
    page.get_by_role("group", name="How was the learner's identity verified?").get_by_label(
        "Passport"
    ).check()
    page.get_by_role("group", name="privacy notice").get_by_label("Yes", exact=True).check()
    unit_event = LearningEvent.objects.get(pk=unit)
    page.get_by_role("group", name="Qualifications that belong to the second person").locator(
        f'input[value="{unit_event.pk}"]'
    ).check()
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Check the split before you confirm it").wait_for()
    assert "Bethan Pritchard" in page.content()
    check_page(page, "uln-split-confirm")
    page.get_by_role("button", name="Split the ULN").click()

    page.get_by_role("heading", name="ULN split").wait_for()
    check_page(page, "uln-split-done")
    new_uln = page.locator(".govuk-panel .lrs-uln").inner_text().strip()
    second = Learner.objects.get(uln=new_uln)
    assert second.given_name == "Bethan"
    assert LearningEvent.objects.get(pk=unit).learner_id == second.pk
    assert LearningEvent.objects.get(pk=gcse).learner_id == megan.pk
    assert Challenge.objects.get().status == "resolved"
    page.get_by_role("link", name=f"View data challenge {challenge.reference}").click()
    page.get_by_text("Resolved").first.wait_for()
