"""Resetting another user's second factor from the portal (issue 19 item 12): a super user for
their own organisation's users (user page), the service desk for any registered organisation's
users (organisation page). Each reset is audited and is a security event."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.core.security import list_security_events
from lrs.organisations.models import Organisation, User
from lrs.organisations.second_factor import enrol_on_behalf, has_second_factor
from lrs.organisations.selectors import acting_organisation
from lrs.organisations.services import service_desk_system_actor

pytestmark = pytest.mark.django_db

SignedIn = Callable[[User], Client]
MakeUser = Callable[..., User]


@pytest.fixture
def desk(db: None) -> Organisation:
    return acting_organisation(service_desk_system_actor(channel=Channel.CLI))


@pytest.fixture
def enrolled(college: Organisation, make_user: MakeUser, system_actor: Actor) -> User:
    user = make_user(college, ["online"])
    enrol_on_behalf(actor=system_actor, user=user)
    return user


def _desk_reset(user: User) -> str:
    assert user.organisation is not None
    return reverse(
        "portal:organisation-user-reset-second-factor",
        args=[user.organisation.ukprn, user.pk],
    )


def test_the_service_desk_resets_a_users_second_factor(
    desk: Organisation, make_user: MakeUser, signed_in: SignedIn, enrolled: User
) -> None:
    operator_user = make_user(desk, ["operator"])
    operator = signed_in(operator_user)
    assert enrolled.organisation is not None
    detail = operator.get(reverse("portal:organisation-detail", args=[enrolled.organisation.ukprn]))
    assert _desk_reset(enrolled) in detail.content.decode()

    confirm = operator.get(_desk_reset(enrolled))
    assert confirm.status_code == 200
    assert "verify their identity first" in confirm.content.decode()
    assert has_second_factor(enrolled)  # a GET changes nothing

    done = operator.post(_desk_reset(enrolled))

    assert done["Location"] == reverse(
        "portal:organisation-detail", args=[enrolled.organisation.ukprn]
    )
    assert not has_second_factor(enrolled)
    event = AuditEvent.objects.get(action=AuditAction.USER_SECOND_FACTOR_RESET)
    assert event.user_id == operator_user.pk
    assert event.details["user_id"] == enrolled.pk
    events = list_security_events(actor=service_desk_system_actor(channel=Channel.CLI))
    assert AuditAction.USER_SECOND_FACTOR_RESET in [e.action for e in events]


def test_the_service_desk_page_refuses_a_user_of_another_organisation(
    desk: Organisation,
    school: Organisation,
    make_user: MakeUser,
    signed_in: SignedIn,
    enrolled: User,
) -> None:
    operator = signed_in(make_user(desk, ["operator"]))
    wrong_organisation = reverse(
        "portal:organisation-user-reset-second-factor", args=[school.ukprn, enrolled.pk]
    )

    assert operator.post(wrong_organisation).status_code == 404
    assert has_second_factor(enrolled)


def test_the_service_desk_page_refuses_the_service_desks_own_users(
    desk: Organisation, make_user: MakeUser, signed_in: SignedIn, system_actor: Actor
) -> None:
    operator = signed_in(make_user(desk, ["operator"]))
    colleague = make_user(desk, ["operator"])
    enrol_on_behalf(actor=system_actor, user=colleague)

    response = operator.post(
        reverse("portal:organisation-user-reset-second-factor", args=[desk.ukprn, colleague.pk])
    )

    assert response.status_code == 404
    assert has_second_factor(colleague)


@pytest.mark.parametrize("roles", [["super"], ["online"], ["view"]])
def test_organisation_users_cannot_use_the_service_desk_page(
    college: Organisation,
    make_user: MakeUser,
    signed_in: SignedIn,
    enrolled: User,
    roles: list[str],
) -> None:
    client = signed_in(make_user(college, roles))

    response = client.post(_desk_reset(enrolled))

    assert response.status_code == 403
    assert has_second_factor(enrolled)
    assert not AuditEvent.objects.filter(action=AuditAction.USER_SECOND_FACTOR_RESET).exists()


def test_a_super_user_cannot_reset_another_organisations_user(
    school: Organisation, make_user: MakeUser, signed_in: SignedIn, enrolled: User
) -> None:
    client = signed_in(make_user(school, ["super"]))

    response = client.post(reverse("portal:user-reset-second-factor", args=[enrolled.pk]))

    assert response.status_code == 404
    assert has_second_factor(enrolled)


def test_a_user_without_the_super_role_cannot_reset_a_colleague(
    college: Organisation, make_user: MakeUser, signed_in: SignedIn, enrolled: User
) -> None:
    client = signed_in(make_user(college, ["online", "view"]))

    response = client.post(reverse("portal:user-reset-second-factor", args=[enrolled.pk]))

    assert response.status_code == 403
    assert has_second_factor(enrolled)


def test_a_super_user_cannot_reset_their_own(
    college: Organisation, make_user: MakeUser, signed_in: SignedIn
) -> None:
    super_user = make_user(college, ["super"])
    client = signed_in(super_user)  # enrols them

    response = client.post(reverse("portal:user-reset-second-factor", args=[super_user.pk]))

    assert response.status_code == 302
    assert has_second_factor(super_user)
    assert not AuditEvent.objects.filter(action=AuditAction.USER_SECOND_FACTOR_RESET).exists()
