"""API token pages: a user's own tokens and their super user's view (issue 19 item 13)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from lrs.core.actor import Actor, Channel
from lrs.organisations.models import ApiToken, Organisation, User
from lrs.organisations.services import authenticate_api_token, issue_api_token

pytestmark = pytest.mark.django_db
SignIn = Callable[[User], Client]


@pytest.fixture
def online(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(college, ["online"])


def test_a_user_creates_a_token_and_sees_it_once(signed_in: SignIn, online: User) -> None:
    client = signed_in(online)

    response = client.post("/account/tokens/", {"name": "SIMS", "days": "30"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = re.search(r'<code id="new-token">(lrs_[^<]+)</code>', response.content.decode())
    assert raw is not None
    listing = client.get("/account/tokens/").content.decode()
    assert "SIMS" in listing
    assert raw.group(1) not in listing
    assert "Not used yet" in listing
    assert authenticate_api_token(raw.group(1)) == online


def test_the_list_shows_last_use_and_address(signed_in: SignIn, online: User) -> None:
    issued = issue_api_token(actor=Actor(user=online, channel=Channel.PORTAL), user=online)
    authenticate_api_token(issued.raw, address="198.51.100.4")

    listing = signed_in(online).get("/account/tokens/").content.decode()

    assert "from 198.51.100.4" in listing
    assert issued.token.prefix in listing


def test_a_user_rotates_and_revokes_their_token(signed_in: SignIn, online: User) -> None:
    issued = issue_api_token(actor=Actor(user=online, channel=Channel.PORTAL), user=online)
    client = signed_in(online)

    rotated = client.post(f"/account/tokens/{issued.token.pk}/rotate/")
    assert "keeps working for one more day" in rotated.content.decode()
    assert ApiToken.objects.filter(user=online).count() == 2

    revoked = client.post(f"/account/tokens/{issued.token.pk}/revoke/")
    assert revoked["Location"] == "/account/tokens/"
    assert authenticate_api_token(issued.raw) is None


def test_the_token_form_needs_a_name(signed_in: SignIn, online: User) -> None:
    response = signed_in(online).post("/account/tokens/", {"name": "", "days": "90"})
    assert "Enter a name for the token" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_user_cannot_revoke_someone_elses_token(
    signed_in: SignIn, online: User, college: Organisation, make_user: Callable[..., User]
) -> None:
    colleague = make_user(college, ["online"])
    theirs = issue_api_token(actor=Actor(user=colleague, channel=Channel.PORTAL), user=colleague)

    response = signed_in(online).post(f"/account/tokens/{theirs.token.pk}/revoke/")

    assert response.status_code == 404
    assert authenticate_api_token(theirs.raw) == colleague


def test_a_super_user_lists_and_revokes_a_users_tokens(
    signed_in: SignIn, online: User, college: Organisation, make_user: Callable[..., User]
) -> None:
    issued = issue_api_token(
        actor=Actor(user=online, channel=Channel.PORTAL), user=online, name="Arbor"
    )
    client = signed_in(make_user(college, ["super"]))

    page = client.get(f"/users/{online.pk}/tokens/").content.decode()
    assert "Arbor" in page
    response = client.post(f"/users/{online.pk}/tokens/{issued.token.pk}/revoke/")

    assert response["Location"] == f"/users/{online.pk}/tokens/"
    assert authenticate_api_token(issued.raw) is None


def test_another_organisations_super_user_gets_not_found(
    signed_in: SignIn, online: User, school: Organisation, make_user: Callable[..., User]
) -> None:
    issued = issue_api_token(actor=Actor(user=online, channel=Channel.PORTAL), user=online)
    client = signed_in(make_user(school, ["super"]))

    assert client.get(f"/users/{online.pk}/tokens/").status_code == 404
    assert client.post(f"/users/{online.pk}/tokens/{issued.token.pk}/revoke/").status_code == 404
    assert authenticate_api_token(issued.raw) == online


def test_users_without_the_super_role_cannot_see_others_tokens(
    signed_in: SignIn, online: User, college: Organisation, make_user: Callable[..., User]
) -> None:
    colleague = make_user(college, ["online"])
    assert signed_in(online).get(f"/users/{colleague.pk}/tokens/").status_code == 403


def test_the_token_pages_in_welsh(signed_in: SignIn, online: User) -> None:
    client = signed_in(online)
    client.cookies["lrs_language"] = "cy"

    page = client.get("/account/tokens/").content.decode()

    assert "Eich tocynnau API" in page
