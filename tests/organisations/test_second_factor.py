"""Second factor (issue 19 item 12): who needs it, enrolment, codes, recovery codes, reset."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.organisations.models import Organisation, User
from lrs.organisations.second_factor import (
    RECOVERY_CODES,
    confirm_enrolment,
    enrol_on_behalf,
    has_second_factor,
    new_recovery_codes,
    recovery_codes_left,
    reset_second_factor,
    second_factor_required,
    start_enrolment,
    verify_second_factor,
)
from lrs.organisations.selectors import find_organisation_by_ukprn
from lrs.organisations.services import SERVICE_DESK_UKPRN

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """What an authenticator app shows, computed from the device's secret."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return str(totp.token()).zfill(device.digits)


def actions(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(details__user_id=user.pk).values_list("action", flat=True)
    )


@pytest.fixture
def super_user(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(college, ["super"])


@pytest.fixture
def online(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(college, ["online"])


def test_super_users_and_operators_need_a_second_factor_others_may_have_one(
    super_user: User, online: User, make_user: Callable[..., User], system_actor: Actor
) -> None:
    desk = find_organisation_by_ukprn(SERVICE_DESK_UKPRN)
    assert desk is not None
    operator = make_user(desk, ["operator"])

    assert second_factor_required(super_user)
    assert second_factor_required(operator)
    assert not second_factor_required(online)


def test_enrolment_shows_a_qr_code_and_the_secret_until_confirmed(online: User) -> None:
    first = start_enrolment(user=online)
    again = start_enrolment(user=online)

    assert first.device.pk == again.device.pk
    assert first.qr_svg_data_uri.startswith("data:image/svg+xml")
    assert len(first.secret) >= 16
    assert not has_second_factor(online)


def test_a_right_code_confirms_the_app_and_gives_ten_recovery_codes(online: User) -> None:
    enrolment = start_enrolment(user=online)

    codes = confirm_enrolment(user=online, code=code_for(enrolment.device))

    assert has_second_factor(online)
    assert len(codes) == RECOVERY_CODES == len(set(codes))
    assert recovery_codes_left(online) == RECOVERY_CODES
    assert AuditAction.USER_SECOND_FACTOR_ENROLLED in actions(online)


def test_a_wrong_code_does_not_confirm_and_is_audited(online: User) -> None:
    start_enrolment(user=online)

    with pytest.raises(ValidationFailed) as refused:
        confirm_enrolment(user=online, code="000000x")

    assert "code" in refused.value.field_errors
    assert not has_second_factor(online)
    assert AuditAction.USER_SECOND_FACTOR_FAILED in actions(online)


def test_sign_in_codes_from_the_app_are_accepted_once(online: User) -> None:
    enrolment = start_enrolment(user=online)
    confirm_enrolment(user=online, code=code_for(enrolment.device))
    device = TOTPDevice.objects.get(user=online, confirmed=True)

    code = code_for(device, steps_ahead=1)
    assert verify_second_factor(user=online, code=code) is not None
    assert verify_second_factor(user=online, code=code) is None  # no replay
    assert AuditAction.USER_SECOND_FACTOR_VERIFIED in actions(online)


def test_a_recovery_code_works_once(online: User) -> None:
    enrolment = start_enrolment(user=online)
    codes = confirm_enrolment(user=online, code=code_for(enrolment.device))

    device = verify_second_factor(user=online, code=f"  {codes[0].upper()} ")
    assert isinstance(device, StaticDevice)
    assert verify_second_factor(user=online, code=codes[0]) is None
    assert recovery_codes_left(online) == RECOVERY_CODES - 1


def test_using_app_codes_never_blocks_the_recovery_codes(online: User) -> None:
    enrolment = start_enrolment(user=online)
    codes = confirm_enrolment(user=online, code=code_for(enrolment.device))
    device = TOTPDevice.objects.get(user=online, confirmed=True)
    assert verify_second_factor(user=online, code=code_for(device, steps_ahead=1)) is not None

    assert verify_second_factor(user=online, code=codes[0]) is not None


def test_new_recovery_codes_replace_the_old_ones(online: User) -> None:
    enrolment = start_enrolment(user=online)
    old = confirm_enrolment(user=online, code=code_for(enrolment.device))

    new = new_recovery_codes(user=online)

    assert verify_second_factor(user=online, code=new[0]) is not None
    assert verify_second_factor(user=online, code=old[0]) is None


def test_another_super_user_of_the_organisation_resets_it(
    super_user: User, college: Organisation, make_user: Callable[..., User], system_actor: Actor
) -> None:
    enrol_on_behalf(actor=system_actor, user=super_user)
    colleague = make_user(college, ["super"])

    reset_second_factor(actor=Actor(user=colleague, channel=Channel.PORTAL), user=super_user)

    assert not has_second_factor(super_user)
    assert not StaticDevice.objects.filter(user=super_user).exists()
    event = AuditEvent.objects.get(action=AuditAction.USER_SECOND_FACTOR_RESET)
    assert event.user == colleague


def test_the_service_desk_resets_it(super_user: User, system_actor: Actor) -> None:
    enrol_on_behalf(actor=system_actor, user=super_user)

    reset_second_factor(actor=system_actor, user=super_user)

    assert not has_second_factor(super_user)


def test_nobody_resets_their_own_nor_another_organisations(
    super_user: User, school: Organisation, make_user: Callable[..., User], system_actor: Actor
) -> None:
    enrol_on_behalf(actor=system_actor, user=super_user)
    stranger = make_user(school, ["super"])

    with pytest.raises(PermissionDenied):
        reset_second_factor(actor=Actor(user=super_user, channel=Channel.PORTAL), user=super_user)
    with pytest.raises(PermissionDenied):
        reset_second_factor(actor=Actor(user=stranger, channel=Channel.PORTAL), user=super_user)
    assert has_second_factor(super_user)


def test_users_without_the_super_role_cannot_reset(
    super_user: User, online: User, system_actor: Actor
) -> None:
    enrol_on_behalf(actor=system_actor, user=super_user)

    with pytest.raises(PermissionDenied):
        reset_second_factor(actor=Actor(user=online, channel=Channel.PORTAL), user=super_user)
