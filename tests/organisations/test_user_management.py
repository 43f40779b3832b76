"""A super user's management of their organisation's users (user guide 3, DESIGN 3.4)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.organisations.models import (
    ApiToken,
    Organisation,
    OrganisationStatus,
    SecretQuestion,
    SuspensionReason,
    User,
    UserStatus,
)
from lrs.organisations.passwords import character_classes
from lrs.organisations.selectors import (
    acting_organisation,
    acting_user,
    find_users,
    get_managed_user,
)
from lrs.organisations.services import (
    SYSTEM_USERNAME,
    AccountDetails,
    NewAccount,
    create_organisation,
    create_user,
    delete_user,
    generate_one_time_password,
    generate_username,
    issue_api_token,
    reactivate_user,
    reset_user_password,
    service_desk_system_actor,
    suspend_user,
    update_user,
    verify_user_identity,
)
from lrs.organisations.signin import (
    PasswordChangeReason,
    SignInOutcome,
    password_change_reason,
    set_secret_question,
    sign_in,
)

pytestmark = pytest.mark.django_db


def person(**overrides: str) -> AccountDetails:
    """A real person's details; override any field."""
    values = {
        "given_name": "Megan",
        "family_name": "Pritchard",
        "email": "megan.pritchard@riverside.ac.uk",
        "verification_provided": "Staff ID 4411",
    }
    values.update(overrides)
    return AccountDetails(**values)


def portal_actor(user: User) -> Actor:
    return Actor(user=user, channel=Channel.PORTAL)


def reload(user: User) -> User:
    return User.objects.get(pk=user.pk)


def actions_by(actor: Actor) -> list[str]:
    """The audit actions the actor recorded through its channel, oldest first (the tests' set-up
    is recorded on the command line)."""
    return list(
        AuditEvent.objects.filter(user_id=actor.user.pk, channel=actor.channel).values_list(
            "action", flat=True
        )
    )


def usernames(users: Any) -> set[str]:
    return {user.username for user in users}


@pytest.fixture
def super_user(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(college, ["super"])


@pytest.fixture
def super_actor(super_user: User) -> Actor:
    return portal_actor(super_user)


@pytest.fixture
def operator(system_actor: Actor) -> Actor:
    """The service desk in the portal (set up, like every test, on the command line)."""
    return service_desk_system_actor(channel=Channel.PORTAL)


@pytest.fixture
def staff(super_actor: Actor) -> User:
    """An online user of the college, created by its super user."""
    return create_user(actor=super_actor, details=person(), roles=["online"]).user


def create(actor: Actor, roles: tuple[str, ...] = ("online",), **details: str) -> NewAccount:
    return create_user(actor=actor, details=person(**details), roles=list(roles))


def details_of(user: User, **overrides: str) -> AccountDetails:
    """The user's current details, with some changed."""
    current = AccountDetails(
        given_name=user.first_name,
        family_name=user.last_name,
        email=user.email,
        verification_provided=user.verification_provided,
        title=user.title,
        phone=user.phone,
        mobile=user.mobile,
        staff_reference=user.staff_reference,
    )
    return dataclasses.replace(current, **overrides)


def named(user: User) -> AccountDetails:
    """Full details for a user made by the `make_user` fixture, which has only a username."""
    return details_of(
        user,
        given_name="Nia",
        family_name="Hughes",
        email="nia@ex.org",
        verification_provided="Staff ID 1",
    )


def second_super_user(actor: Actor) -> User:
    return create(
        actor, roles=("super",), given_name="Rhys", family_name="Evans", email="rhys@ex.org"
    ).user


# --- find_users ------------------------------------------------------------------------------


def test_a_blank_search_lists_every_user_of_the_own_organisation_only(
    super_actor: Actor,
    college: Organisation,
    school: Organisation,
    make_user: Callable[..., User],
    operator: Actor,
) -> None:
    online = make_user(college, ["online"])
    suspended = make_user(college, ["view"])
    suspended.is_active = False
    suspended.save()
    make_user(school, ["super"])
    make_user(school, ["online"])

    found = find_users(actor=super_actor)

    assert usernames(found) == {super_actor.user.username, online.username, suspended.username}


def test_the_service_desk_never_lists_the_system_user(operator: Actor) -> None:
    colleague = create_user(
        actor=operator,
        organisation=acting_organisation(operator),
        username="desk.person",
        roles=["operator"],
    ).user

    found = usernames(find_users(actor=operator))

    assert SYSTEM_USERNAME not in found
    assert found == {colleague.username}


def test_users_are_found_by_part_of_the_username_in_any_case(
    super_actor: Actor, staff: User
) -> None:
    assert usernames(find_users(actor=super_actor, username="MEGAN.p")) == {staff.username}
    assert list(find_users(actor=super_actor, username="nobody")) == []


def test_users_are_found_by_given_and_family_name(super_actor: Actor, staff: User) -> None:
    other = create(super_actor, given_name="Rhys", family_name="Pritchard", email="r@ex.org").user

    assert usernames(find_users(actor=super_actor, family_name="pritch")) == {
        staff.username,
        other.username,
    }
    assert usernames(find_users(actor=super_actor, given_name=" rhys ")) == {other.username}
    assert usernames(
        find_users(actor=super_actor, given_name="megan", family_name="PRITCHARD")
    ) == {staff.username}


def test_users_are_found_by_any_of_the_chosen_roles(
    super_actor: Actor, college: Organisation, make_user: Callable[..., User]
) -> None:
    viewer = make_user(college, ["view"])
    verifier = make_user(college, ["vld"])
    plr_and_batch = make_user(college, ["plr", "batch"])

    assert usernames(find_users(actor=super_actor, roles=["view"])) == {viewer.username}
    assert usernames(find_users(actor=super_actor, roles=["batch", "vld"])) == {
        verifier.username,
        plr_and_batch.username,
    }
    assert usernames(find_users(actor=super_actor, roles=["super"])) == {super_actor.user.username}
    assert len(find_users(actor=super_actor, roles=["", ""])) == 4  # "All roles"


def test_users_are_found_by_status(
    super_actor: Actor, college: Organisation, make_user: Callable[..., User]
) -> None:
    active = make_user(college, ["online"])
    suspended = make_user(college, ["online"])
    suspend_user(actor=super_actor, user=suspended)

    assert usernames(find_users(actor=super_actor, status=UserStatus.SUSPENDED)) == {
        suspended.username
    }
    assert usernames(find_users(actor=super_actor, status=UserStatus.ACTIVE)) == {
        super_actor.user.username,
        active.username,
    }


def test_users_are_listed_by_family_name_then_given_name(super_actor: Actor) -> None:
    create(super_actor, given_name="Zara", family_name="Ahmed", email="z@ex.org")
    create(super_actor, given_name="Aled", family_name="Ahmed", email="a@ex.org")
    create(super_actor, given_name="Bea", family_name="Williams", email="b@ex.org")

    found = find_users(actor=super_actor, roles=["online"])

    assert [user.full_name for user in found] == ["Aled Ahmed", "Zara Ahmed", "Bea Williams"]


def test_the_service_desk_lists_any_organisations_users(
    operator: Actor, super_user: User, school: Organisation, make_user: Callable[..., User]
) -> None:
    make_user(school, ["online"])

    found = find_users(actor=operator, organisation=super_user.organisation)

    assert usernames(found) == {super_user.username}


def test_a_super_user_cannot_list_another_organisations_users(
    super_actor: Actor, school: Organisation
) -> None:
    with pytest.raises(PermissionDenied):
        find_users(actor=super_actor, organisation=school)


# --- get_managed_user ------------------------------------------------------------------------


def test_a_super_user_gets_a_user_of_their_organisation(super_actor: Actor, staff: User) -> None:
    assert get_managed_user(actor=super_actor, user_id=staff.pk) == staff


def test_another_organisations_user_is_not_found(
    super_actor: Actor, school: Organisation, make_user: Callable[..., User]
) -> None:
    outsider = make_user(school, ["online"])

    with pytest.raises(NotFound):
        get_managed_user(actor=super_actor, user_id=outsider.pk)


def test_the_system_user_is_not_found_even_by_the_service_desk(operator: Actor) -> None:
    with pytest.raises(NotFound):
        get_managed_user(actor=operator, user_id=operator.user.pk)


def test_a_missing_user_id_is_not_found(super_actor: Actor) -> None:
    with pytest.raises(NotFound):
        get_managed_user(actor=super_actor, user_id=999_999)


# --- generate_username -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "family", "username"),
    [
        ("Megan", "Pritchard", "megan.pritchard"),
        ("Siân", "Llŷr", "sian.llyr"),
        ("Zoë", "O'Brien", "zoe.obrien"),
        ("  José María ", "Núñez-García", "josemaria.nunezgarcia"),
        ("Ærin", "Ødegård", "rin.degard"),
        ("Mary", "", "mary"),
        ("李", "王", "user"),
    ],
)
def test_usernames_are_made_of_plain_letters_from_the_names(
    db: None, given: str, family: str, username: str
) -> None:
    assert generate_username(given, family) == username


def test_a_taken_username_gets_a_number(super_actor: Actor) -> None:
    first = create(super_actor, email="m1@ex.org").user
    second = create(super_actor, email="m2@ex.org").user
    third = create(super_actor, given_name="Mégan", email="m3@ex.org").user

    assert [first.username, second.username, third.username] == [
        "megan.pritchard",
        "megan.pritchard2",
        "megan.pritchard3",
    ]


def test_usernames_taken_in_another_case_or_organisation_count_as_taken(
    school: Organisation,
) -> None:
    create_user(
        actor=service_desk_system_actor(channel=Channel.CLI),
        organisation=school,
        username="Megan.Pritchard",
        roles=["online"],
    )

    assert generate_username("Megan", "Pritchard") == "megan.pritchard2"


# --- generate_one_time_password --------------------------------------------------------------


def test_one_time_passwords_have_12_characters_and_meet_the_password_rules(db: None) -> None:
    for _ in range(50):
        password = generate_one_time_password()
        assert len(password) == 12
        assert character_classes(password) == 4
        validate_password(password)  # raises if a rule is broken
        assert not set(password) & set("0O1lI")


def test_one_time_passwords_differ_each_time(db: None) -> None:
    assert len({generate_one_time_password() for _ in range(50)}) == 50


# --- create_user ---------------------------------------------------------------------------


def test_creating_a_user_records_the_details_and_roles(
    super_actor: Actor, college: Organisation
) -> None:
    account = create_user(
        actor=super_actor,
        details=person(
            title=" Ms ",
            phone="029 2000 0000",
            mobile="07700 900000",
            staff_reference="HR-17",
            email=" megan.pritchard@riverside.ac.uk ",
        ),
        roles=["view", "online", "online"],
    )

    user = reload(account.user)
    assert user.username == "megan.pritchard"
    assert user.organisation == college
    assert user.roles == ["online", "view"]
    assert (user.first_name, user.last_name, user.title) == ("Megan", "Pritchard", "Ms")
    assert user.email == "megan.pritchard@riverside.ac.uk"
    assert (user.phone, user.mobile, user.staff_reference) == (
        "029 2000 0000",
        "07700 900000",
        "HR-17",
    )
    assert user.verification_provided == "Staff ID 4411"
    assert user.is_active
    assert user.must_change_password


def test_creating_a_user_is_audited_without_the_password(super_actor: Actor) -> None:
    account = create(super_actor)

    event = AuditEvent.objects.get(action=AuditAction.USER_CREATED, user_id=super_actor.user.pk)
    assert event.organisation_id == super_actor.organisation.pk
    assert event.channel == Channel.PORTAL
    assert event.details == {
        "user_id": account.user.pk,
        "username": "megan.pritchard",
        "roles": ["online"],
    }
    assert account.one_time_password not in str(event.details)


def test_the_one_time_password_signs_in_and_must_be_changed(super_actor: Actor) -> None:
    account = create(super_actor)

    result = sign_in(username=account.user.username, password=account.one_time_password)

    assert result.outcome is SignInOutcome.SIGNED_IN
    assert result.user is not None
    assert password_change_reason(result.user) is PasswordChangeReason.ONE_TIME
    assert account.one_time_password not in reload(account.user).password


def test_roles_not_granted_to_the_organisation_are_refused(
    make_user: Callable[..., User],
) -> None:
    small_school = create_organisation(
        actor=service_desk_system_actor(channel=Channel.CLI),
        ukprn="10099999",
        name="Small School",
        organisation_type="school",
        granted_roles=["super"],
    )
    actor = portal_actor(make_user(small_school, ["super"]))

    with pytest.raises(ValidationFailed) as refused:
        create(actor, roles=("online",))

    assert refused.value.field_errors == {
        "roles": ["Your organisation has not been granted this role."]
    }
    assert not User.objects.filter(username="megan.pritchard").exists()


@pytest.mark.parametrize("roles", [("operator",), ("online", "operator"), ("admin",)])
def test_the_service_desk_role_and_unknown_roles_are_refused(
    super_actor: Actor, roles: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(super_actor, roles=roles)

    assert list(refused.value.field_errors) == ["roles"]


def test_even_the_service_desk_cannot_give_out_its_own_role(operator: Actor) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(operator, roles=("operator",))

    assert list(refused.value.field_errors) == ["roles"]


def test_at_least_one_role_is_needed(super_actor: Actor) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(super_actor, roles=())

    assert refused.value.field_errors == {"roles": ["Choose at least one role."]}


@pytest.mark.parametrize(
    ("given", "family", "field"),
    [
        ("Exams", "Office", "given_name"),
        ("Guest", "Pritchard", "given_name"),
        ("Exams Office", "Riverside", "given_name"),
        ("Megan", "Data Team", "family_name"),
        ("Reception", "Desk", "given_name"),
        ("MIS", "Pritchard", "given_name"),
        ("Test", "User", "given_name"),
        ("Admin", "Pritchard", "given_name"),
    ],
)
def test_generic_accounts_are_refused(
    super_actor: Actor, given: str, family: str, field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(super_actor, given_name=given, family_name=family)

    assert field in refused.value.field_errors
    assert "generic accounts are not allowed" in refused.value.field_errors[field][0]
    assert User.objects.exclude(username=SYSTEM_USERNAME).count() == 1  # only the super user


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Dafydd", "Staffordshire"),
        ("Tess", "Userton"),
        ("Mary Data", "Jones"),
        ("Reece", "Office-Smith"),
        ("Megan", "Guest"),
    ],
)
def test_real_names_that_contain_a_generic_word_are_accepted(
    super_actor: Actor, given: str, family: str
) -> None:
    assert create(super_actor, given_name=given, family_name=family).user.pk


def test_a_second_account_for_the_same_email_is_refused(super_actor: Actor, staff: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(super_actor, given_name="Meg", email="MEGAN.Pritchard@Riverside.ac.uk")

    assert list(refused.value.field_errors) == ["email"]
    assert "Each person has one account" in refused.value.field_errors["email"][0]
    assert User.objects.filter(organisation_id=super_actor.organisation.pk).count() == 2


def test_the_same_email_may_have_an_account_in_another_organisation(
    super_actor: Actor, staff: User, school: Organisation, make_user: Callable[..., User]
) -> None:
    school_super = portal_actor(make_user(school, ["super"]))

    account = create(school_super)

    assert account.user.email == staff.email
    assert account.user.username == "megan.pritchard2"


def test_missing_details_are_all_reported_at_once(super_actor: Actor) -> None:
    audit_rows = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        create_user(
            actor=super_actor,
            details=AccountDetails(
                given_name=" ", family_name="", email="", verification_provided="  "
            ),
            roles=[],
        )

    assert set(refused.value.field_errors) == {
        "given_name",
        "family_name",
        "email",
        "verification_provided",
        "roles",
    }
    assert AuditEvent.objects.count() == audit_rows


@pytest.mark.parametrize("email", ["megan", "megan@riverside", "megan @riverside.ac.uk", "@x.org"])
def test_a_badly_formed_email_is_refused(super_actor: Actor, email: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create(super_actor, email=email)

    assert list(refused.value.field_errors) == ["email"]


# --- update_user ---------------------------------------------------------------------------


def test_updating_a_user_changes_details_and_roles_and_audits_the_changes(
    super_actor: Actor, staff: User
) -> None:
    updated = update_user(
        actor=super_actor,
        user=staff,
        details=details_of(staff, family_name="Jones", phone="01234 567890"),
        roles=["view", "plr"],
    )

    user = reload(staff)
    assert updated == user
    assert (user.last_name, user.phone, user.roles) == ("Jones", "01234 567890", ["plr", "view"])
    assert user.username == "megan.pritchard"  # the username stays
    event = AuditEvent.objects.get(action=AuditAction.USER_UPDATED)
    assert event.user == super_actor.user
    assert event.details["user_id"] == staff.pk
    assert event.details["changes"] == {
        "last_name": ["Pritchard", "Jones"],
        "phone": ["", "01234 567890"],
        "roles": [["online"], ["plr", "view"]],
    }


def test_an_update_without_changes_is_not_audited(super_actor: Actor, staff: User) -> None:
    update_user(actor=super_actor, user=staff, details=details_of(staff), roles=["online"])

    assert AuditAction.USER_UPDATED not in actions_by(super_actor)


def test_an_update_is_validated_like_a_new_account(super_actor: Actor, staff: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        update_user(
            actor=super_actor,
            user=staff,
            details=details_of(staff, given_name="Guest", email="nope"),
            roles=["operator"],
        )

    assert set(refused.value.field_errors) == {"given_name", "email", "roles"}
    assert reload(staff).first_name == "Megan"


def test_an_update_may_not_take_another_users_email(super_actor: Actor, staff: User) -> None:
    other = create(super_actor, given_name="Rhys", family_name="Evans", email="rhys@ex.org").user

    with pytest.raises(ValidationFailed) as refused:
        update_user(
            actor=super_actor,
            user=other,
            details=details_of(other, email=staff.email),
            roles=["online"],
        )

    assert "email" in refused.value.field_errors
    assert reload(other).email == "rhys@ex.org"


def test_the_last_active_super_user_keeps_the_super_role(super_actor: Actor) -> None:
    me = acting_user(super_actor)

    with pytest.raises(Conflict) as refused:
        update_user(
            actor=super_actor,
            user=me,
            details=named(me),
            roles=["online"],
        )

    assert "only active super user" in refused.value.message
    assert reload(me).roles == ["super"]


def test_a_super_user_may_give_up_the_role_once_another_is_active(super_actor: Actor) -> None:
    second_super_user(super_actor)
    me = acting_user(super_actor)

    update_user(
        actor=super_actor,
        user=me,
        details=named(me),
        roles=["online"],
    )

    assert reload(me).roles == ["online"]


def test_a_suspended_super_user_does_not_count_as_another(super_actor: Actor) -> None:
    other = second_super_user(super_actor)
    suspend_user(actor=super_actor, user=other)
    me = acting_user(super_actor)

    with pytest.raises(Conflict):
        update_user(
            actor=super_actor,
            user=me,
            details=named(me),
            roles=["online"],
        )


# --- suspend_user ----------------------------------------------------------------------------


def test_suspending_a_user_stops_their_sign_in(super_actor: Actor) -> None:
    account = create(super_actor)

    suspend_user(actor=super_actor, user=account.user)

    user = reload(account.user)
    assert not user.is_active
    assert user.suspension_reason == SuspensionReason.BY_SUPER_USER
    assert actions_by(super_actor)[-1] == AuditAction.USER_SUSPENDED
    result = sign_in(username=user.username, password=account.one_time_password)
    assert result.outcome is SignInOutcome.SUSPENDED


def test_suspending_a_suspended_user_changes_nothing(super_actor: Actor, staff: User) -> None:
    suspend_user(actor=super_actor, user=staff)
    suspend_user(actor=super_actor, user=staff)

    assert actions_by(super_actor).count(AuditAction.USER_SUSPENDED) == 1


def test_the_last_active_super_user_cannot_be_suspended(super_actor: Actor) -> None:
    with pytest.raises(Conflict):
        suspend_user(actor=super_actor, user=acting_user(super_actor))

    assert reload(acting_user(super_actor)).is_active


def test_a_super_user_can_be_suspended_once_another_is_active(super_actor: Actor) -> None:
    other = second_super_user(super_actor)

    suspend_user(actor=super_actor, user=other)

    assert not reload(other).is_active
    with pytest.raises(Conflict):  # now the actor is the last one again
        suspend_user(actor=super_actor, user=acting_user(super_actor))


def test_a_super_user_cannot_suspend_or_delete_their_own_account(
    super_actor: Actor, make_user: Callable[..., User]
) -> None:
    make_user(super_actor.organisation, ["super"])  # not the last super user

    with pytest.raises(Conflict, match="your own account"):
        suspend_user(actor=super_actor, user=acting_user(super_actor))
    with pytest.raises(Conflict, match="your own account"):
        delete_user(actor=super_actor, user=acting_user(super_actor))
    assert reload(acting_user(super_actor)).is_active


# --- reactivate_user -------------------------------------------------------------------------


def test_reactivating_a_locked_out_user_clears_the_suspension_and_the_count(
    super_actor: Actor,
) -> None:
    account = create(super_actor)
    for _ in range(10):
        sign_in(username=account.user.username, password="Wrong-pass-1")
    assert reload(account.user).suspension_reason == SuspensionReason.WRONG_PASSWORDS

    reactivate_user(actor=super_actor, user=account.user)

    user = reload(account.user)
    assert user.is_active
    assert user.suspension_reason == SuspensionReason.NONE
    assert user.failed_sign_ins == 0
    event = AuditEvent.objects.get(action=AuditAction.USER_REACTIVATED)
    assert event.details["was"] == SuspensionReason.WRONG_PASSWORDS
    result = sign_in(username=user.username, password=account.one_time_password)
    assert result.outcome is SignInOutcome.SIGNED_IN


def test_a_reactivated_user_gets_ten_tries_again(super_actor: Actor, staff: User) -> None:
    for _ in range(10):
        sign_in(username=staff.username, password="Wrong-pass-1")
    reactivate_user(actor=super_actor, user=staff)

    outcomes = [sign_in(username=staff.username, password="Wrong-pass-1").outcome for _ in range(9)]

    assert SignInOutcome.JUST_SUSPENDED not in outcomes
    assert reload(staff).is_active


def test_reactivating_an_active_user_changes_nothing(super_actor: Actor, staff: User) -> None:
    reactivate_user(actor=super_actor, user=staff)

    assert AuditAction.USER_REACTIVATED not in actions_by(super_actor)


# --- delete_user -----------------------------------------------------------------------------


def test_deleting_a_user_removes_the_account_but_keeps_the_audit_trail(
    super_actor: Actor,
) -> None:
    account = create(super_actor)
    sign_in(username=account.user.username, password=account.one_time_password)
    issue_api_token(actor=portal_actor(account.user), user=account.user)

    delete_user(actor=super_actor, user=account.user)

    assert not User.objects.filter(pk=account.user.pk).exists()
    assert not ApiToken.objects.exists()
    signed_in = AuditEvent.objects.get(action=AuditAction.USER_SIGNED_IN)
    assert (signed_in.user, signed_in.username) == (None, "megan.pritchard")
    deleted = AuditEvent.objects.get(action=AuditAction.USER_DELETED)
    assert deleted.user == super_actor.user
    assert deleted.details == {
        "user_id": account.user.pk,
        "username": "megan.pritchard",
        "name": "Megan Pritchard",
    }


def test_the_last_active_super_user_cannot_be_deleted(super_actor: Actor) -> None:
    with pytest.raises(Conflict):
        delete_user(actor=super_actor, user=acting_user(super_actor))

    assert User.objects.filter(pk=super_actor.user.pk).exists()


def test_a_super_user_can_be_deleted_once_another_is_active(super_actor: Actor) -> None:
    other = second_super_user(super_actor)

    delete_user(actor=super_actor, user=other)

    assert not User.objects.filter(pk=other.pk).exists()


def test_a_suspended_super_user_can_be_deleted(super_actor: Actor) -> None:
    other = second_super_user(super_actor)
    suspend_user(actor=super_actor, user=other)

    delete_user(actor=super_actor, user=other)

    assert not User.objects.filter(pk=other.pk).exists()


# --- reset_user_password ---------------------------------------------------------------------


def test_resetting_a_password_gives_a_new_one_time_password(super_actor: Actor) -> None:
    account = create(super_actor)
    sign_in(username=account.user.username, password="Wrong-pass-1")

    reset = reset_user_password(actor=super_actor, user=account.user)

    assert reset.one_time_password != account.one_time_password
    assert len(reset.one_time_password) == 12
    user = reload(account.user)
    assert user.failed_sign_ins == 0
    assert not user.check_password(account.one_time_password)
    result = sign_in(username=user.username, password=reset.one_time_password)
    assert result.outcome is SignInOutcome.SIGNED_IN
    assert result.user is not None
    assert password_change_reason(result.user) is PasswordChangeReason.ONE_TIME
    event = AuditEvent.objects.get(action=AuditAction.USER_PASSWORD_RESET)
    assert event.details == {"user_id": user.pk, "username": user.username}


def test_a_password_changed_by_the_user_must_be_changed_again_after_a_reset(
    super_actor: Actor, staff: User
) -> None:
    User.objects.filter(pk=staff.pk).update(must_change_password=False)

    reset_user_password(actor=super_actor, user=staff)

    assert password_change_reason(reload(staff)) is PasswordChangeReason.ONE_TIME


def test_reactivate_and_reset_unlock_a_locked_out_user(super_actor: Actor, staff: User) -> None:
    for _ in range(10):
        sign_in(username=staff.username, password="Wrong-pass-1")

    reactivate_user(actor=super_actor, user=staff)
    reset = reset_user_password(actor=super_actor, user=staff)

    result = sign_in(username=staff.username, password=reset.one_time_password)
    assert result.outcome is SignInOutcome.SIGNED_IN


# --- verify_user_identity --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "verified"), [("taylor", True), ("TAYLOR", True), ("Tyler", False)]
)
def test_verifying_identity_checks_the_secret_answer_without_regard_to_case(
    super_actor: Actor, staff: User, answer: str, verified: bool
) -> None:
    set_secret_question(user=staff, question=SecretQuestion.FAVOURITE_TEACHER, answer="Taylor")

    assert verify_user_identity(actor=super_actor, user=staff, answer=answer) is verified

    event = AuditEvent.objects.get(action=AuditAction.USER_IDENTITY_VERIFIED)
    assert event.user == super_actor.user
    assert event.details == {"user_id": staff.pk, "username": staff.username, "verified": verified}


def test_identity_cannot_be_verified_before_a_secret_question_is_set(
    super_actor: Actor, staff: User
) -> None:
    with pytest.raises(Conflict):
        verify_user_identity(actor=super_actor, user=staff, answer="anything")

    assert AuditAction.USER_IDENTITY_VERIFIED not in actions_by(super_actor)


# --- who may do what -------------------------------------------------------------------------

ACTIONS_ON_A_USER: dict[str, Callable[[Actor, User], object]] = {
    "get": lambda actor, user: get_managed_user(actor=actor, user_id=user.pk),
    "update": lambda actor, user: update_user(
        actor=actor, user=user, details=details_of(user, given_name="Changed"), roles=["view"]
    ),
    "suspend": lambda actor, user: suspend_user(actor=actor, user=user),
    "reactivate": lambda actor, user: reactivate_user(actor=actor, user=user),
    "delete": lambda actor, user: delete_user(actor=actor, user=user),
    "reset_password": lambda actor, user: reset_user_password(actor=actor, user=user),
    "verify_identity": lambda actor, user: verify_user_identity(
        actor=actor, user=user, answer="Taylor"
    ),
}


@pytest.fixture
def outsider(school: Organisation) -> User:
    """A suspended school user with a secret question, ready for every action."""
    user = create_user(
        actor=service_desk_system_actor(channel=Channel.CLI),
        organisation=school,
        username="ffion.school",
        roles=["online"],
        details=AccountDetails(
            given_name="Ffion",
            family_name="Hughes",
            email="f@school.org",
            verification_provided="",
        ),
    ).user
    set_secret_question(user=user, question=SecretQuestion.FIRST_PET, answer="Taylor")
    User.objects.filter(pk=user.pk).update(is_active=False, verification_provided="Staff ID 9")
    return reload(user)


@pytest.mark.parametrize("action", ACTIONS_ON_A_USER)
def test_a_super_user_cannot_act_on_another_organisations_user(
    super_actor: Actor, outsider: User, action: str
) -> None:
    with pytest.raises(NotFound):
        ACTIONS_ON_A_USER[action](super_actor, outsider)

    assert reload(outsider).first_name == "Ffion"
    assert not reload(outsider).is_active
    assert not AuditEvent.objects.filter(user_id=super_actor.user.pk).exists()


@pytest.mark.parametrize("action", ACTIONS_ON_A_USER)
def test_the_service_desk_does_not_manage_other_organisations_users(
    operator: Actor, outsider: User, action: str
) -> None:
    # User guide 3.2: the service desk does not reset passwords or unlock accounts; the
    # organisation's super users do.
    with pytest.raises(NotFound):
        ACTIONS_ON_A_USER[action](operator, outsider)


def test_the_service_desk_creates_users_for_any_organisation(
    operator: Actor, school: Organisation
) -> None:
    account = create_user(actor=operator, details=person(), roles=["super"], organisation=school)

    assert account.user.organisation == school
    assert AuditEvent.objects.get(
        action=AuditAction.USER_CREATED, details__user_id=account.user.pk
    ).user == (operator.user)


def test_a_super_user_cannot_create_users_in_another_organisation(
    super_actor: Actor, school: Organisation
) -> None:
    with pytest.raises(PermissionDenied):
        create_user(actor=super_actor, details=person(), roles=["online"], organisation=school)

    assert not User.objects.filter(organisation=school).exists()


EVERY_ACTION: dict[str, Callable[[Actor, User], object]] = {
    **ACTIONS_ON_A_USER,
    "find": lambda actor, user: find_users(actor=actor),
    "create": lambda actor, user: create(actor, email="new@ex.org"),
}


@pytest.fixture
def target(staff: User) -> User:
    set_secret_question(user=staff, question=SecretQuestion.FIRST_PET, answer="Taylor")
    return reload(staff)


@pytest.mark.parametrize("roles", [["online"], ["view"], ["batch", "plr", "vld"]])
@pytest.mark.parametrize("action", EVERY_ACTION)
def test_users_without_the_super_role_may_do_nothing(
    college: Organisation,
    make_user: Callable[..., User],
    target: User,
    roles: list[str],
    action: str,
) -> None:
    actor = portal_actor(make_user(college, roles))

    with pytest.raises(PermissionDenied):
        EVERY_ACTION[action](actor, target)

    assert reload(target).is_active


@pytest.mark.parametrize("action", EVERY_ACTION)
def test_the_super_role_counts_only_while_the_organisation_is_granted_it(
    super_actor: Actor, college: Organisation, target: User, action: str
) -> None:
    college.granted_roles = [role for role in college.granted_roles if role != "super"]
    college.save()

    with pytest.raises(PermissionDenied):
        EVERY_ACTION[action](super_actor, target)


def test_the_super_role_counts_again_once_granted_again(
    super_actor: Actor, college: Organisation, target: User
) -> None:
    granted = list(college.granted_roles)
    college.granted_roles = ["online"]
    college.save()
    with pytest.raises(PermissionDenied):
        find_users(actor=super_actor)

    college.granted_roles = granted
    college.save()

    assert target in find_users(actor=super_actor)


def test_a_suspended_super_user_may_do_nothing(super_actor: Actor, target: User) -> None:
    other = second_super_user(super_actor)
    suspend_user(actor=portal_actor(other), user=acting_user(super_actor))
    actor = portal_actor(reload(acting_user(super_actor)))

    for action in EVERY_ACTION.values():
        with pytest.raises(PermissionDenied):
            action(actor, target)


def test_a_super_user_of_a_suspended_organisation_may_do_nothing(
    super_actor: Actor, college: Organisation, target: User
) -> None:
    college.status = OrganisationStatus.SUSPENDED
    college.save()

    for action in EVERY_ACTION.values():
        with pytest.raises(PermissionDenied):
            action(super_actor, target)
