"""Learner journeys in a real browser: find, register, view and edit, with axe on every page.

The learners each journey needs are registered with the services; the browser then signs in
through the real sign-in page and uses the portal as a person would.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from lrs.core.actor import Actor, Channel
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation
from lrs.organisations.services import create_user, service_desk_system_actor
from tests.conftest import learner_details
from tests.e2e.conftest import check_page, ready_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MEGAN_DOB = datetime.date(2009, 4, 12)  # learner_details()'s date of birth
NOT_FOUND = (
    "No learner was found with this ULN and these names. Check the ULN, given name and family "
    "name, or find the learner by personal details."
)
SEED_WARNING = (
    "Please confirm by selecting Register learner that the learner you are about to register "
    "is not included in the list of learners found by the search."
)


# --- Data, made with the services -------------------------------------------------------------


@pytest.fixture
def colleague(organisation: Organisation) -> Actor:
    """Another user of the college, who registered the learners already on the register."""
    user = create_user(
        actor=service_desk_system_actor(channel=Channel.CLI),
        organisation=organisation,
        username="dafydd.hughes",
        roles=["online"],
    ).user
    return Actor(user=user, channel=Channel.PORTAL)


def _register(actor: Actor, **overrides: Any) -> Learner:
    learner = register_learner(
        details=learner_details(**overrides), actor=actor, confirm_not_possible_match=True
    ).learner
    assert learner is not None
    return learner


# --- Browser steps ----------------------------------------------------------------------------


def _menu(page: Any) -> Any:
    return page.get_by_role("navigation", name="Menu")


def _go_to_find(page: Any) -> None:
    _menu(page).get_by_role("link", name="Find a learner").click()
    page.get_by_role("heading", name="Find a learner", level=1).wait_for()


def _fill_date(page: Any, legend: str, value: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


def _find_by_details(
    page: Any,
    *,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date,
    gender: str,
    postcode: str,
) -> None:
    form = page.get_by_role("form", name="Find by personal details")
    form.get_by_label("Given name", exact=True).fill(given_name)
    form.get_by_label("Family name", exact=True).fill(family_name)
    _fill_date(form, "Date of birth", date_of_birth)
    form.get_by_role("group", name="Gender").get_by_label(gender, exact=True).check()
    form.get_by_label("Postcode", exact=True).fill(postcode)
    form.get_by_role("button", name="Find by personal details").click()


def _find_by_uln(page: Any, uln: str, given_name: str, family_name: str) -> None:
    form = page.get_by_role("form", name="Find by ULN")
    form.get_by_label("ULN", exact=True).fill(uln)
    form.get_by_label("Given name", exact=True).fill(given_name)
    form.get_by_label("Family name", exact=True).fill(family_name)
    form.get_by_role("button", name="Find by ULN").click()


def _summary_value(page: Any, key: str) -> str:
    """The value of the first summary list row with this key."""
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    )
    return row.first.locator("dd").inner_text().strip()


def _table_rows(page: Any, caption: str) -> Any:
    return page.get_by_role("table", name=caption).locator("tbody tr")


# --- Journeys ---------------------------------------------------------------------------------


def test_find_by_personal_details_view_and_edit(
    page: Any, organisation: Organisation, colleague: Actor
) -> None:
    megan = _register(colleague, email_address="megan@example.com")
    ready_user(organisation, "sian.evans", ["online"])

    sign_in(page, "sian.evans")
    _go_to_find(page)
    check_page(page, "learner-find")

    _find_by_details(
        page,
        given_name="Megan",
        family_name="Pritchard",
        date_of_birth=MEGAN_DOB,
        gender="Female",
        postcode="CF10 3AT",
    )
    page.get_by_role("heading", name="Learner found").wait_for()
    check_page(page, "learner-found-exact")
    rows = _table_rows(page, "Learner")
    assert rows.count() == 1
    assert rows.first.get_by_role("rowheader").inner_text() == megan.uln
    assert rows.first.get_by_text("Date of birth matches").is_visible()

    rows.first.get_by_role("link", name=f"View profile of ULN {megan.uln}").click()
    page.get_by_role("heading", name="Megan Pritchard", level=1).wait_for()
    check_page(page, "learner-profile")
    assert _summary_value(page, "ULN") == megan.uln
    assert _summary_value(page, "Postcode") == "CF10 3AT"
    history = page.get_by_role("table", name="History of this record")
    assert history.is_visible()
    assert history.get_by_role("cell", name="Registered").first.is_visible()
    assert history.get_by_role("cell", name="dafydd.hughes").first.is_visible()

    page.get_by_role("button", name="Edit details").click()
    page.get_by_role("heading", name="Edit learner details").wait_for()
    check_page(page, "learner-edit")
    assert page.get_by_label("Given name", exact=True).input_value() == "Megan"
    page.get_by_label("Postcode", exact=True).fill("SA1 1NW")
    page.get_by_label("Email address").fill("megan.pritchard@example.com")
    page.get_by_role("button", name="Save changes").click()

    page.get_by_role("heading", name="Megan Pritchard", level=1).wait_for()
    banner = page.get_by_role("alert")
    assert "Success" in banner.inner_text()
    assert "The learner's details have been updated." in banner.inner_text()
    check_page(page, "learner-profile-updated")
    assert _summary_value(page, "Postcode") == "SA1 1NW"
    assert _summary_value(page, "Email address") == "megan.pritchard@example.com"
    assert _summary_value(page, "Version") == "2"
    updated = history.get_by_role("row").filter(
        has=page.get_by_role("cell", name=re.compile(r"^Updated"))
    )
    assert "CF10 3AT" in updated.inner_text()
    assert "SA1 1NW" in updated.inner_text()

    megan.refresh_from_db()
    assert megan.last_known_postcode == "SA1 1NW"
    assert megan.email_address == "megan.pritchard@example.com"


def test_find_by_uln(page: Any, organisation: Organisation, colleague: Actor) -> None:
    megan = _register(colleague)
    ready_user(organisation, "sian.evans", ["online"])

    sign_in(page, "sian.evans")
    _go_to_find(page)
    _find_by_uln(page, megan.uln, "Megan", "Pritchard")
    page.get_by_role("heading", name="Learner found").wait_for()
    check_page(page, "learner-found-by-uln")
    rows = _table_rows(page, "Learner")
    assert rows.count() == 1
    assert rows.first.get_by_role("rowheader").inner_text() == megan.uln
    assert "Megan Eleri Pritchard" in rows.first.inner_text()
    # A find by ULN compares no personal details, so there are no reasons to show.
    assert page.get_by_role("columnheader", name="Why it matched").count() == 0

    # A wrong family name gets the same message as an unknown ULN: no ULN mining.
    page.get_by_role("link", name="Find another learner").click()
    page.get_by_role("heading", name="Find a learner", level=1).wait_for()
    _find_by_uln(page, megan.uln, "Megan", "Evans")
    summary = page.locator(".govuk-error-summary")
    summary.get_by_role("heading", name="There is a problem").wait_for()
    check_page(page, "learner-find-by-uln-not-found")
    assert summary.get_by_role("link").all_inner_texts() == [NOT_FOUND]
    assert page.title().startswith("Error:")
    assert "Pritchard" not in page.locator("main").inner_text()
    summary.get_by_role("link", name=NOT_FOUND).click()
    form = page.get_by_role("form", name="Find by ULN")
    assert form.get_by_label("ULN", exact=True).evaluate("el => el === document.activeElement")

    form.get_by_label("ULN", exact=True).fill("1000000043")  # valid, but nobody's
    form.get_by_label("Family name", exact=True).fill("Pritchard")
    form.get_by_role("button", name="Find by ULN").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert summary.get_by_role("link").all_inner_texts() == [NOT_FOUND]


def test_possible_matches_show_why_they_matched(
    page: Any, organisation: Organisation, colleague: Actor
) -> None:
    # Ten sisters of a multiple birth share a family name, date of birth and postcode: the
    # most learners that a results page shows.
    sisters = ["Megan", "Ffion", "Seren", "Cerys", "Nia", "Lowri", "Carys", "Elin", "Sioned"]
    learners = [_register(colleague)]
    learners += [
        _register(colleague, given_name=name, middle_other_name="") for name in sisters[1:]
    ]
    learners.append(_register(colleague, given_name="Angharad", middle_other_name=""))
    ulns = [learner.uln for learner in learners]
    ready_user(organisation, "sian.evans", ["online"])

    sign_in(page, "sian.evans")
    _go_to_find(page)
    _find_by_details(
        page,
        given_name="Meghan",
        family_name="Pritchard",
        date_of_birth=MEGAN_DOB,
        gender="Female",
        postcode="CF10 3AT",
    )
    page.get_by_role("heading", name="Possible matches").wait_for()
    check_page(page, "learner-possible-matches")
    assert page.get_by_text("We found 10 learners who might be the one you").is_visible()
    rows = _table_rows(page, "Learners who may match your search")
    assert rows.count() == 10
    assert sorted(rows.get_by_role("rowheader").all_inner_texts()) == sorted(ulns)
    assert page.get_by_role("columnheader", name="Why it matched").is_visible()

    megan_row = rows.filter(has=page.get_by_role("rowheader", name=ulns[0]))
    assert "Given name is a known nickname (Meghan/Megan)" in megan_row.inner_text()
    for reason in ("Family name matches", "Date of birth matches", "Postcode matches"):
        assert reason in megan_row.inner_text()
    ffion_row = rows.filter(has=page.get_by_role("rowheader", name=ulns[1]))
    assert "Given name differs (Meghan/Ffion)" in ffion_row.inner_text()
    assert ffion_row.get_by_role("link", name=f"View profile of ULN {ulns[1]}").is_visible()

    # The searched details are repeated, and the user may still register after checking.
    assert _summary_value(page, "Given name") == "Meghan"
    assert page.get_by_role("button", name="Register this learner").is_visible()
    page.get_by_text("Tips for searching", exact=True).click()
    assert page.get_by_text("Swap the day and month if both are 12 or less").is_visible()


def test_no_match_then_register_the_learner(
    page: Any, organisation: Organisation, colleague: Actor
) -> None:
    _register(colleague)
    ready_user(organisation, "sian.evans", ["online"])

    sign_in(page, "sian.evans")
    _go_to_find(page)
    _find_by_details(
        page,
        given_name="Oliver",
        family_name="Nowak",
        date_of_birth=datetime.date(2008, 11, 3),
        gender="Male",
        postcode="SA1 1NW",
    )
    page.get_by_role("heading", name="No learner found").wait_for()
    check_page(page, "learner-no-match")
    assert page.get_by_role("heading", name="Tips for searching").is_visible()
    assert page.get_by_text("Swap the day and month if both are 12 or less").is_visible()
    assert _summary_value(page, "Given name") == "Oliver"
    assert _summary_value(page, "Date of birth") == "3 November 2008"

    page.get_by_role("button", name="Register this learner").click()
    page.get_by_role("heading", name="Register a learner").wait_for()
    check_page(page, "learner-register-prefilled")
    assert page.get_by_label("Given name", exact=True).input_value() == "Oliver"
    assert page.get_by_label("Family name", exact=True).input_value() == "Nowak"
    assert page.get_by_label("Postcode", exact=True).input_value() == "SA1 1NW"
    born = page.get_by_role("group", name="Date of birth")
    assert [born.get_by_label(part).input_value() for part in ("Day", "Month", "Year")] == [
        "3",
        "11",
        "2008",
    ]
    assert page.get_by_role("group", name="Gender").get_by_label("Male", exact=True).is_checked()

    page.get_by_role("group", name="How was the learner's identity verified?").get_by_label(
        "Passport"
    ).check()
    page.get_by_role("group", name="privacy notice").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Register learner").click()

    page.get_by_role("heading", name="Learner registered").wait_for()
    check_page(page, "learner-registered")
    uln = page.locator(".govuk-panel .lrs-uln").inner_text().strip()
    assert re.fullmatch(r"\d{10}", uln)
    # "Copy ULN" is there for this ULN; the page's script unhides it where copying works.
    copy = page.locator(f'[data-copy-uln="{uln}"]')
    assert copy.count() == 1
    if page.evaluate("() => Boolean(navigator.clipboard)"):
        assert page.get_by_role("button", name=f"Copy ULN {uln}").is_visible()

    learner = Learner.objects.get(uln=uln)
    assert (learner.given_name, learner.family_name) == ("Oliver", "Nowak")
    assert learner.verification_type == "2"

    page.get_by_role("link", name="View learner profile").click()
    page.get_by_role("heading", name="Oliver Nowak", level=1).wait_for()
    check_page(page, "learner-profile-new")
    assert _summary_value(page, "ULN") == uln


def test_register_with_the_possible_match_warning(
    page: Any, organisation: Organisation, colleague: Actor
) -> None:
    megan = _register(colleague)
    ready_user(organisation, "sian.evans", ["online"])

    sign_in(page, "sian.evans")
    _menu(page).get_by_role("link", name="Register a learner").click()
    page.get_by_role("heading", name="Register a learner").wait_for()
    check_page(page, "learner-register")
    # The same girl as Megan but for the postcode (she has moved, or is someone else).
    page.get_by_label("Given name", exact=True).fill("Megan")
    page.get_by_label("Family name", exact=True).fill("Pritchard")
    _fill_date(page, "Date of birth", MEGAN_DOB)
    page.get_by_role("group", name="Gender").get_by_label("Female", exact=True).check()
    page.get_by_label("Postcode", exact=True).fill("SA1 1NW")
    page.get_by_role("group", name="How was the learner's identity verified?").get_by_label(
        "Relationship with school"
    ).check()
    page.get_by_role("group", name="privacy notice").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Register learner").click()

    page.get_by_role("heading", name="Register learner warning").wait_for()
    check_page(page, "learner-register-warning")
    assert page.get_by_text(SEED_WARNING).is_visible()
    assert _summary_value(page, "Name") == "Megan Pritchard"
    rows = _table_rows(page, "Learners found by the search")
    assert rows.count() == 1
    assert rows.first.get_by_role("rowheader").inner_text() == megan.uln
    assert "Postcode differs (SA1 1NW/CF10 3AT)" in rows.first.inner_text()
    assert page.get_by_role("link", name="Cancel").is_visible()
    assert Learner.objects.count() == 1  # nothing registered until the user confirms

    page.get_by_role("button", name="Register learner").click()
    page.get_by_role("heading", name="Learner registered").wait_for()
    uln = page.locator(".govuk-panel .lrs-uln").inner_text().strip()
    assert re.fullmatch(r"\d{10}", uln)
    assert uln != megan.uln
    assert Learner.objects.get(uln=uln).last_known_postcode == "SA1 1NW"
    assert Learner.objects.count() == 2


def test_too_many_matches_show_no_learners(
    page: Any, organisation: Organisation, colleague: Actor
) -> None:
    postcodes = [
        "CF10 1AA", "CF11 6BB", "CF14 2DD", "CF23 5EE", "CF24 3FF", "CF3 4GG",
        "CF5 2HH", "CF15 7JJ", "CF62 4LL", "CF64 1NN", "CF72 8PP", "CF83 1QQ",
    ]  # fmt: skip
    ulns = [
        _register(
            colleague,
            given_name="Emily",
            family_name="Jones",
            middle_other_name="",
            last_known_postcode=postcode,
            date_of_birth=datetime.date(2009, 1, 1),
        ).uln
        for postcode in postcodes
    ]
    ready_user(organisation, "sian.evans", ["online"])

    sign_in(page, "sian.evans")
    _go_to_find(page)
    _find_by_details(
        page,
        given_name="Emily",
        family_name="Jones",
        date_of_birth=datetime.date(2009, 1, 1),
        gender="Female",
        postcode="ZZ99 9ZZ",
    )
    page.get_by_role("heading", name="Too many learners match your search").wait_for()
    check_page(page, "learner-too-many")
    main = page.locator("main").inner_text()
    assert "encrypted and password protected" in main
    assert page.get_by_role("heading", name="Tips for searching").is_visible()
    assert page.get_by_role("table").count() == 0
    assert not any(uln in main for uln in ulns)
    assert not any(postcode in main for postcode in postcodes)
    assert _summary_value(page, "Postcode") == "ZZ99 9ZZ"  # only what was searched for


def test_a_view_only_user_can_find_but_not_change(
    page: Any, organisation: Organisation, colleague: Actor
) -> None:
    megan = _register(colleague)
    ready_user(organisation, "sian.evans", ["view"])

    sign_in(page, "sian.evans")
    check_page(page, "home-view-only-user")
    assert _menu(page).get_by_role("link", name="Find a learner").is_visible()
    assert page.get_by_role("link", name="Register a learner").count() == 0

    _go_to_find(page)
    _find_by_uln(page, megan.uln, "Megan", "Pritchard")
    page.get_by_role("heading", name="Learner found").wait_for()
    page.get_by_role("link", name=f"View profile of ULN {megan.uln}").click()
    page.get_by_role("heading", name="Megan Pritchard", level=1).wait_for()
    check_page(page, "learner-profile-view-only")
    assert _summary_value(page, "ULN") == megan.uln
    assert page.get_by_role("button", name="Edit details").count() == 0
    assert page.get_by_role("link", name="Edit details").count() == 0

    response = page.goto("/learners/register/")
    assert response is not None
    assert response.status == 403
    page.get_by_role("heading", name="You can't use this page").wait_for()
    check_page(page, "learner-register-forbidden")
    assert page.get_by_label("Given name").count() == 0
    assert page.get_by_role("link", name="Register a learner").count() == 0
