"""Verify learner in a real browser, in English and Welsh, with axe on every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lrs.core.actor import Actor, Channel
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation
from lrs.organisations.services import create_user, service_desk_system_actor
from tests.conftest import learner_details
from tests.e2e.conftest import check_page, ready_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def learner(organisation: Organisation) -> Learner:
    registrar = Actor(
        user=create_user(
            actor=service_desk_system_actor(channel=Channel.CLI),
            organisation=organisation,
            username="dafydd.hughes",
            roles=["online"],
        ).user,
        channel=Channel.PORTAL,
    )
    registered = register_learner(
        details=learner_details(), actor=registrar, confirm_not_possible_match=True
    ).learner
    assert registered is not None
    return registered


def _fill(page: Any, learner: Learner, *, given: str, gender: str, labels: dict[str, str]) -> None:
    page.get_by_label(labels["uln"], exact=True).fill(learner.uln)
    page.get_by_label(labels["given"], exact=True).fill(given)
    page.get_by_label(labels["family"], exact=True).fill("Pritchard")
    group = page.get_by_role("group", name=labels["dob"])
    group.get_by_label(labels["day"]).fill("12")
    group.get_by_label(labels["month"]).fill("4")
    group.get_by_label(labels["year"]).fill("2009")
    page.get_by_role("group", name=labels["gender"]).get_by_label(gender, exact=True).check()


ENGLISH = {
    "uln": "ULN",
    "given": "Given name",
    "family": "Family name",
    "dob": "Date of birth",
    "day": "Day",
    "month": "Month",
    "year": "Year",
    "gender": "Gender",
}


def test_a_verifier_verifies_a_learner(
    page: Any, organisation: Organisation, learner: Learner
) -> None:
    ready_user(organisation, "nia.verify", ["vld"])
    sign_in(page, "nia.verify")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Verify a learner").click()
    page.get_by_role("heading", name="Verify a learner", level=1).wait_for()
    check_page(page, "verify-learner")

    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    check_page(page, "verify-learner-errors")

    _fill(page, learner, given="Megan", gender="Female", labels=ENGLISH)
    page.get_by_label("Postcode (optional)").fill("CF10 3AT")
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Verified", exact=True).wait_for()
    assert page.get_by_text("WSVRC001").count() == 1
    check_page(page, "verify-learner-verified")

    _fill(page, learner, given="Ffion", gender="Male", labels=ENGLISH)
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Not verified", exact=True).wait_for()
    flags = page.locator("#failure-flags li")
    assert flags.first.inner_text().startswith("VRF1 GivenDoesntMatchGiven")
    assert "VRF8 GenderDoesntMatchGender" in flags.last.inner_text()
    check_page(page, "verify-learner-not-verified")


def test_in_welsh(page: Any, organisation: Organisation, learner: Learner) -> None:
    ready_user(organisation, "nia.verify", ["vld"])
    sign_in(page, "nia.verify")
    page.get_by_role("link", name="Cymraeg").click()
    page.goto("/verify-learner/")
    assert page.locator("html").get_attribute("lang") == "cy"
    page.get_by_role("heading", name="Dilysu dysgwr", level=1).wait_for()
    check_page(page, "cy-verify-learner")

    welsh = {
        "uln": "ULN",
        "given": "Enw cyntaf",
        "family": "Cyfenw",
        "dob": "Dyddiad geni",
        "day": "Diwrnod",
        "month": "Mis",
        "year": "Blwyddyn",
        "gender": "Rhywedd",
    }
    _fill(page, learner, given="Meg", gender="Benyw", labels=welsh)
    page.get_by_role("button", name="Gwirio").click()
    page.get_by_role("heading", name="Wedi'i ddilysu", exact=True).wait_for()
    assert page.get_by_text("WSVRC003").count() == 1
    check_page(page, "cy-verify-learner-similar")


def test_other_roles_see_the_403_page(page: Any, organisation: Organisation) -> None:
    ready_user(organisation, "owain.online", ["online"])
    sign_in(page, "owain.online")
    assert page.get_by_role("link", name="Verify a learner").count() == 0

    response = page.goto("/verify-learner/")

    assert response.status == 403
    check_page(page)


def test_a_verifier_uploads_a_verify_file(
    page: Any, organisation: Organisation, learner: Learner, tmp_path: Path
) -> None:
    from lrs.batches.services import process_until_done

    ready_user(organisation, "nia.verify", ["vld"])
    source = tmp_path / "verify.csv"
    source.write_text(
        "ULN,GivenName,FamilyName,DateOfBirth,Gender\n"
        f"{learner.uln},Megan,Pritchard,2009-04-12,2\n"
        f"{learner.uln},Megan,Jones,2009-04-12,2\n"
    )
    sign_in(page, "nia.verify")
    page.goto("/verify-learner/")
    page.get_by_role("link", name="Verify a file of up to 5,000 learners").click()
    page.get_by_role("heading", name="Verify files", level=1).wait_for()
    check_page(page, "verify-files")
    page.locator("input[type=file]").set_input_files(str(source))
    page.get_by_role("button", name="Upload file").click()
    page.get_by_role("heading", name="verify.csv").wait_for()

    process_until_done()
    page.reload()
    page.get_by_role("link", name="Download the output file (each row's answer)").wait_for()
    check_page(page, "verify-file")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the output file (each row's answer)").click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert "WSVRC001" in content
    assert "WSVRC005" in content
