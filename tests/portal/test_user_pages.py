"""User management pages of a super user (user guide section 3, DESIGN 3.4)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lrs.core.actor import Actor
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.organisations.models import Organisation, SuspensionReason, User
from lrs.organisations.signin import SignInOutcome, sign_in
from tests.conftest import make_ready

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User], Client]
MakeUser = Callable[..., User]

NEW_USER = {
    "title": "Ms",
    "given_name": "Siân",
    "family_name": "O'Brien",
    "email": "sian.obrien@riverside.ac.uk",
    "phone": "029 2000 0000",
    "mobile": "",
    "staff_reference": "RC-1234",
    "verification_provided": "Staff ID RC-1234 checked by HR",
    "roles": ["online", "batch"],
}


def _named(user: User, given: str, family: str, email: str = "") -> User:
    user.first_name, user.last_name = given, family
    user.email = email or f"{given}.{family}@example.org".lower()
    user.save()
    return user


@pytest.fixture
def admin(college: Organisation, make_user: MakeUser) -> User:
    return _named(make_user(college, ["super"]), "Ada", "Lovelace")


@pytest.fixture
def browser(admin: User, signed_in: SignedIn) -> Client:
    return signed_in(admin)


@pytest.fixture
def staff(college: Organisation, make_user: MakeUser) -> User:
    return _named(make_user(college, ["online"]), "Bryn", "Jones")


def _html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def _text(response: object) -> str:
    """The page's text with tags and runs of white space removed."""
    return " ".join(re.sub(r"<[^>]+>", " ", _html(response)).split())


def _detail(user: User) -> str:
    return reverse("portal:user-detail", args=[user.pk])


def _url(name: str, user: User) -> str:
    return reverse(f"portal:{name}", args=[user.pk])


def _one_time_password(response: object) -> str:
    match = re.search(r'class="[^"]*lrs-one-time-password[^"]*"[^>]*>([^<]+)<', _html(response))
    assert match, "no one-time password on the page"
    return match.group(1).strip()


def _user_details(user: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": user.title,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "email": user.email,
        "phone": user.phone,
        "mobile": user.mobile,
        "staff_reference": user.staff_reference,
        "verification_provided": user.verification_provided or "Staff ID",
        "roles": list(user.roles),
    }
    data.update(changes)
    return data


# --- Find users ---------------------------------------------------------------------------


def test_the_find_page_offers_blank_criteria_all_roles_and_create(browser: Client) -> None:
    response = browser.get(reverse("portal:user-find"))
    assert response.status_code == 200
    html = _html(response)
    assert html.count("<h1") == 1
    assert "<title>Find users – " in html
    assert 'value="all"' in html
    assert "All roles" in html
    assert 'name="status"' in html
    assert reverse("portal:user-create") in html
    assert "<table" not in html  # no search yet


def test_blank_search_with_all_roles_lists_every_user_of_the_own_organisation_only(
    browser: Client,
    admin: User,
    staff: User,
    college: Organisation,
    school: Organisation,
    make_user: MakeUser,
) -> None:
    suspended = _named(make_user(college, ["view", "plr"]), "Cai", "Lewis")
    suspended.is_active = False
    suspended.save()
    no_roles = _named(make_user(college, []), "Dee", "Morgan")
    outsider = _named(make_user(school, ["super"]), "Eve", "Outsider")

    response = browser.get(
        reverse("portal:user-find"),
        {"username": "", "given_name": "", "family_name": "", "roles": "all", "status": ""},
    )
    assert response.status_code == 200
    html = _html(response)
    for user in (admin, staff, suspended, no_roles):
        assert user.username in html
        assert _detail(user) in html
    assert outsider.username not in html
    assert "4 users match the selected criteria" in _text(response)
    assert "<caption" in html
    assert 'scope="col"' in html
    assert 'scope="row"' in html
    assert "govuk-tag--red" in html
    assert "govuk-tag--green" in html
    assert "View only user, Learner record (PLR viewer)" in html


def test_search_by_name_and_status_narrows_the_list(
    browser: Client, admin: User, staff: User
) -> None:
    response = browser.get(
        reverse("portal:user-find"), {"given_name": "bry", "family_name": "JON", "status": ""}
    )
    assert staff.username in _html(response)
    assert admin.username not in _html(response)

    response = browser.get(reverse("portal:user-find"), {"status": "suspended"})
    assert "No users match the selected criteria." in _text(response)


def test_search_by_role_lists_users_holding_it(browser: Client, admin: User, staff: User) -> None:
    response = browser.get(reverse("portal:user-find"), {"roles": "super"})
    assert admin.username in _html(response)
    assert staff.username not in _html(response)


def test_no_match_says_so(browser: Client) -> None:
    response = browser.get(
        reverse("portal:user-find"), {"given_name": "Nobody", "roles": "super", "status": ""}
    )
    assert response.status_code == 200
    assert "No users match the selected criteria." in _text(response)


def test_roles_not_granted_are_not_offered_in_the_search(
    make_user: MakeUser, signed_in: SignedIn, system_actor: Actor
) -> None:
    from lrs.organisations.services import create_organisation

    small = create_organisation(
        actor=system_actor,
        ukprn="10056789",
        name="Small School",
        organisation_type="school",
        granted_roles=["super", "view"],
    )
    client = signed_in(make_user(small, ["super"]))
    html = _html(client.get(reverse("portal:user-find")))
    assert 'value="view"' in html
    assert 'value="online"' not in html
    assert 'value="operator"' not in html


# --- Create a user ------------------------------------------------------------------------


def test_the_create_page_offers_the_granted_roles_with_descriptions(browser: Client) -> None:
    response = browser.get(reverse("portal:user-create"))
    assert response.status_code == 200
    html = _html(response)
    assert html.count("<h1") == 1
    for role in ("super", "batch", "online", "view", "plr", "vld"):
        assert f'value="{role}"' in html
    assert 'value="operator"' not in html
    assert "govuk-checkboxes__hint" in html
    assert "highest level role" in html
    assert "Do not enter their secret question or its answer" in html
    assert "csrfmiddlewaretoken" in html
    # Mandatory fields have no "(optional)"; the others do.
    assert "Given name (optional)" not in html
    assert "Telephone (optional)" in html


def test_creating_a_user_shows_the_username_and_one_time_password_once(
    browser: Client, college: Organisation
) -> None:
    response = browser.post(reverse("portal:user-create"), NEW_USER)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = _html(response)
    assert html.count("<h1") == 1
    assert "User account created" in html
    user = User.objects.get(email="sian.obrien@riverside.ac.uk")
    assert user.username == "sian.obrien"
    assert user.organisation == college
    assert sorted(user.roles) == ["batch", "online"]
    assert user.title == "Ms"
    assert user.staff_reference == "RC-1234"
    assert user.verification_provided == "Staff ID RC-1234 checked by HR"
    assert user.must_change_password
    password = _one_time_password(response)
    assert "it will not be shown again" in html
    # The password works, and is nowhere else: not in the session, a URL or the database.
    result = sign_in(username=user.username, password=password)
    assert result.outcome is SignInOutcome.SIGNED_IN
    assert password not in str(dict(browser.session))
    assert password not in user.password
    detail = browser.get(_detail(user))
    assert password not in _html(detail)
    assert "sian.obrien" in _html(detail)
    assert AuditEvent.objects.filter(action=AuditAction.USER_CREATED).exists()


def test_creating_a_user_needs_given_name_family_name_email_and_a_role(
    browser: Client,
) -> None:
    before = User.objects.count()
    response = browser.post(
        reverse("portal:user-create"),
        {"given_name": "", "family_name": "", "email": "", "verification_provided": ""},
    )
    assert response.status_code == 200
    html = _html(response)
    assert "govuk-error-summary" in html
    for message in (
        "Enter the user&#x27;s given name",
        "Enter the user&#x27;s family name",
        "Enter the user&#x27;s email address",
        "Choose at least one role",
    ):
        assert message in html
    assert "Error" in html.split("<title>")[1].split("</title>")[0]
    assert User.objects.count() == before


def test_a_role_outside_the_granted_set_is_refused(
    make_user: MakeUser, signed_in: SignedIn, system_actor: Actor
) -> None:
    from lrs.organisations.services import create_organisation

    small = create_organisation(
        actor=system_actor,
        ukprn="10056789",
        name="Small School",
        organisation_type="school",
        granted_roles=["super", "view"],
    )
    client = signed_in(make_user(small, ["super"]))
    html = _html(client.get(reverse("portal:user-create")))
    assert 'value="view"' in html
    assert 'value="online"' not in html

    for role in ("online", "operator"):
        response = client.post(reverse("portal:user-create"), {**NEW_USER, "roles": [role]})
        assert response.status_code == 200
        assert "Your organisation has not been granted this role" in _html(response)
        assert not User.objects.filter(email=NEW_USER["email"]).exists()


def test_the_service_refusal_of_a_generic_account_is_shown_on_the_field(browser: Client) -> None:
    response = browser.post(
        reverse("portal:user-create"), {**NEW_USER, "given_name": "Exams", "family_name": "Office"}
    )
    assert response.status_code == 200
    assert "generic accounts are not allowed" in _html(response)
    assert "#id_given_name" in _html(response)


def test_a_second_account_for_the_same_email_is_refused(browser: Client, staff: User) -> None:
    response = browser.post(reverse("portal:user-create"), {**NEW_USER, "email": staff.email})
    assert "already has this email address" in _html(response)


# --- User details -------------------------------------------------------------------------


def test_the_detail_page_shows_details_status_and_actions(browser: Client, staff: User) -> None:
    staff.failed_sign_ins = 3
    staff.phone = "01234 567890"
    staff.save()
    response = browser.get(_detail(staff))
    assert response.status_code == 200
    html = _html(response)
    text = _text(response)
    assert html.count("<h1") == 1
    assert "Bryn Jones" in html
    assert staff.username in html
    assert "01234 567890" in html
    assert "Online user" in html
    assert "Active" in html
    assert "Wrong passwords since last sign-in 3" in text
    assert "Last signed in Never" in text
    for name in ("user-edit", "user-suspend", "user-reset-password", "user-verify", "user-delete"):
        assert _url(name, staff) in html
    assert _url("user-reactivate", staff) not in html


def test_a_suspended_user_shows_why_and_offers_reactivate(browser: Client, staff: User) -> None:
    staff.is_active = False
    staff.suspension_reason = SuspensionReason.WRONG_PASSWORDS
    staff.save()
    html = _html(browser.get(_detail(staff)))
    assert "Suspended" in html
    assert "Too many wrong passwords" in html
    assert _url("user-reactivate", staff) in html
    assert _url("user-suspend", staff) not in html


def test_another_organisations_user_is_not_found(
    browser: Client, school: Organisation, make_user: MakeUser
) -> None:
    outsider = make_user(school, ["online"])
    for name in (
        "user-detail",
        "user-edit",
        "user-suspend",
        "user-reactivate",
        "user-delete",
        "user-reset-password",
        "user-verify",
    ):
        assert browser.get(_url(name, outsider)).status_code == 404, name
        assert browser.post(_url(name, outsider), {"answer": "Rover"}).status_code == 404, name
    outsider.refresh_from_db()
    assert outsider.is_active
    assert browser.get(reverse("portal:user-detail", args=[999999])).status_code == 404


# --- Edit ---------------------------------------------------------------------------------


def test_editing_changes_details_and_roles(browser: Client, staff: User) -> None:
    page = browser.get(_url("user-edit", staff))
    assert page.status_code == 200
    assert 'value="Bryn"' in _html(page)
    assert 'value="online" checked' in _html(page)

    response = browser.post(
        _url("user-edit", staff),
        _user_details(staff, family_name="Jones-Price", phone="07700 900123", roles=["view"]),
    )
    assert response.status_code == 302
    assert response["Location"] == _detail(staff)
    staff.refresh_from_db()
    assert staff.last_name == "Jones-Price"
    assert staff.phone == "07700 900123"
    assert staff.roles == ["view"]
    assert "details have been updated" in _html(browser.get(_detail(staff)))


def test_editing_shows_field_errors(browser: Client, staff: User) -> None:
    response = browser.post(_url("user-edit", staff), _user_details(staff, email="not-an-email"))
    assert response.status_code == 200
    assert "Enter an email address in the right format" in _html(response)


def test_a_super_user_can_change_their_own_roles(
    browser: Client, admin: User, college: Organisation, make_user: MakeUser
) -> None:
    make_user(college, ["super"])  # another super user, so the rule allows it
    response = browser.post(_url("user-edit", admin), _user_details(admin, roles=["super", "plr"]))
    assert response.status_code == 302
    admin.refresh_from_db()
    assert sorted(admin.roles) == ["plr", "super"]


def test_the_last_super_user_cannot_lose_the_role(browser: Client, admin: User) -> None:
    page = browser.get(_url("user-edit", admin))
    assert "This is your own account" in _html(page)
    response = browser.post(_url("user-edit", admin), _user_details(admin, roles=["online"]))
    assert response.status_code == 200
    assert "only active super user" in _html(response)
    assert "govuk-error-summary" in _html(response)
    admin.refresh_from_db()
    assert admin.roles == ["super"]


# --- Suspend and reactivate ---------------------------------------------------------------


def test_suspend_asks_first_then_suspends(browser: Client, staff: User) -> None:
    page = browser.get(_url("user-suspend", staff))
    assert page.status_code == 200
    assert "Suspend Bryn Jones's account?" in _html(page)
    assert 'method="post"' in _html(page)
    assert _detail(staff) in _html(page)
    staff.refresh_from_db()
    assert staff.is_active  # a GET changes nothing

    response = browser.post(_url("user-suspend", staff))
    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active
    assert staff.suspension_reason == SuspensionReason.BY_SUPER_USER
    follow = browser.get(_detail(staff))
    assert "account has been suspended" in _html(follow)
    assert "Suspended by a super user" in _html(follow)


def test_reactivate_asks_first_then_reactivates(browser: Client, staff: User) -> None:
    staff.is_active = False
    staff.failed_sign_ins = 10
    staff.suspension_reason = SuspensionReason.WRONG_PASSWORDS
    staff.save()
    page = browser.get(_url("user-reactivate", staff))
    assert page.status_code == 200
    assert "Too many wrong passwords" in _html(page)

    response = browser.post(_url("user-reactivate", staff))
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.is_active
    assert staff.failed_sign_ins == 0
    assert sign_in(username=staff.username, password="Secret-pass-1").user == staff


def test_a_super_user_cannot_suspend_their_own_account(browser: Client, admin: User) -> None:
    response = browser.post(_url("user-suspend", admin))
    assert response.status_code == 409
    html = _html(response)
    assert "You can&#x27;t suspend your own account" in html
    assert "govuk-error-summary" in html
    assert html.count("<h1") == 1
    admin.refresh_from_db()
    assert admin.is_active


# --- Delete -------------------------------------------------------------------------------


def test_delete_asks_first_then_deletes(browser: Client, staff: User) -> None:
    page = browser.get(_url("user-delete", staff))
    assert page.status_code == 200
    html = _html(page)
    assert "Delete Bryn Jones's account?" in html
    assert "govuk-button--warning" in html
    assert f'href="{_detail(staff)}"' in html  # cancel
    assert User.objects.filter(pk=staff.pk).exists()

    response = browser.post(_url("user-delete", staff))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:user-find")
    assert not User.objects.filter(pk=staff.pk).exists()
    assert "account has been deleted" in _html(browser.get(reverse("portal:user-find")))


def test_a_super_user_cannot_delete_their_own_account(browser: Client, admin: User) -> None:
    response = browser.post(_url("user-delete", admin))
    assert response.status_code == 409
    assert "You can&#x27;t delete your own account" in _html(response)
    assert User.objects.filter(pk=admin.pk).exists()


# --- Reset password -----------------------------------------------------------------------


def test_reset_password_confirms_then_shows_a_new_one_time_password(
    browser: Client, staff: User
) -> None:
    make_ready(staff)
    page = browser.get(_url("user-reset-password", staff))
    assert page.status_code == 200
    assert "Reset Bryn Jones's password?" in _html(page)
    assert sign_in(username=staff.username, password="Secret-pass-1").user == staff

    response = browser.post(_url("user-reset-password", staff))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Password reset" in _html(response)
    assert _html(response).count("<h1") == 1
    password = _one_time_password(response)
    assert sign_in(username=staff.username, password="Secret-pass-1").user is None
    assert sign_in(username=staff.username, password=password).outcome is SignInOutcome.SIGNED_IN
    staff.refresh_from_db()
    assert staff.must_change_password
    assert password not in str(dict(browser.session))


# --- Verify identity ----------------------------------------------------------------------


def test_verify_identity_shows_the_question_and_checks_the_answer(
    browser: Client, staff: User
) -> None:
    make_ready(staff)  # secret question "first_pet", answer "Rover"
    page = browser.get(_url("user-verify", staff))
    assert page.status_code == 200
    assert "What was the name of your first pet?" in _html(page)
    assert "Rover" not in _html(page)

    right = browser.post(_url("user-verify", staff), {"answer": "  rOVER "})
    assert right.status_code == 200
    assert "govuk-notification-banner--success" in _html(right)
    assert "The answer is right." in _html(right)
    assert "govuk-error-message" not in _html(right)

    wrong = browser.post(_url("user-verify", staff), {"answer": "Fido"})
    assert wrong.status_code == 200
    assert "govuk-error-message" in _html(wrong)
    assert "The answer is not right" in _html(wrong)
    assert "govuk-notification-banner--success" not in _html(wrong)

    blank = browser.post(_url("user-verify", staff), {"answer": ""})
    assert "Enter the answer the user gave" in _html(blank)


def test_verify_identity_of_a_user_without_a_question_says_so(browser: Client, staff: User) -> None:
    html = _html(browser.get(_url("user-verify", staff)))
    assert "has not set a secret question yet" in html
    response = browser.post(_url("user-verify", staff), {"answer": "Rover"})
    assert "has not yet set a secret question" in _html(response)


# --- Who may use the pages ----------------------------------------------------------------


def _every_user_url(user: User) -> list[str]:
    return [
        reverse("portal:user-find"),
        reverse("portal:user-create"),
        *(
            _url(name, user)
            for name in (
                "user-detail",
                "user-edit",
                "user-suspend",
                "user-reactivate",
                "user-delete",
                "user-reset-password",
                "user-verify",
            )
        ),
    ]


@pytest.mark.parametrize("roles", [["online"], ["view"], ["batch", "plr", "vld"]])
def test_users_without_the_super_user_role_are_refused_everywhere(
    roles: list[str],
    college: Organisation,
    make_user: MakeUser,
    signed_in: SignedIn,
    staff: User,
) -> None:
    client = signed_in(make_user(college, roles))
    for url in _every_user_url(staff):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {**NEW_USER, "answer": "Rover"}).status_code == 403, url
    staff.refresh_from_db()
    assert staff.is_active
    assert not User.objects.filter(email=NEW_USER["email"]).exists()


def test_signed_out_visitors_are_sent_to_sign_in(staff: User) -> None:
    client = Client()
    for url in _every_user_url(staff):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


def test_a_suspended_super_user_is_signed_out(
    college: Organisation, make_user: MakeUser, signed_in: SignedIn, staff: User
) -> None:
    make_user(college, ["super"])
    former = make_user(college, ["super"])
    client = signed_in(former)
    former.is_active = False
    former.save()
    # Django no longer accepts the session of a suspended user: back to the sign-in page.
    for url in _every_user_url(staff):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")


def test_the_user_list_does_not_query_per_user(
    browser: Client, college: Organisation, make_user: MakeUser
) -> None:
    for _ in range(5):
        make_user(college, ["online"])
    with CaptureQueriesContext(connection) as few:
        browser.get(reverse("portal:user-find"), {"roles": "all"})
    for _ in range(10):
        make_user(college, ["view"])
    with CaptureQueriesContext(connection) as many:
        browser.get(reverse("portal:user-find"), {"roles": "all"})
    assert len(many.captured_queries) == len(few.captured_queries)
