"""The web-service password page: super users only; the password is never shown back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from lrs.organisations.models import Organisation, User, WebServiceCredential

pytestmark = pytest.mark.django_db


def test_only_a_super_user_opens_the_page(
    college: Organisation, make_user: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    assert signed_in(make_user(college, ["online"])).get("/web-services/").status_code == 403


def test_super_user_sets_the_password_which_is_stored_hashed(
    college: Organisation, make_user: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(make_user(college, ["super"]))
    assert b"Not set" in client.get("/web-services/").content
    response = client.post(
        "/web-services/",
        {"password": "Brand-new-pass-99", "confirm_password": "Brand-new-pass-99"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Brand-new-pass-99" not in response.content
    credential = WebServiceCredential.objects.get(organisation=college)
    assert "Brand-new-pass-99" not in credential.password_hash


def test_mismatched_passwords_are_refused(
    college: Organisation, make_user: Callable[..., User], signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(make_user(college, ["super"]))
    response = client.post(
        "/web-services/", {"password": "Brand-new-pass-99", "confirm_password": "Other-pass-99"}
    )
    assert b"The passwords do not match" in response.content
    assert not WebServiceCredential.objects.exists()
