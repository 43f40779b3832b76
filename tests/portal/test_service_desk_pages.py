"""Service desk pages: register organisations and replace lost super users (guide 3.6)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from lrs.core.actor import Channel
from lrs.organisations.models import Organisation, SuspensionReason, User
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import SYSTEM_USERNAME, service_desk_system_actor
from lrs.organisations.signin import SignInOutcome, sign_in
from lrs.portal.views import service_desk

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User], Client]
MakeUser = Callable[..., User]

SUPER_USER = {
    "title": "Mr",
    "given_name": "Dafydd",
    "family_name": "Evans",
    "email": "dafydd.evans@newport.sch.uk",
    "phone": "01633 000000",
    "mobile": "",
    "staff_reference": "",
    "verification_provided": "Change of Super User form signed by the head teacher",
}


@pytest.fixture
def desk(db: None) -> Organisation:
    return acting_organisation(service_desk_system_actor(channel=Channel.CLI))


@pytest.fixture
def operator(desk: Organisation, make_user: MakeUser, signed_in: SignedIn) -> Client:
    return signed_in(make_user(desk, ["operator"]))


def _html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def _text(response: object) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", _html(response)).split())


def _one_time_password(response: object) -> str:
    match = re.search(r'class="[^"]*lrs-one-time-password[^"]*"[^>]*>([^<]+)<', _html(response))
    assert match, "no one-time password on the page"
    return match.group(1).strip()


def _detail(organisation: Organisation) -> str:
    return reverse("portal:organisation-detail", args=[organisation.ukprn])


def _replace(organisation: Organisation) -> str:
    return reverse("portal:organisation-replace-super-user", args=[organisation.ukprn])


def test_the_operator_lists_and_searches_organisations(
    operator: Client, desk: Organisation, college: Organisation, school: Organisation
) -> None:
    response = operator.get(reverse("portal:organisation-list"))
    assert response.status_code == 200
    html = _html(response)
    assert html.count("<h1") == 1
    assert college.name in html
    assert school.name in html
    assert _detail(desk) not in html  # the desk itself is not a registered body
    assert _detail(college) in html
    assert "<caption" in html
    assert 'scope="col"' in html
    assert reverse("portal:organisation-create") in html

    by_name = operator.get(reverse("portal:organisation-list"), {"query": "river"})
    assert college.name in _html(by_name)
    assert school.name not in _html(by_name)
    by_ukprn = operator.get(reverse("portal:organisation-list"), {"query": school.ukprn})
    assert school.name in _html(by_ukprn)
    assert college.name not in _html(by_ukprn)
    none = operator.get(reverse("portal:organisation-list"), {"query": "Nowhere"})
    assert "No organisations match your search." in _html(none)


def test_long_lists_of_organisations_are_paged(
    operator: Client, college: Organisation, school: Organisation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_desk, "ORGANISATIONS_PER_PAGE", 1)
    first = operator.get(reverse("portal:organisation-list"))
    assert "Page 1 of 2" in _text(first)
    assert college.name in _html(first)  # by name: Riverside before Ysgol
    assert school.name not in _html(first)
    assert 'rel="next"' in _html(first)
    second = operator.get(reverse("portal:organisation-list"), {"page": "2"})
    assert school.name in _html(second)
    assert 'rel="prev"' in _html(second)


def test_the_navigation_offers_organisations_to_the_operator(operator: Client) -> None:
    html = _html(operator.get(reverse("portal:organisation-list")))
    assert 'aria-current="true"' in html


def test_the_operator_registers_an_organisation_with_its_first_super_user(
    operator: Client,
) -> None:
    page = operator.get(reverse("portal:organisation-create"))
    assert page.status_code == 200
    html = _html(page)
    assert 'value="service_desk"' not in html
    assert 'value="operator"' not in html
    assert 'value="super"' not in html  # always granted, so not a choice
    assert "Super user is always granted" in html

    response = operator.post(
        reverse("portal:organisation-create"),
        {
            "ukprn": "10067890",
            "name": "Newport High School",
            "organisation_type": "school",
            "granted_roles": ["online", "view"],
            **SUPER_USER,
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert _html(response).count("<h1") == 1
    assert "Organisation registered" in _html(response)
    organisation = Organisation.objects.get(ukprn="10067890")
    assert organisation.name == "Newport High School"
    assert sorted(organisation.granted_roles) == ["online", "super", "view"]
    user = User.objects.get(organisation=organisation)
    assert user.roles == ["super"]
    assert user.username == "dafydd.evans"
    assert user.username in _html(response)
    password = _one_time_password(response)
    assert "it will not be shown again" in _html(response)
    assert password not in str(dict(operator.session))
    result = sign_in(username=user.username, password=password)
    assert result.outcome is SignInOutcome.SIGNED_IN


def test_registering_shows_errors_and_creates_nothing(
    operator: Client, college: Organisation
) -> None:
    before = Organisation.objects.count()
    blank = operator.post(reverse("portal:organisation-create"), {})
    assert blank.status_code == 200
    html = _html(blank)
    assert "govuk-error-summary" in html
    for message in (
        "Enter the organisation&#x27;s UKPRN",
        "Enter the organisation&#x27;s name",
        "Choose the type of organisation",
        "Enter the user&#x27;s given name",
    ):
        assert message in html

    taken = operator.post(
        reverse("portal:organisation-create"),
        {"ukprn": college.ukprn, "name": "Copy", "organisation_type": "college", **SUPER_USER},
    )
    assert "already exists" in _html(taken)

    bad_user = operator.post(
        reverse("portal:organisation-create"),
        {
            "ukprn": "10067890",
            "name": "Newport High School",
            "organisation_type": "school",
            **SUPER_USER,
            "given_name": "Reception",
        },
    )
    assert "generic accounts are not allowed" in _html(bad_user)
    assert Organisation.objects.count() == before


def test_the_organisation_page_shows_details_roles_and_users(
    operator: Client, college: Organisation, school: Organisation, make_user: MakeUser
) -> None:
    boss = make_user(college, ["super"])
    clerk = make_user(college, ["online", "view"])
    clerk.is_active = False
    clerk.suspension_reason = SuspensionReason.WRONG_PASSWORDS
    clerk.save()
    outsider = make_user(school, ["super"])
    response = operator.get(_detail(college))
    assert response.status_code == 200
    html = _html(response)
    assert html.count("<h1") == 1
    assert college.name in html
    assert college.ukprn in html
    assert "Verify learner" in html  # a granted role
    assert boss.username in html
    assert clerk.username in html
    assert outsider.username not in html
    assert "Too many wrong passwords" in html
    assert "Online user, View only user" in html
    assert _replace(college) in html


def test_unknown_organisations_are_not_found(operator: Client, desk: Organisation) -> None:
    assert operator.get(reverse("portal:organisation-detail", args=["99999999"])).status_code == 404
    assert operator.get(_detail(desk)).status_code == 404
    assert operator.get(_replace(desk)).status_code == 404


def test_the_operator_replaces_a_lost_super_user(
    operator: Client, college: Organisation, make_user: MakeUser
) -> None:
    lost = make_user(college, ["super"])
    other = make_user(college, ["super"])
    page = operator.get(_replace(college))
    assert page.status_code == 200
    html = _html(page)
    assert lost.username in html
    assert other.username in html
    assert SYSTEM_USERNAME not in html

    response = operator.post(_replace(college), {**SUPER_USER, "suspend": [str(lost.pk)]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Super user created" in _html(response)
    new = User.objects.get(email=SUPER_USER["email"])
    assert new.organisation == college
    assert new.roles == ["super"]
    password = _one_time_password(response)
    assert sign_in(username=new.username, password=password).outcome is SignInOutcome.SIGNED_IN
    lost.refresh_from_db()
    other.refresh_from_db()
    assert not lost.is_active
    assert lost.suspension_reason == SuspensionReason.BY_SERVICE_DESK
    assert other.is_active


def test_replacing_without_suspending_keeps_the_old_super_users(
    operator: Client, college: Organisation, make_user: MakeUser
) -> None:
    old = make_user(college, ["super"])
    response = operator.post(_replace(college), SUPER_USER)
    assert response.status_code == 200
    old.refresh_from_db()
    assert old.is_active
    assert User.objects.filter(email=SUPER_USER["email"], organisation=college).exists()


def test_replacing_shows_errors(operator: Client, college: Organisation) -> None:
    response = operator.post(_replace(college), {**SUPER_USER, "email": ""})
    assert response.status_code == 200
    assert "Enter the user&#x27;s email address" in _html(response)
    assert not User.objects.filter(first_name="Dafydd").exists()


def _every_desk_url(organisation: Organisation) -> list[str]:
    return [
        reverse("portal:organisation-list"),
        reverse("portal:organisation-create"),
        _detail(organisation),
        _replace(organisation),
    ]


@pytest.mark.parametrize("roles", [["super"], ["online"], ["view", "batch", "plr", "vld"]])
def test_organisation_users_are_refused_every_desk_page(
    roles: list[str], college: Organisation, make_user: MakeUser, signed_in: SignedIn
) -> None:
    client = signed_in(make_user(college, roles))
    for url in _every_desk_url(college):
        assert client.get(url).status_code == 403, url
        response = client.post(
            url, {"ukprn": "10067890", "name": "X", "organisation_type": "school", **SUPER_USER}
        )
        assert response.status_code == 403, url
    assert not Organisation.objects.filter(ukprn="10067890").exists()
    assert not User.objects.filter(email=SUPER_USER["email"]).exists()


def test_the_desk_pages_need_sign_in(college: Organisation) -> None:
    client = Client()
    for url in _every_desk_url(college):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
