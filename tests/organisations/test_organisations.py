from __future__ import annotations

import hashlib

import pytest

from lrs.core.errors import ValidationFailed
from lrs.organisations.models import ApiToken
from lrs.organisations.passwords import character_classes
from lrs.organisations.services import (
    authenticate_api_token,
    create_organisation,
    create_user,
    issue_api_token,
    revoke_api_token,
)

pytestmark = pytest.mark.django_db


def test_a_ukprn_must_be_eight_digits():
    with pytest.raises(ValidationFailed) as refused:
        create_organisation(ukprn="1234", name="Somewhere", organisation_type="college")
    assert "ukprn" in refused.value.field_errors


def test_a_ukprn_is_registered_once(college):
    with pytest.raises(ValidationFailed):
        create_organisation(ukprn=college.ukprn, name="Copy", organisation_type="college")


def test_unknown_roles_are_refused():
    with pytest.raises(ValidationFailed):
        create_organisation(
            ukprn="10099999", name="X", organisation_type="college", granted_roles=["admin"]
        )


def test_users_get_only_roles_the_organisation_was_granted():
    organisation = create_organisation(
        ukprn="10099999", name="Small School", organisation_type="school", granted_roles=["view"]
    )
    with pytest.raises(ValidationFailed) as refused:
        create_user(organisation=organisation, username="a.b", roles=["online"], password=None)
    assert "roles" in refused.value.field_errors


@pytest.mark.parametrize(
    ("password", "ok"),
    [("short1A", False), ("alllowercase", False), ("lower-and-1", True), ("UPPERlower1", True)],
)
def test_passwords_need_eight_characters_from_three_classes(college, password, ok):
    if ok:
        create_user(organisation=college, username="p.user", roles=["view"], password=password)
    else:
        with pytest.raises(ValidationFailed):
            create_user(organisation=college, username="p.user", roles=["view"], password=password)


def test_character_classes():
    assert character_classes("aA1!") == 4
    assert character_classes("abc") == 1


def test_tokens_are_stored_only_as_a_digest(college, make_user):
    user = make_user(college, ["view"])
    issued = issue_api_token(user=user)

    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.raw not in (stored.digest, stored.prefix)
    assert stored.digest == hashlib.sha256(issued.raw.encode()).hexdigest()
    assert authenticate_api_token(issued.raw) == user


def test_a_revoked_token_no_longer_authenticates(college, make_user):
    issued = issue_api_token(user=make_user(college, ["view"]))
    revoke_api_token(token=issued.token)
    assert authenticate_api_token(issued.raw) is None
