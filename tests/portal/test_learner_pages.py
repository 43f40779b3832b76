"""The portal's learner pages: find, register, profile and edit, through the real services."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lrs.core.actor import Actor
from lrs.learners.errors import IdenticalLearnerExists
from lrs.learners.models import Learner
from lrs.learners.services import register_learner, update_learner
from lrs.organisations.models import Organisation, User
from tests.conftest import learner_details

pytestmark = pytest.mark.django_db

SignIn = Callable[[User], Client]
MakeUser = Callable[..., User]

FIND = reverse("portal:learner-find")
FIND_ULN = reverse("portal:learner-find-uln")
FIND_DETAILS = reverse("portal:learner-find-details")
RESULTS = reverse("portal:learner-results")
REGISTER = reverse("portal:learner-register")
CONFIRM = reverse("portal:learner-register-confirm")
UNKNOWN_VALID_ULN = "1000000043"
NO_ENUMERATION = "No learner was found with this ULN and these names"
SEED_WARNING = (
    "Please confirm by selecting Register learner that the learner you are about to register "
    "is not included in the list of learners found by the search."
)


def detail_url(uln: str) -> str:
    return reverse("portal:learner-detail", args=[uln])


def edit_url(uln: str) -> str:
    return reverse("portal:learner-edit", args=[uln])


def text(response: Any) -> str:
    """The page's text with tags removed and white space collapsed (for phrase checks)."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def h1_count(response: Any) -> int:
    return len(re.findall(r"<h1[\s>]", response.content.decode()))


def error_summary(response: Any) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', html, flags=re.S)
    return match.group(0) if match else ""


def date_parts(prefix: str, name: str, value: datetime.date) -> dict[str, str]:
    return {
        f"{prefix}{name}_day": str(value.day),
        f"{prefix}{name}_month": str(value.month),
        f"{prefix}{name}_year": str(value.year),
    }


def search_post(**overrides: Any) -> dict[str, str]:
    values: dict[str, Any] = {
        "given_name": "Megan",
        "family_name": "Pritchard",
        "date_of_birth": datetime.date(2009, 4, 12),
        "gender": "2",
        "last_known_postcode": "CF10 3AT",
    }
    values.update(overrides)
    data = {}
    for name, value in values.items():
        if isinstance(value, datetime.date):
            data.update(date_parts("details-", name, value))
        else:
            data[f"details-{name}"] = value
    return data


def register_post(**overrides: Any) -> dict[str, str]:
    values: dict[str, Any] = {
        "given_name": "Rhys",
        "family_name": "Llewellyn",
        "middle_other_name": "Owain",
        "date_of_birth": datetime.date(2008, 11, 3),
        "gender": "1",
        "last_known_postcode": "SA1 1NW",
        "verification_type": "1",
        "ability_to_share": "1",
    }
    values.update(overrides)
    data = {}
    for name, value in values.items():
        if isinstance(value, datetime.date):
            data.update(date_parts("", name, value))
        else:
            data[name] = value
    return data


@pytest.fixture
def online_user(college: Organisation, make_user: MakeUser) -> User:
    return make_user(college, ["online"])


@pytest.fixture
def online(signed_in: SignIn, online_user: User) -> Client:
    return signed_in(online_user)


@pytest.fixture
def view_only(signed_in: SignIn, college: Organisation, make_user: MakeUser) -> Client:
    return signed_in(make_user(college, ["view"]))


@pytest.fixture
def megan(online_actor: Actor) -> Learner:
    """A learner registered by a colleague at the same college."""
    learner = register_learner(details=learner_details(), actor=online_actor).learner
    assert learner is not None
    return learner


class TestFindPage:
    def test_shows_both_forms(self, online: Client) -> None:
        response = online.get(FIND)
        assert response.status_code == 200
        assert h1_count(response) == 1
        page = text(response)
        assert "Find by ULN" in page
        assert "Find by personal details" in page
        html = response.content.decode()
        assert 'for="id_uln-uln"' in html
        assert 'id="id_details-date_of_birth-day"' in html
        assert 'name="details-gender"' in html
        assert "Only for learners aged under 16." in page
        assert "<title>Find a learner" in html

    def test_a_user_without_find_permission_is_refused(
        self, signed_in: SignIn, college: Organisation, make_user: MakeUser
    ) -> None:
        client = signed_in(make_user(college, ["batch"]))
        assert client.get(FIND).status_code == 403
        assert client.post(FIND_DETAILS, search_post()).status_code == 403

    def test_renders_in_welsh(self, online: Client, megan: Learner) -> None:
        online.cookies["lrs_language"] = "cy"
        for url in (FIND, REGISTER, detail_url(megan.uln), edit_url(megan.uln)):
            response = online.get(url)
            assert response.status_code == 200, url
            assert '<html lang="cy"' in response.content.decode()

    def test_searches_need_a_post(self, online: Client) -> None:
        assert online.get(FIND_DETAILS)["Location"] == FIND
        assert online.get(FIND_ULN)["Location"] == FIND

    def test_results_without_a_search_go_back_to_the_find_page(self, online: Client) -> None:
        response = online.get(RESULTS)
        assert response.status_code == 302
        assert response["Location"] == FIND


class TestFindByUln:
    def test_uln_and_names_find_the_learner(self, online: Client, megan: Learner) -> None:
        response = online.post(
            FIND_ULN,
            {"uln-uln": megan.uln, "uln-given_name": "megan", "uln-family_name": "Pritchard"},
        )
        assert response.status_code == 302
        assert response["Location"] == RESULTS
        assert megan.uln not in response["Location"]

        page = online.get(RESULTS)
        assert page.status_code == 200
        assert h1_count(page) == 1
        assert "Learner found" in text(page)
        assert megan.uln in text(page)
        assert detail_url(megan.uln) in page.content.decode()

    def test_wrong_names_and_an_unknown_uln_get_the_same_message(
        self, online: Client, megan: Learner
    ) -> None:
        wrong_names = online.post(
            FIND_ULN,
            {"uln-uln": megan.uln, "uln-given_name": "Ffion", "uln-family_name": "Pritchard"},
        )
        unknown = online.post(
            FIND_ULN,
            {
                "uln-uln": UNKNOWN_VALID_ULN,
                "uln-given_name": "Megan",
                "uln-family_name": "Pritchard",
            },
        )
        for response in (wrong_names, unknown):
            assert response.status_code == 200
            summary = error_summary(response)
            assert NO_ENUMERATION in summary
            assert 'href="#id_uln-uln"' in summary
        assert "Megan" not in error_summary(wrong_names)

    def test_a_malformed_uln_is_a_field_error(self, online: Client) -> None:
        response = online.post(
            FIND_ULN,
            {"uln-uln": "1000000042", "uln-given_name": "Megan", "uln-family_name": "Pritchard"},
        )
        assert response.status_code == 200
        assert 'href="#id_uln-uln"' in error_summary(response)

    def test_empty_fields_are_listed_in_the_error_summary(self, online: Client) -> None:
        response = online.post(FIND_ULN, {})
        summary = error_summary(response)
        assert "Enter the learner&#x27;s ULN" in summary
        assert "Enter the learner&#x27;s given name" in summary
        assert "Enter the learner&#x27;s family name" in summary
        assert "<title>Error: Find a learner" in response.content.decode()

    def test_a_linked_uln_shows_the_master_with_a_notice(
        self, online: Client, megan: Learner, online_actor: Actor
    ) -> None:
        duplicate = register_learner(
            details=learner_details(
                given_name="Meg",
                middle_other_name="",
                date_of_birth=datetime.date(2009, 5, 12),
                last_known_postcode="SA1 1NW",
            ),
            actor=online_actor,
            confirm_not_possible_match=True,
        ).learner
        assert duplicate is not None
        Learner.objects.filter(pk=duplicate.pk).update(master=megan, learner_status="2")

        online.post(
            FIND_ULN,
            {"uln-uln": duplicate.uln, "uln-given_name": "Meg", "uln-family_name": "Pritchard"},
        )
        page = text(online.get(RESULTS))
        assert f"The ULN you searched for, {duplicate.uln}, is linked to the master ULN" in page
        assert megan.uln in page


class TestFindByPersonalDetails:
    def test_an_exact_match_shows_the_learner(self, online: Client, megan: Learner) -> None:
        response = online.post(FIND_DETAILS, search_post())
        assert response.status_code == 302
        assert response["Location"] == RESULTS
        page = online.get(RESULTS)
        assert h1_count(page) == 1
        content = text(page)
        assert "Learner found" in content
        assert megan.uln in content
        assert "12 April 2009" in content
        assert "Date of birth matches" in content
        assert detail_url(megan.uln) in page.content.decode()

    def test_possible_matches_are_listed_with_why_they_matched(
        self, online: Client, megan: Learner
    ) -> None:
        online.post(FIND_DETAILS, search_post(last_known_postcode="SA1 1NW"))
        page = online.get(RESULTS)
        content = text(page)
        assert h1_count(page) == 1
        assert "Possible matches" in content
        assert megan.uln in content
        assert "Why it matched" in content
        assert "Family name matches" in content
        assert "Postcode differs (SA1 1NW/CF10 3AT)" in content
        html = page.content.decode()
        assert "<caption" in html
        assert 'scope="col"' in html
        assert "View profile" in content
        # A user who can register may still register after checking the list.
        assert "Register this learner" in content

    def test_no_match_shows_the_tips_and_a_register_button(
        self, online: Client, megan: Learner
    ) -> None:
        online.post(FIND_DETAILS, search_post(given_name="Oliver", family_name="Nowak", gender="1"))
        page = online.get(RESULTS)
        content = text(page)
        assert h1_count(page) == 1
        assert "No learner found" in content
        assert "Tips for searching" in content
        assert "Swap the day and month" in content
        assert "Register this learner" in content
        assert f"{REGISTER}?from=search" in page.content.decode()
        assert "Oliver" in content  # the searched details, to check them

    def test_register_this_learner_carries_the_searched_details(self, online: Client) -> None:
        online.post(
            FIND_DETAILS,
            search_post(given_name="Oliver", family_name="Nowak", gender="1", upn=""),
        )
        form = online.get(f"{REGISTER}?from=search").content.decode()
        assert 'value="Oliver"' in form
        assert 'value="Nowak"' in form
        assert re.search(r'name="date_of_birth_year"[^>]*value="2009"', form)
        blank = online.get(REGISTER).content.decode()
        assert 'value="Oliver"' not in blank

    def test_change_search_fills_the_form_again(self, online: Client) -> None:
        online.post(FIND_DETAILS, search_post(given_name="Oliver", family_name="Nowak"))
        assert 'value="Oliver"' in online.get(f"{FIND}?change=1").content.decode()
        assert 'value="Oliver"' not in online.get(FIND).content.decode()

    def test_too_many_matches_show_advice_and_no_learner_data(
        self, online: Client, online_actor: Actor
    ) -> None:
        postcodes = [
            "CF10 1AA", "CF11 6BB", "CF14 2DD", "CF23 5EE", "CF24 3FF", "CF3 4GG",
            "CF5 2HH", "CF15 7JJ", "CF62 4LL", "CF64 1NN", "CF72 8PP", "CF83 1QQ",
        ]  # fmt: skip
        ulns = []
        for postcode in postcodes:
            learner = register_learner(
                details=learner_details(
                    given_name="Emily",
                    family_name="Jones",
                    middle_other_name="",
                    last_known_postcode=postcode,
                    date_of_birth=datetime.date(2009, 1, 1),
                ),
                actor=online_actor,
                confirm_not_possible_match=True,
            ).learner
            assert learner is not None
            ulns.append(learner.uln)

        online.post(
            FIND_DETAILS,
            search_post(
                given_name="Emily",
                family_name="Jones",
                date_of_birth=datetime.date(2009, 1, 1),
                last_known_postcode="ZZ99 9ZZ",
            ),
        )
        page = online.get(RESULTS)
        content = text(page)
        assert h1_count(page) == 1
        assert "Your search returns more than the maximum number of learners permitted" in content
        assert "service desk, encrypted and password protected" in content
        assert "Tips for searching" in content
        assert not any(uln in content for uln in ulns)
        assert "CF10 1AA" not in content
        assert "govuk-table" not in page.content.decode()

    def test_field_errors_are_in_the_error_summary(self, online: Client) -> None:
        response = online.post(
            FIND_DETAILS,
            {"details-given_name": "Megan", "details-date_of_birth_day": "12"},
        )
        assert response.status_code == 200
        summary = error_summary(response)
        assert "Enter the learner&#x27;s family name" in summary
        assert "Date of birth must include a month and year" in summary
        assert "Select the learner&#x27;s gender" in summary
        assert 'href="#id_details-family_name"' in summary
        assert 'href="#id_details-date_of_birth-month"' in summary
        assert 'href="#id_details-gender_0"' in summary

    def test_service_rules_show_on_the_fields(self, online: Client) -> None:
        response = online.post(FIND_DETAILS, search_post(last_known_postcode="nonsense"))
        summary = error_summary(response)
        assert "Enter a real UK postcode" in summary
        assert 'href="#id_details-last_known_postcode"' in summary
        assert "There is a problem with 1 field" not in summary

    def test_personal_details_stay_out_of_the_url(self, online: Client) -> None:
        response = online.post(FIND_DETAILS, search_post(given_name="Oliver"))
        assert "Oliver" not in response["Location"]
        assert "2009" not in response["Location"]

    def test_view_only_users_see_no_register_button(
        self, view_only: Client, megan: Learner
    ) -> None:
        view_only.post(FIND_DETAILS, search_post(given_name="Oliver", family_name="Nowak"))
        content = text(view_only.get(RESULTS))
        assert "No learner found" in content
        assert "Register this learner" not in content


class TestRegister:
    def test_the_form_renders(self, online: Client) -> None:
        response = online.get(REGISTER)
        assert response.status_code == 200
        assert h1_count(response) == 1
        html = response.content.decode()
        for name in (
            "title",
            "given_name",
            "middle_other_name",
            "family_name",
            "preferred_given_name",
            "previous_family_name",
            "family_name_at_16",
            "school_at_16",
            "place_of_birth",
            "nationality",
            "last_known_address_line1",
            "last_known_address_line2",
            "last_known_address_town",
            "last_known_address_county_or_city",
            "last_known_postcode",
            "email_address",
            "upn",
            "uci",
            "scottish_candidate_number",
            "other_verification_description",
            "notes",
        ):
            assert f'for="id_{name}"' in html, name
        assert 'id="id_date_of_birth-day"' in html
        assert 'id="id_date_of_address_capture-day"' in html
        assert 'name="verification_type"' in html
        assert 'name="ability_to_share"' in html
        assert "Relationship with school" in html

    def test_a_new_learner_gets_a_uln(self, online: Client) -> None:
        response = online.post(REGISTER, register_post())
        assert response.status_code == 302
        learner = Learner.objects.get(family_name="Llewellyn")
        assert response["Location"] == reverse("portal:learner-registered", args=[learner.uln])

        page = online.get(response["Location"])
        assert page.status_code == 200
        assert h1_count(page) == 1
        html = page.content.decode()
        assert "govuk-panel--confirmation" in html
        assert learner.uln in text(page)
        assert f'data-copy-uln="{learner.uln}"' in html
        assert 'aria-controls="copy-status"' in html
        assert 'id="copy-status"' in html
        assert "View learner profile" in text(page)
        assert "Register another learner" in text(page)
        assert detail_url(learner.uln) in html
        assert learner.middle_other_name == "Owain"

    def test_the_confirmation_page_is_only_for_the_session_that_registered(
        self, online: Client, signed_in: SignIn, college: Organisation, make_user: MakeUser
    ) -> None:
        response = online.post(REGISTER, register_post())
        other = signed_in(make_user(college, ["online"]))
        assert other.get(response["Location"]).status_code == 404

    def test_field_errors_are_in_the_error_summary(self, online: Client) -> None:
        response = online.post(REGISTER, {"given_name": "Rhys"})
        assert response.status_code == 200
        summary = error_summary(response)
        assert "Enter the learner&#x27;s family name" in summary
        assert "Enter date of birth" in summary
        assert "Select how the learner&#x27;s identity was verified" in summary
        assert 'href="#id_verification_type_0"' in summary
        assert "Error" in response.content.decode().split("</title>")[0]
        assert not Learner.objects.exists()

    def test_service_validation_shows_on_the_field(self, online: Client) -> None:
        response = online.post(REGISTER, register_post(email_address="none"))
        summary = error_summary(response)
        assert "do not write &#x27;none&#x27;" in summary
        assert 'href="#id_email_address"' in summary
        assert not Learner.objects.exists()

    def test_possible_matches_need_confirmation(self, online: Client, megan: Learner) -> None:
        response = online.post(
            REGISTER,
            register_post(
                given_name="Megan",
                family_name="Pritchard",
                middle_other_name="",
                gender="2",
                date_of_birth=megan.date_of_birth,
                last_known_postcode="SA1 1NW",
            ),
        )
        assert response.status_code == 302
        assert response["Location"] == CONFIRM
        assert Learner.objects.count() == 1

        page = online.get(CONFIRM)
        content = text(page)
        assert h1_count(page) == 1
        assert SEED_WARNING in content
        assert megan.uln in content
        assert "Cancel" in content
        html = page.content.decode()
        assert f"{REGISTER}?from=pending" in html
        assert "Postcode differs (SA1 1NW/CF10 3AT)" in content
        assert "The learner you are registering" in content
        # The pending details stay in the session, not in hidden fields.
        assert 'value="SA1 1NW"' not in html
        # The organisation may open the possible match it was shown.
        assert online.get(detail_url(megan.uln)).status_code == 200

        cancelled = online.get(f"{REGISTER}?from=pending").content.decode()
        assert 'value="SA1 1NW"' in cancelled

        confirmed = online.post(CONFIRM, {"confirm": "yes"})
        assert confirmed.status_code == 302
        new = Learner.objects.get(last_known_postcode="SA1 1NW")
        assert confirmed["Location"] == reverse("portal:learner-registered", args=[new.uln])
        assert online.get(CONFIRM)["Location"] == REGISTER  # nothing pending any more

    def test_a_learner_found_by_the_search_gets_no_new_uln(
        self, online: Client, megan: Learner
    ) -> None:
        response = online.post(
            REGISTER,
            register_post(
                given_name="Meg",
                family_name="Pritchard",
                middle_other_name="Eleri",
                gender="2",
                date_of_birth=megan.date_of_birth,
                last_known_postcode=megan.last_known_postcode,
            ),
        )
        assert response.status_code == 302
        assert response["Location"] == RESULTS
        page = online.get(RESULTS)
        content = text(page)
        assert "This learner already has a ULN" in content
        assert megan.uln in content
        assert Learner.objects.count() == 1
        assert online.get(detail_url(megan.uln)).status_code == 200

    def test_an_identical_learner_is_refused_with_the_seed_message(
        self, online: Client, megan: Learner
    ) -> None:
        response = online.post(
            REGISTER,
            register_post(
                given_name="Megan",
                family_name="Pritchard",
                middle_other_name="",
                gender="2",
                date_of_birth=megan.date_of_birth,
                last_known_postcode=megan.last_known_postcode,
            ),
        )
        assert response.status_code == 200
        summary = error_summary(response)
        assert "key information identical to one already registered" in summary
        assert str(IdenticalLearnerExists.default_message)[:60].replace("'", "&#x27;") in summary
        assert Learner.objects.count() == 1

    def test_view_only_users_are_refused(self, view_only: Client) -> None:
        assert view_only.get(REGISTER).status_code == 403
        assert view_only.post(REGISTER, register_post()).status_code == 403
        assert view_only.get(CONFIRM).status_code == 403
        assert view_only.post(CONFIRM, {"confirm": "yes"}).status_code == 403
        assert not Learner.objects.exists()

    def test_csrf_is_enforced(self, online: Client) -> None:
        online.handler.enforce_csrf_checks = True
        assert online.post(REGISTER, register_post()).status_code == 403
        assert online.post(FIND_DETAILS, search_post()).status_code == 403
        assert not Learner.objects.exists()


class TestProfile:
    def test_shows_the_details_but_never_the_upn(self, online: Client, online_actor: Actor) -> None:
        dob = datetime.date.today().replace(year=datetime.date.today().year - 14)
        learner = register_learner(
            details=learner_details(
                date_of_birth=dob,
                upn="B801200005001",
                uci="",
                email_address="megan@example.com",
                place_of_birth="Cardiff",
            ),
            actor=online_actor,
        ).learner
        assert learner is not None
        assert learner.upn == "B801200005001"

        response = online.get(detail_url(learner.uln))
        assert response.status_code == 200
        assert h1_count(response) == 1
        content = text(response)
        for value in ("Megan", "Pritchard", "Eleri", "CF10 3AT", "megan@example.com", "Cardiff"):
            assert value in content
        assert learner.uln in content
        assert dob.strftime("%B") in content
        assert "Relationship with school" in content
        assert "Female" in content
        assert "B801200005001" not in response.content.decode()
        assert "Linked ULNs" in content
        assert "Version" in content
        assert "Created" in content
        assert "Last updated" in content
        assert f'data-copy-uln="{learner.uln}"' in response.content.decode()
        assert "Edit details" in content
        assert "History of this record" in content
        assert "Registered" in content

    def test_view_only_users_see_no_edit_button(self, view_only: Client, megan: Learner) -> None:
        response = view_only.get(detail_url(megan.uln))
        assert response.status_code == 200
        assert "Edit details" not in text(response)
        assert edit_url(megan.uln) not in response.content.decode()

    def test_another_organisation_cannot_open_the_profile(
        self, signed_in: SignIn, school: Organisation, make_user: MakeUser, megan: Learner
    ) -> None:
        client = signed_in(make_user(school, ["online"]))
        response = client.get(detail_url(megan.uln))
        assert response.status_code == 404
        assert "Pritchard" not in text(response)
        assert client.get(edit_url(megan.uln)).status_code == 404
        data = register_post(family_name="Evans", version_number=str(megan.version_number))
        assert client.post(edit_url(megan.uln), data).status_code == 404
        megan.refresh_from_db()
        assert megan.version_number == 1

    def test_an_unknown_uln_is_not_found(self, online: Client) -> None:
        response = online.get(detail_url(UNKNOWN_VALID_ULN))
        assert response.status_code == 404
        assert h1_count(response) == 1
        assert "Learner not found" in text(response)

    def test_history_shows_what_changed(
        self, online: Client, megan: Learner, online_actor: Actor
    ) -> None:
        update_learner(
            uln=megan.uln,
            version_number=megan.version_number,
            changes={"family_name": "Evans", "upn": ""},
            actor=online_actor,
        )
        content = text(online.get(detail_url(megan.uln)))
        assert "Updated" in content
        assert "Family name : from Pritchard → to Evans" in content
        assert "Previous family name : from (blank) → to Pritchard" in content
        assert "Given name : Megan" in content  # as registered


class TestEdit:
    def test_the_form_is_filled_in_without_the_upn(
        self, online: Client, online_actor: Actor
    ) -> None:
        dob = datetime.date.today().replace(year=datetime.date.today().year - 14)
        learner = register_learner(
            details=learner_details(date_of_birth=dob, upn="B801200005001"), actor=online_actor
        ).learner
        assert learner is not None
        response = online.get(edit_url(learner.uln))
        assert response.status_code == 200
        assert h1_count(response) == 1
        html = response.content.decode()
        assert 'value="Megan"' in html
        assert f'name="version_number" value="{learner.version_number}"' in html
        assert "B801200005001" not in html
        assert "Tips for updating a learner" in text(response)

    def test_a_change_is_saved_and_the_profile_says_so(
        self, online: Client, megan: Learner
    ) -> None:
        data = register_post(
            given_name="Megan",
            family_name="Pritchard",
            middle_other_name="Eleri",
            gender="2",
            date_of_birth=megan.date_of_birth,
            last_known_postcode="SA1 1NW",
            version_number=str(megan.version_number),
        )
        response = online.post(edit_url(megan.uln), data)
        assert response.status_code == 302
        assert response["Location"] == detail_url(megan.uln)
        megan.refresh_from_db()
        assert megan.last_known_postcode == "SA1 1NW"
        assert megan.version_number == 2

        page = online.get(response["Location"])
        assert "govuk-notification-banner--success" in page.content.decode()
        assert "The learner&#x27;s details have been updated." in page.content.decode()

    def test_a_blank_upn_keeps_the_upn_held(self, online: Client, online_actor: Actor) -> None:
        dob = datetime.date.today().replace(year=datetime.date.today().year - 14)
        learner = register_learner(
            details=learner_details(date_of_birth=dob, upn="B801200005001"), actor=online_actor
        ).learner
        assert learner is not None
        data = register_post(
            given_name="Megan",
            family_name="Pritchard",
            middle_other_name="Eleri",
            gender="2",
            date_of_birth=dob,
            last_known_postcode="CF10 3AT",
            place_of_birth="Cardiff",
            version_number=str(learner.version_number),
        )
        assert online.post(edit_url(learner.uln), data).status_code == 302
        learner.refresh_from_db()
        assert learner.place_of_birth == "Cardiff"
        assert learner.upn == "B801200005001"

    def test_a_stale_version_is_refused(
        self, online: Client, megan: Learner, online_actor: Actor
    ) -> None:
        stale_version = megan.version_number
        update_learner(
            uln=megan.uln,
            version_number=stale_version,
            changes={"place_of_birth": "Swansea"},
            actor=online_actor,
        )
        data = register_post(
            given_name="Megan",
            family_name="Pritchard",
            middle_other_name="Eleri",
            gender="2",
            date_of_birth=megan.date_of_birth,
            last_known_postcode="SA1 1NW",
            version_number=str(stale_version),
        )
        response = online.post(edit_url(megan.uln), data)
        assert response.status_code == 200
        assert "has been updated since you last obtained the details" in error_summary(response)
        assert "Start again with the latest details" in text(response)
        megan.refresh_from_db()
        assert megan.last_known_postcode == "CF10 3AT"

    def test_no_changes_is_told(self, online: Client, megan: Learner) -> None:
        data = register_post(
            given_name="Megan",
            family_name="Pritchard",
            middle_other_name="Eleri",
            gender="2",
            date_of_birth=megan.date_of_birth,
            last_known_postcode="CF10 3AT",
            version_number=str(megan.version_number),
        )
        response = online.post(edit_url(megan.uln), data, follow=True)
        assert "No changes found, therefore the learner was not updated." in text(response)
        megan.refresh_from_db()
        assert megan.version_number == 1

    def test_identical_key_information_is_refused(
        self, online: Client, megan: Learner, online_actor: Actor
    ) -> None:
        other = register_learner(
            details=learner_details(
                given_name="Ffion", middle_other_name="Haf", last_known_postcode="SA1 1NW"
            ),
            actor=online_actor,
            confirm_not_possible_match=True,
        ).learner
        assert other is not None
        data = register_post(
            given_name="Megan",
            family_name="Pritchard",
            middle_other_name="Haf",
            gender="2",
            date_of_birth=megan.date_of_birth,
            last_known_postcode="CF10 3AT",
            version_number=str(other.version_number),
        )
        response = online.post(edit_url(other.uln), data)
        assert response.status_code == 200
        assert "key information identical to one already registered" in error_summary(response)

    def test_field_errors_are_in_the_error_summary(self, online: Client, megan: Learner) -> None:
        data = register_post(family_name="", version_number=str(megan.version_number))
        response = online.post(edit_url(megan.uln), data)
        assert response.status_code == 200
        assert 'href="#id_family_name"' in error_summary(response)

    def test_view_only_users_are_refused(self, view_only: Client, megan: Learner) -> None:
        assert view_only.get(edit_url(megan.uln)).status_code == 403
        data = register_post(version_number=str(megan.version_number))
        assert view_only.post(edit_url(megan.uln), data).status_code == 403
        megan.refresh_from_db()
        assert megan.version_number == 1


INTRODUCTIONS: dict[str, Callable[[Client, Learner], Any]] = {
    "found by ULN": lambda client, megan: client.post(
        FIND_ULN,
        {"uln-uln": megan.uln, "uln-given_name": "Megan", "uln-family_name": "Pritchard"},
    ),
    "shown by a search": lambda client, megan: client.post(FIND_DETAILS, search_post()),
    "shown by a registration": lambda client, megan: client.post(
        REGISTER,
        register_post(
            given_name="Meg",
            family_name="Pritchard",
            middle_other_name="Eleri",
            gender="2",
            date_of_birth=megan.date_of_birth,
            last_known_postcode="CF10 3AT",
        ),
    ),
}
ROUTES: dict[str, Callable[[Client, Learner], Any]] = {
    "profile": lambda client, megan: client.get(detail_url(megan.uln)),
    "edit page": lambda client, megan: client.get(edit_url(megan.uln)),
    "edit": lambda client, megan: client.post(
        edit_url(megan.uln),
        register_post(
            given_name="Megan",
            family_name="Pritchard",
            middle_other_name="Eleri",
            gender="2",
            date_of_birth=megan.date_of_birth,
            last_known_postcode="CF10 3AT",
            notes="Known to us now",
            version_number=str(megan.version_number),
        ),
    ),
}
OPENED = {"profile": 200, "edit page": 200, "edit": 302}


class TestWhoMayOpenARecord:
    """A record opens by ULN only for an organisation that knows the learner (ADR 2)."""

    @pytest.fixture
    def other(self, signed_in: SignIn, school: Organisation, make_user: MakeUser) -> Client:
        return signed_in(make_user(school, ["online"]))

    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize("introduction", INTRODUCTIONS)
    def test_a_record_opens_once_the_organisation_knows_the_learner(
        self, other: Client, megan: Learner, route: str, introduction: str
    ) -> None:
        open_record = ROUTES[route]
        refused = open_record(other, megan)
        assert refused.status_code == 404
        assert "Eleri" not in text(refused)

        INTRODUCTIONS[introduction](other, megan)

        assert open_record(other, megan).status_code == OPENED[route]

    @pytest.mark.parametrize("route", ROUTES)
    def test_the_registering_organisation_opens_the_record(
        self, online: Client, megan: Learner, route: str
    ) -> None:
        assert ROUTES[route](online, megan).status_code == OPENED[route]

    @pytest.mark.parametrize("route", ROUTES)
    def test_a_uln_with_wrong_names_opens_nothing(
        self, other: Client, megan: Learner, route: str
    ) -> None:
        other.post(
            FIND_ULN,
            {"uln-uln": megan.uln, "uln-given_name": "Ffion", "uln-family_name": "Pritchard"},
        )

        assert ROUTES[route](other, megan).status_code == 404


class TestIssue19Polish:
    """Issue 19 item 22: the summary shows the postcode as the register writes it, and a user
    who can't open learner pages isn't welcomed to "Learner management"."""

    def test_the_searched_postcode_is_shown_normalised(self, online: Client, megan: Learner):
        online.post(FIND_DETAILS, search_post(last_known_postcode="cv59te"))
        content = text(online.get(RESULTS))
        assert "The details you searched for" in content
        assert "CV5 9TE" in content
        assert "cv59te" not in content

    def test_a_super_user_home_page_is_not_learner_management(
        self, signed_in: SignIn, college: Organisation, make_user: MakeUser, online: Client
    ):
        home = reverse("portal:home")
        super_page = signed_in(make_user(college, ["super"])).get(home).content.decode()
        assert _h1(super_page) == "Learning Records Service"
        assert _h1(online.get(home).content.decode()) == "Learner management"


def _h1(html: str) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, flags=re.S)
    assert match
    return match.group(1).strip()


class TestMatchStrengthInWords:
    """Issue 19 item 21: possible matches say weak or strong, with what that means."""

    def test_possible_matches_say_how_strong_they_are(self, online: Client, megan: Learner):
        online.post(FIND_DETAILS, search_post(last_known_postcode="SA1 1NW"))
        content = text(online.get(RESULTS))
        assert "Possible matches" in content
        assert re.search(r"(Strong|Weak) possible match (More|Less) likely than not", content)
        assert "0.0" not in content

    def test_the_words_follow_the_probability(self):
        from lrs.learners.match_reasons import match_strength, match_strength_words

        assert match_strength(0.0087) == "weak"
        assert match_strength(0.5) == "strong"
        assert match_strength_words(0.93)["label"] == "Strong possible match"
        assert match_strength_words(0.0087)["label"] == "Weak possible match"
