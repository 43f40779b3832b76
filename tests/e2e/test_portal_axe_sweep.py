"""axe on every page a signed-in user can open with a GET, for each kind of user.

The journeys check the pages they pass through; this sweep catches the rest (confirmation pages,
account pages, error pages) so that no page goes unchecked.
"""

from __future__ import annotations

from typing import Any

import pytest

from lrs.challenges.model_fits import fit_now
from lrs.core.actor import Channel
from lrs.learners.imports import import_learners
from lrs.organisations.models import Organisation, User
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import create_user, service_desk_system_actor
from lrs.organisations.signin import set_secret_question
from lrs.synthetic import generate_register
from lrs.synthetic.csv_io import personal_fields
from tests.e2e.conftest import PASSWORD, check_page, current_code, ready_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _sweep(page: Any, paths: list[str], language: str = "en") -> None:
    for path in paths:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language, path
        check_page(page, f"sweep-{language}{path}")


@pytest.mark.parametrize("language", ["en", "cy"])
def test_super_user_pages(page: Any, organisation: Organisation, language: str) -> None:
    ready_user(organisation, "grace.okafor", ["super"])
    staff = ready_user(organisation, "tom.baker", ["online"])
    unset = create_user(
        actor=service_desk_system_actor(channel=Channel.CLI),
        organisation=organisation,
        username="new.starter",
        roles=["view"],
    ).user
    page.goto(f"/language/{language}/?next=/sign-in/")
    page.goto("/sign-in/")
    page.locator("#id_username").fill("grace.okafor")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.locator("#id_code").fill(current_code("grace.okafor"))
    page.locator("#id_code").press("Enter")
    page.locator("button[value=accept]").click()
    _sweep(
        page,
        [
            "/home/",
            "/account/",
            "/account/tokens/",
            "/account/second-factor/",
            "/sign-in/change-password/",
            "/sign-in/secret-question/",
            "/users/",
            "/users/new/",
            f"/users/{staff.pk}/",
            f"/users/{staff.pk}/edit/",
            f"/users/{staff.pk}/suspend/",
            f"/users/{staff.pk}/delete/",
            f"/users/{staff.pk}/reset-password/",
            f"/users/{staff.pk}/verify-identity/",
            f"/users/{staff.pk}/tokens/",
            f"/users/{staff.pk}/reset-second-factor/",
            f"/users/{unset.pk}/verify-identity/",
            "/terms/",
            "/accessibility/",
            "/learners/find/",  # not allowed for a super user: the 403 page
            "/no-such-page/",  # the 404 page
        ],
        language,
    )


def test_suspended_user_reactivate_page(page: Any, organisation: Organisation) -> None:
    ready_user(organisation, "grace.okafor", ["super"])
    staff = ready_user(organisation, "tom.baker", ["online"])
    User.objects.filter(pk=staff.pk).update(is_active=False, suspension_reason="wrong_passwords")
    sign_in(page, "grace.okafor")
    _sweep(page, [f"/users/{staff.pk}/", f"/users/{staff.pk}/reactivate/"])


def test_service_desk_pages(page: Any, organisation: Organisation) -> None:
    desk = acting_organisation(service_desk_system_actor(channel=Channel.CLI))
    ready_user(desk, "sam.patel", ["operator"])
    grace = ready_user(organisation, "grace.okafor", ["super"])
    system = service_desk_system_actor(channel=Channel.CLI)
    import_learners(
        rows=({"ULN": p.uln, **personal_fields(p)} for p in generate_register(200, seed=3)),
        actor=system,
    )
    version = fit_now(actor=system).model
    assert version is not None
    sign_in(page, "sam.patel")
    _sweep(
        page,
        [
            "/service-desk/matching-model/",
            f"/service-desk/matching-model/{version.pk}/",
            "/service-desk/organisations/",
            "/service-desk/organisations/?q=river",
            "/service-desk/organisations/new/",
            f"/service-desk/organisations/{organisation.ukprn}/",
            f"/service-desk/organisations/{organisation.ukprn}/replace-super-user/",
            f"/service-desk/organisations/{organisation.ukprn}/users/{grace.pk}/"
            "reset-second-factor/",
        ],
    )
    # Resetting a super user's second factor from the organisation's page.
    page.get_by_role("button", name="Reset second factor").click()
    page.get_by_text("Grace Okafor's second factor has been reset").wait_for()
    check_page(page)


def test_signed_out_pages(page: Any, organisation: Organisation) -> None:
    user = ready_user(organisation, "tom.baker", ["online"])
    set_secret_question(user=user, question="first_school", answer="Llan")
    _sweep(page, ["/sign-in/", "/forgotten-password/", "/terms/", "/accessibility/"])
    page.goto("/forgotten-password/")
    page.get_by_label("Username").fill("tom.baker")
    page.get_by_role("button", name="Continue").click()
    check_page(page, "sweep-en-forgotten-password-answer")
