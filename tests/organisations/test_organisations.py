from __future__ import annotations

import hashlib

import pytest

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.organisations.models import SYSTEM_USERNAME, ApiToken, Organisation, User
from lrs.organisations.passwords import character_classes
from lrs.organisations.services import (
    authenticate_api_token,
    create_organisation,
    create_user,
    issue_api_token,
    revoke_api_token,
    service_desk_system_actor,
)

pytestmark = pytest.mark.django_db


def test_a_ukprn_must_be_eight_digits(system_actor):
    with pytest.raises(ValidationFailed) as refused:
        create_organisation(
            actor=system_actor, ukprn="1234", name="Somewhere", organisation_type="college"
        )
    assert "ukprn" in refused.value.field_errors


def test_a_ukprn_is_registered_once(college, system_actor):
    with pytest.raises(ValidationFailed):
        create_organisation(
            actor=system_actor, ukprn=college.ukprn, name="Copy", organisation_type="college"
        )


@pytest.mark.parametrize("ukprn", ["10000001", " 10000001 "])
def test_the_service_desk_ukprn_is_reserved(system_actor, ukprn):
    # Issue 19 item 7: an ordinary organisation can't take the service desk's UKPRN, even
    # before the service desk's own organisation exists.
    Organisation.objects.filter(ukprn="10000001").update(ukprn="10000999")
    with pytest.raises(ValidationFailed) as refused:
        create_organisation(
            actor=system_actor, ukprn=ukprn, name="Imposter", organisation_type="college"
        )
    assert refused.value.field_errors["ukprn"] == [
        "UKPRN 10000001 is reserved for the LRS service desk."
    ]


def test_no_organisation_is_granted_the_service_desk_role(system_actor):
    # Merges, splits and challenge resolutions check the role: an ordinary organisation holding
    # it would have the service desk's powers over every learner.
    with pytest.raises(ValidationFailed) as refused:
        create_organisation(
            actor=system_actor,
            ukprn="10099998",
            name="Riverside College",
            organisation_type="college",
            granted_roles=["online", "operator"],
        )
    assert refused.value.field_errors["granted_roles"] == [
        "The service desk role can't be granted."
    ]
    assert not Organisation.objects.filter(ukprn="10099998").exists()


def test_unknown_roles_are_refused(system_actor):
    with pytest.raises(ValidationFailed):
        create_organisation(
            actor=system_actor,
            ukprn="10099999",
            name="X",
            organisation_type="college",
            granted_roles=["admin"],
        )


def test_users_get_only_roles_the_organisation_was_granted(system_actor):
    organisation = create_organisation(
        actor=system_actor,
        ukprn="10099999",
        name="Small School",
        organisation_type="school",
        granted_roles=["view"],
    )
    with pytest.raises(ValidationFailed) as refused:
        create_user(
            actor=system_actor,
            organisation=organisation,
            username="a.b",
            roles=["online"],
            password=None,
        )
    assert "roles" in refused.value.field_errors


@pytest.mark.parametrize(
    ("password", "ok"),
    [("short1A", False), ("alllowercase", False), ("lower-and-1", True), ("UPPERlower1", True)],
)
def test_passwords_need_eight_characters_from_three_classes(college, system_actor, password, ok):
    def create() -> None:
        create_user(
            actor=system_actor,
            organisation=college,
            username="p.user",
            roles=["view"],
            password=password,
        )

    if ok:
        create()
    else:
        with pytest.raises(ValidationFailed):
            create()


def test_character_classes():
    assert character_classes("aA1!") == 4
    assert character_classes("abc") == 1


def test_tokens_are_stored_only_as_a_digest(college, make_user):
    user = make_user(college, ["view"])
    issued = issue_api_token(actor=Actor(user=user, channel=Channel.PORTAL), user=user)

    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.raw not in (stored.digest, stored.prefix)
    assert stored.digest == hashlib.sha256(issued.raw.encode()).hexdigest()
    assert authenticate_api_token(issued.raw) == user


def test_a_revoked_token_no_longer_authenticates(college, make_user, system_actor):
    issued = issue_api_token(actor=system_actor, user=make_user(college, ["view"]))
    revoke_api_token(actor=system_actor, token=issued.token)
    assert authenticate_api_token(issued.raw) is None


# --- An actor on every write -------------------------------------------------------------------


def test_creating_an_organisation_is_audited_as_its_actor(system_actor):
    organisation = create_organisation(
        actor=system_actor, ukprn="10099999", name="Small School", granted_roles=["view"]
    )

    event = AuditEvent.objects.get(
        action=AuditAction.ORGANISATION_CREATED, details__ukprn=organisation.ukprn
    )
    assert (event.user, event.channel) == (system_actor.user, Channel.CLI)
    assert event.details == {"ukprn": "10099999", "name": "Small School", "roles": ["view"]}


def test_creating_a_user_with_a_chosen_username_is_audited_as_its_actor(college, system_actor):
    user = create_user(
        actor=system_actor, organisation=college, username="a.jones", roles=["online"]
    ).user

    event = AuditEvent.objects.get(action=AuditAction.USER_CREATED, details__user_id=user.pk)
    assert (event.user, event.channel) == (system_actor.user, Channel.CLI)
    assert event.details == {"user_id": user.pk, "username": "a.jones", "roles": ["online"]}


def test_the_system_actor_audits_its_own_creation(db):
    actor = service_desk_system_actor(channel=Channel.CLI)
    service_desk_system_actor(channel=Channel.CLI)  # the second call creates nothing

    assert list(
        AuditEvent.objects.filter(user_id=actor.user.pk).values_list("action", "details__username")
    ) == [(AuditAction.ORGANISATION_CREATED, None), (AuditAction.USER_CREATED, SYSTEM_USERNAME)]


def test_only_the_service_desk_creates_organisations(college, make_user):
    super_user = Actor(user=make_user(college, ["super"]), channel=Channel.PORTAL)

    with pytest.raises(PermissionDenied):
        create_organisation(actor=super_user, ukprn="10099999", name="Small School")


def test_only_the_service_desk_chooses_a_username(college, make_user):
    super_user = Actor(user=make_user(college, ["super"]), channel=Channel.PORTAL)

    with pytest.raises(PermissionDenied):
        create_user(actor=super_user, username="chosen.name", roles=["view"])
    assert not User.objects.filter(username="chosen.name").exists()


def test_issuing_a_token_is_audited(college, make_user, system_actor):
    user = make_user(college, ["view"])
    issued = issue_api_token(actor=system_actor, user=user, name="MIS")

    event = AuditEvent.objects.get(action=AuditAction.TOKEN_ISSUED)
    assert event.user == system_actor.user
    assert event.details == {
        "user_id": user.pk,
        "username": user.username,
        "prefix": issued.token.prefix,
        "expires_at": issued.token.expires_at.isoformat() if issued.token.expires_at else None,
    }


def test_only_the_service_desk_issues_tokens_for_someone_else(college, make_user):
    user = make_user(college, ["view"])
    someone = Actor(user=make_user(college, ["super"]), channel=Channel.PORTAL)

    with pytest.raises(PermissionDenied):
        issue_api_token(actor=someone, user=user)
