"""The service desk's work on organisations (DESIGN 1 and 3.4, user guide 3.6)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.errors import NotFound, PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.organisations.models import Organisation, SuspensionReason, User
from lrs.organisations.selectors import (
    acting_organisation,
    acting_user,
    find_users,
    get_organisation,
    list_organisations,
)
from lrs.organisations.services import (
    SERVICE_DESK_UKPRN,
    AccountDetails,
    NewAccount,
    create_user,
    register_organisation,
    replace_super_user,
    service_desk_system_actor,
)
from lrs.organisations.signin import (
    PasswordChangeReason,
    SignInOutcome,
    password_change_reason,
    sign_in,
)

pytestmark = pytest.mark.django_db

NEW_UKPRN = "10056789"


def person(**overrides: str) -> AccountDetails:
    values = {
        "given_name": "Carys",
        "family_name": "Morgan",
        "email": "carys.morgan@valley.sch.uk",
        "verification_provided": "Change of Super User form, signed by the head",
    }
    values.update(overrides)
    return AccountDetails(**values)


def register(actor: Actor, **overrides: Any) -> tuple[Organisation, NewAccount]:
    """Register Valley High School (override any argument)."""
    arguments: dict[str, Any] = {
        "ukprn": NEW_UKPRN,
        "name": "Valley High School",
        "organisation_type": "school",
        "granted_roles": ["online", "view"],
        "super_user": person(),
    }
    arguments.update(overrides)
    return register_organisation(actor=actor, **arguments)


def actions_by(actor: Actor) -> list[str]:
    """What the actor recorded through its channel (the tests' set-up is on the command line)."""
    return list(
        AuditEvent.objects.filter(user_id=actor.user.pk, channel=actor.channel).values_list(
            "action", flat=True
        )
    )


def reload(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def operator(system_actor: Actor) -> Actor:
    """The service desk in the portal (set up, like every test, on the command line)."""
    return service_desk_system_actor(channel=Channel.PORTAL)


@pytest.fixture
def desk_person(operator: Actor) -> Actor:
    """A named member of the service desk, signed in to the portal."""
    user = create_user(
        actor=operator,
        organisation=acting_organisation(operator),
        username="sam.desk",
        roles=["operator"],
        details=AccountDetails(
            given_name="Sam", family_name="Desk", email="", verification_provided=""
        ),
    ).user
    return Actor(user=user, channel=Channel.PORTAL)


@pytest.fixture
def super_actor(college: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(college, ["super"]), channel=Channel.PORTAL)


# --- list_organisations and get_organisation -------------------------------------------------


def test_the_service_desk_lists_organisations_but_not_itself(
    operator: Actor, college: Organisation, school: Organisation
) -> None:
    assert list(list_organisations(actor=operator)) == [college, school]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("riverside", ["Riverside College"]),
        (" GLAN ", ["Ysgol Glan Afon"]),
        ("10034", ["Riverside College"]),
        ("1004", ["Ysgol Glan Afon"]),
        ("100", ["Riverside College", "Ysgol Glan Afon"]),
        ("4567", []),  # UKPRNs match from the start only
        ("Service Desk", []),
    ],
)
def test_organisations_are_found_by_name_or_ukprn_prefix(
    operator: Actor, college: Organisation, school: Organisation, query: str, names: list[str]
) -> None:
    found = list_organisations(actor=operator, query=query)

    assert [organisation.name for organisation in found] == names


def test_an_organisation_is_got_by_ukprn(operator: Actor, college: Organisation) -> None:
    assert get_organisation(actor=operator, ukprn=college.ukprn) == college


def test_an_unknown_ukprn_is_not_found(operator: Actor) -> None:
    with pytest.raises(NotFound):
        get_organisation(actor=operator, ukprn="10999999")


def test_super_users_cannot_list_or_get_organisations(
    super_actor: Actor, college: Organisation
) -> None:
    with pytest.raises(PermissionDenied):
        list_organisations(actor=super_actor)
    with pytest.raises(PermissionDenied):
        get_organisation(actor=super_actor, ukprn=college.ukprn)


# --- register_organisation -------------------------------------------------------------------


def test_registering_creates_the_organisation_with_its_roles_and_a_super_user(
    operator: Actor,
) -> None:
    organisation, account = register(operator)

    organisation.refresh_from_db()
    assert (organisation.ukprn, organisation.name) == (NEW_UKPRN, "Valley High School")
    assert organisation.organisation_type == "school"
    assert organisation.is_active
    assert organisation.granted_roles == ["online", "super", "view"]  # super is always granted
    user = reload(account.user)
    assert user.organisation == organisation
    assert user.roles == ["super"]
    assert user.username == "carys.morgan"
    assert user.email == "carys.morgan@valley.sch.uk"
    assert user.must_change_password


def test_the_first_super_users_one_time_password_signs_in(operator: Actor) -> None:
    _organisation, account = register(operator)

    result = sign_in(username="carys.morgan", password=account.one_time_password)

    assert result.outcome is SignInOutcome.SIGNED_IN
    assert result.user is not None
    assert password_change_reason(result.user) is PasswordChangeReason.ONE_TIME


def test_the_first_super_user_can_manage_their_organisations_users(operator: Actor) -> None:
    organisation, account = register(operator)
    actor = Actor(user=reload(account.user), channel=Channel.PORTAL)

    created = create_user(
        actor=actor,
        details=person(given_name="Owain", family_name="Price", email="owain@valley.sch.uk"),
        roles=["view"],
    )

    assert created.user.organisation == organisation
    assert list(find_users(actor=actor)) == [account.user, created.user]


def test_registering_is_audited(operator: Actor) -> None:
    _organisation, account = register(operator)

    assert actions_by(operator) == [AuditAction.ORGANISATION_CREATED, AuditAction.USER_CREATED]
    created = AuditEvent.objects.get(
        action=AuditAction.ORGANISATION_CREATED, details__ukprn=NEW_UKPRN
    )
    assert created.details == {
        "ukprn": NEW_UKPRN,
        "name": "Valley High School",
        "roles": ["online", "super", "view"],
    }
    assert created.channel == Channel.PORTAL
    assert created.organisation_id == operator.organisation.pk  # the desk did it
    assert acting_organisation(operator).ukprn == SERVICE_DESK_UKPRN
    user_created = AuditEvent.objects.get(
        action=AuditAction.USER_CREATED, details__user_id=account.user.pk
    )
    assert user_created.details["username"] == account.user.username


def test_a_named_service_desk_member_can_register_an_organisation(desk_person: Actor) -> None:
    organisation, _account = register(desk_person)

    assert organisation.pk
    assert actions_by(desk_person)[0] == AuditAction.ORGANISATION_CREATED


def test_a_ukprn_is_registered_once(operator: Actor, college: Organisation) -> None:
    with pytest.raises(ValidationFailed) as refused:
        register(operator, ukprn=college.ukprn, name="Another College")

    assert list(refused.value.field_errors) == ["ukprn"]
    assert Organisation.objects.filter(ukprn=college.ukprn).count() == 1
    assert not User.objects.filter(username="carys.morgan").exists()


@pytest.mark.parametrize("ukprn", ["", "1234", "123456789", "01234567", "1003456X", "TEST0038"])
def test_a_bad_ukprn_is_refused(operator: Actor, ukprn: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        register(operator, ukprn=ukprn)

    assert "ukprn" in refused.value.field_errors
    assert not Organisation.objects.filter(name="Valley High School").exists()


def test_the_ukprn_is_trimmed(operator: Actor) -> None:
    organisation, _account = register(operator, ukprn=f"  {NEW_UKPRN} ")

    assert organisation.ukprn == NEW_UKPRN


def test_a_name_and_a_known_type_are_needed(operator: Actor) -> None:
    with pytest.raises(ValidationFailed) as refused:
        register(operator, name="  ", organisation_type="pub")

    assert set(refused.value.field_errors) == {"name", "organisation_type"}


def test_the_service_desk_role_cannot_be_granted(operator: Actor) -> None:
    with pytest.raises(ValidationFailed) as refused:
        register(operator, granted_roles=["online", "operator"])

    assert list(refused.value.field_errors) == ["granted_roles"]
    assert not Organisation.objects.filter(ukprn=NEW_UKPRN).exists()


def test_unknown_roles_cannot_be_granted(operator: Actor) -> None:
    with pytest.raises(ValidationFailed) as refused:
        register(operator, granted_roles=["online", "admin"])

    assert "roles" in refused.value.field_errors
    assert not Organisation.objects.filter(ukprn=NEW_UKPRN).exists()


def test_bad_super_user_details_leave_nothing_behind(operator: Actor) -> None:
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        register(operator, super_user=person(given_name="Exams", email="not-an-email"))

    assert set(refused.value.field_errors) == {"given_name", "email"}
    assert not Organisation.objects.filter(ukprn=NEW_UKPRN).exists()
    assert AuditEvent.objects.count() == audit_rows


@pytest.mark.parametrize("roles", [["super"], ["online"], ["super", "online", "batch", "view"]])
def test_only_the_service_desk_registers_organisations(
    college: Organisation, make_user: Callable[..., User], roles: list[str]
) -> None:
    actor = Actor(user=make_user(college, roles), channel=Channel.PORTAL)

    with pytest.raises(PermissionDenied):
        register(actor)

    assert not Organisation.objects.filter(ukprn=NEW_UKPRN).exists()


def test_the_operator_role_counts_only_where_it_is_granted(
    college: Organisation, make_user: Callable[..., User]
) -> None:
    """An operator role left on a user of an ordinary organisation gives no power."""
    user = make_user(college, ["super"])
    User.objects.filter(pk=user.pk).update(roles=["super", "operator"])
    actor = Actor(user=reload(user), channel=Channel.PORTAL)

    with pytest.raises(PermissionDenied):
        register(actor)


def test_a_suspended_service_desk_member_cannot_register(desk_person: Actor) -> None:
    User.objects.filter(pk=desk_person.user.pk).update(is_active=False)

    with pytest.raises(PermissionDenied):
        register(Actor(user=reload(acting_user(desk_person)), channel=Channel.PORTAL))


# --- replace_super_user ----------------------------------------------------------------------


@pytest.fixture
def lost_super_user(college: Organisation) -> User:
    """The college's only super user, who has left."""
    return create_user(
        actor=service_desk_system_actor(channel=Channel.CLI),
        organisation=college,
        username="old.super",
        roles=["super", "online"],
        details=AccountDetails(
            given_name="Gwen",
            family_name="Old",
            email="gwen@riverside.ac.uk",
            verification_provided="",
        ),
        password="Secret-pass-1",
    ).user


def test_replacing_creates_a_new_super_user_who_can_sign_in(
    operator: Actor, college: Organisation, lost_super_user: User
) -> None:
    account = replace_super_user(actor=operator, organisation=college, super_user=person())

    user = reload(account.user)
    assert user.organisation == college
    assert user.roles == ["super"]
    assert user.must_change_password
    result = sign_in(username=user.username, password=account.one_time_password)
    assert result.outcome is SignInOutcome.SIGNED_IN
    assert reload(lost_super_user).is_active  # kept unless asked to suspend


def test_replacing_can_suspend_the_old_super_user(
    operator: Actor, college: Organisation, lost_super_user: User
) -> None:
    replace_super_user(
        actor=operator, organisation=college, super_user=person(), suspend=[lost_super_user]
    )

    old = reload(lost_super_user)
    assert not old.is_active
    assert old.suspension_reason == SuspensionReason.BY_SERVICE_DESK
    outcome = sign_in(username="old.super", password="Secret-pass-1").outcome
    assert outcome is SignInOutcome.SUSPENDED


def test_replacing_is_audited(
    operator: Actor, college: Organisation, lost_super_user: User
) -> None:
    account = replace_super_user(
        actor=operator, organisation=college, super_user=person(), suspend=[lost_super_user]
    )

    assert actions_by(operator) == [
        AuditAction.USER_CREATED,
        AuditAction.USER_SUSPENDED,
        AuditAction.SUPER_USER_REPLACED,
    ]
    replaced = AuditEvent.objects.get(action=AuditAction.SUPER_USER_REPLACED)
    assert replaced.details == {"ukprn": college.ukprn, "new_username": account.user.username}


def test_a_locked_out_super_user_can_be_replaced(
    operator: Actor, college: Organisation, lost_super_user: User
) -> None:
    for _ in range(10):
        sign_in(username="old.super", password="Wrong-pass-1")

    account = replace_super_user(
        actor=operator, organisation=college, super_user=person(), suspend=[lost_super_user]
    )

    assert reload(account.user).is_active
    assert reload(lost_super_user).suspension_reason == SuspensionReason.WRONG_PASSWORDS


def test_an_organisation_with_no_super_user_left_gets_one(
    operator: Actor, college: Organisation, lost_super_user: User
) -> None:
    lost_super_user.delete()

    account = replace_super_user(actor=operator, organisation=college, super_user=person())

    assert list(User.objects.filter(organisation=college)) == [account.user]


def test_a_replacement_with_bad_details_changes_nothing(
    operator: Actor, college: Organisation, lost_super_user: User
) -> None:
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        replace_super_user(
            actor=operator,
            organisation=college,
            super_user=person(given_name="", verification_provided=""),
            suspend=[lost_super_user],
        )

    assert set(refused.value.field_errors) == {"given_name", "verification_provided"}
    assert reload(lost_super_user).is_active
    assert AuditEvent.objects.count() == audit_rows


def test_only_users_of_that_organisation_are_suspended_by_a_replacement(
    operator: Actor, college: Organisation, school: Organisation, lost_super_user: User
) -> None:
    bystander = create_user(
        actor=operator, organisation=school, username="school.user", roles=["online"]
    ).user

    with pytest.raises(NotFound):
        replace_super_user(
            actor=operator, organisation=college, super_user=person(), suspend=[bystander]
        )

    assert reload(bystander).is_active
    assert not User.objects.filter(username="carys.morgan").exists()


def test_super_users_cannot_replace_super_users(
    super_actor: Actor, college: Organisation, lost_super_user: User
) -> None:
    with pytest.raises(PermissionDenied):
        replace_super_user(actor=super_actor, organisation=college, super_user=person())

    assert not User.objects.filter(username="carys.morgan").exists()
