"""API tokens: expiry, rotation, last use, listing and revoking (issue 19 item 13)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.utils import timezone

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.errors import NotFound, PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.organisations.models import ApiToken, Organisation, User
from lrs.organisations.services import (
    DEFAULT_TOKEN_DAYS,
    authenticate_api_token,
    get_api_token,
    issue_api_token,
    list_api_tokens,
    revoke_api_token,
    rotate_api_token,
)
from lrs.organisations.services.tokens import ROTATION_GRACE

pytestmark = pytest.mark.django_db


def portal(user: User) -> Actor:
    return Actor(user=user, channel=Channel.PORTAL)


@pytest.fixture
def user(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(college, ["online"])


@pytest.fixture
def super_user(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(college, ["super"])


def test_a_token_expires_after_the_chosen_days(user: User) -> None:
    before = timezone.now()
    issued = issue_api_token(actor=portal(user), user=user, name="MIS", days=30)

    expires = issued.token.expires_at
    assert expires is not None
    assert before + datetime.timedelta(days=30) <= expires
    assert expires <= timezone.now() + datetime.timedelta(days=30)
    assert authenticate_api_token(issued.raw) == user


def test_tokens_last_90_days_unless_told(user: User) -> None:
    issued = issue_api_token(actor=portal(user), user=user)
    assert issued.token.expires_at is not None
    days = (issued.token.expires_at - issued.token.created_at).days
    assert days == DEFAULT_TOKEN_DAYS - 1 or days == DEFAULT_TOKEN_DAYS


def test_only_the_offered_lifetimes_are_allowed(user: User) -> None:
    with pytest.raises(ValidationFailed):
        issue_api_token(actor=portal(user), user=user, days=10_000)


def test_an_expired_token_no_longer_authenticates(user: User) -> None:
    issued = issue_api_token(actor=portal(user), user=user)
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    assert authenticate_api_token(issued.raw) is None


def test_each_use_notes_the_time_and_address(user: User) -> None:
    issued = issue_api_token(actor=portal(user), user=user)

    authenticate_api_token(issued.raw, address="192.0.2.7")

    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.last_used_at is not None
    assert token.last_used_address == "192.0.2.7"
    assert token.known_addresses == ["192.0.2.7"]


def test_a_new_address_is_noted_even_within_the_minute(user: User) -> None:
    issued = issue_api_token(actor=portal(user), user=user)
    authenticate_api_token(issued.raw, address="192.0.2.7")
    authenticate_api_token(issued.raw, address="2001:db8::1")

    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.last_used_address == "2001:db8::1"
    assert token.known_addresses == ["192.0.2.7", "2001:db8::1"]


def test_an_address_that_is_not_an_ip_address_is_ignored(user: User) -> None:
    issued = issue_api_token(actor=portal(user), user=user)
    assert authenticate_api_token(issued.raw, address="unknown") == user
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_address is None


def test_rotating_issues_a_successor_and_ends_the_old_token_after_a_grace(user: User) -> None:
    old = issue_api_token(actor=portal(user), user=user, name="SIMS", days=365)

    new = rotate_api_token(actor=portal(user), token=old.token)

    assert new.raw != old.raw
    assert new.token.name == "SIMS"
    assert authenticate_api_token(new.raw) == user
    assert authenticate_api_token(old.raw) == user  # still, during the grace
    stored = ApiToken.objects.get(pk=old.token.pk)
    assert stored.expires_at is not None
    assert stored.expires_at <= timezone.now() + ROTATION_GRACE
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_ROTATED)
    assert event.details["successor"] == new.token.prefix


def test_a_revoked_token_cannot_be_rotated(user: User) -> None:
    issued = issue_api_token(actor=portal(user), user=user)
    revoke_api_token(actor=portal(user), token=issued.token)

    with pytest.raises(ValidationFailed):
        rotate_api_token(actor=portal(user), token=ApiToken.objects.get(pk=issued.token.pk))


def test_the_user_lists_and_revokes_their_own_tokens(user: User) -> None:
    first = issue_api_token(actor=portal(user), user=user, name="first")
    second = issue_api_token(actor=portal(user), user=user, name="second")

    assert [t.name for t in list_api_tokens(actor=portal(user), user=user)] == ["second", "first"]
    revoke_api_token(actor=portal(user), token=first.token)
    assert authenticate_api_token(first.raw) is None
    assert authenticate_api_token(second.raw) == user
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED, user=user).count() == 1


def test_their_super_user_lists_and_revokes_them(user: User, super_user: User) -> None:
    issued = issue_api_token(actor=portal(user), user=user)

    token = get_api_token(actor=portal(super_user), user=user, token_id=issued.token.pk)
    revoke_api_token(actor=portal(super_user), token=token)

    assert authenticate_api_token(issued.raw) is None
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_REVOKED)
    assert event.user == super_user
    assert event.details["user_id"] == user.pk


def test_a_super_user_does_not_issue_tokens_for_others(user: User, super_user: User) -> None:
    with pytest.raises(PermissionDenied):
        issue_api_token(actor=portal(super_user), user=user)


def test_another_organisations_super_user_cannot_see_or_revoke(
    user: User, school: Organisation, make_user: Callable[..., User]
) -> None:
    stranger = make_user(school, ["super"])
    issued = issue_api_token(actor=portal(user), user=user)

    with pytest.raises(PermissionDenied):
        list_api_tokens(actor=portal(stranger), user=user)
    with pytest.raises(PermissionDenied):
        revoke_api_token(actor=portal(stranger), token=issued.token)
    assert authenticate_api_token(issued.raw) == user


def test_another_users_token_is_not_found_among_mine(
    user: User, college: Organisation, make_user: Callable[..., User]
) -> None:
    colleague = make_user(college, ["online"])
    theirs = issue_api_token(actor=portal(colleague), user=colleague)

    with pytest.raises(NotFound):
        get_api_token(actor=portal(user), user=user, token_id=theirs.token.pk)
