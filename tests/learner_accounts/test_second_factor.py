"""A learner's optional second factor (issue 12 item 1): turning it on with one app code,
recovery codes, the code at sign-in (each code once, waits after wrong ones, audited), and
turning it off with a fresh code."""

from __future__ import annotations

import binascii
import datetime
import time
from collections.abc import Callable

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from pytest_django.fixtures import Settings

from lrs.core.audit import AuditAction
from lrs.core.errors import ValidationFailed
from lrs.core.models import AuditEvent
from lrs.core.security import SECURITY_EVENTS
from lrs.learner_accounts.errors import RateLimited
from lrs.learner_accounts.models import LearnerAccount, LearnerRecoveryCode, LearnerSecondFactor
from lrs.learner_accounts.second_factor import (
    RECOVERY_CODES,
    SecondFactorRefused,
    SecondFactorWait,
    confirm_enrolment,
    has_second_factor,
    new_recovery_codes,
    recovery_codes_left,
    start_enrolment,
    turn_off,
    verify_sign_in_code,
)
from lrs.learners.models import Learner
from tests.learner_accounts.fixtures import sign_up

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def other_account(register: Callable[..., Learner], account: LearnerAccount) -> LearnerAccount:
    rhodri = register(given_name="Rhodri", family_name="Evans", gender="1")
    return sign_up(rhodri, email="rhodri@example.org")


@pytest.fixture(autouse=True)
def _no_waiting(settings: Settings) -> None:
    # Wrong codes make the next try wait (1 s, 2 s ...); tests that check it set the factor.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def app_code(account: LearnerAccount, *, steps_ahead: int = 0) -> str:
    """What the learner's authenticator app shows now (or a later step's code)."""
    device = LearnerSecondFactor.objects.get(account=account)
    totp = TOTP(binascii.unhexlify(device.key), 30, 0, 6, device.drift)
    totp.time = time.time() + 30 * steps_ahead
    if totp.t() <= device.last_t:
        totp.time += 30 * (device.last_t - totp.t() + 1)
    return str(totp.token()).zfill(6)


def turned_on(account: LearnerAccount) -> list[str]:
    start_enrolment(account=account)
    return confirm_enrolment(account=account, code=app_code(account), ip="192.0.2.9")


def actions(account: LearnerAccount) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            learner_id=account.learner_id, action__startswith="learner_account.second"
        ).values_list("action", flat=True)
    )


def test_a_new_account_has_no_second_factor(account: LearnerAccount) -> None:
    assert not has_second_factor(account)


def test_starting_shows_a_qr_code_and_the_same_key_until_confirmed(
    account: LearnerAccount,
) -> None:
    first = start_enrolment(account=account)
    again = start_enrolment(account=account)

    assert first.qr_svg_data_uri.startswith("data:image/svg+xml")
    assert first.secret == again.secret
    assert len(first.secret) == 32  # 20 bytes in base32
    assert not has_second_factor(account)


def test_the_qr_code_names_neither_the_learner_nor_their_email(account: LearnerAccount) -> None:
    from lrs.learner_accounts.second_factor import _config_url

    start_enrolment(account=account)
    url = _config_url(LearnerSecondFactor.objects.get(account=account))

    assert url.startswith("otpauth://totp/")
    assert account.email.split("@")[0] not in url
    assert account.learner.family_name not in url


def test_one_right_code_turns_it_on_and_gives_ten_recovery_codes(
    account: LearnerAccount,
) -> None:
    codes = turned_on(account)

    assert has_second_factor(account)
    assert len(codes) == RECOVERY_CODES == len(set(codes))
    assert recovery_codes_left(account) == RECOVERY_CODES
    stored = set(LearnerRecoveryCode.objects.values_list("code_hash", flat=True))
    assert not any(code.replace("-", "") in stored for code in codes)  # only hashes kept
    event = AuditEvent.objects.get(action=AuditAction.LEARNER_SECOND_FACTOR_ON)
    assert event.learner_id == account.learner_id
    assert event.user_id is None
    assert event.details == {"account_id": account.pk, "ip": "192.0.2.9"}


def test_a_wrong_code_does_not_turn_it_on_and_is_a_security_event(
    account: LearnerAccount,
) -> None:
    start_enrolment(account=account)
    wrong = "000000" if app_code(account) != "000000" else "111111"

    with pytest.raises(SecondFactorRefused):
        confirm_enrolment(account=account, code=wrong)

    assert not has_second_factor(account)
    assert actions(account) == [AuditAction.LEARNER_SECOND_FACTOR_FAILED]
    assert AuditAction.LEARNER_SECOND_FACTOR_FAILED in SECURITY_EVENTS


def test_it_cannot_be_turned_on_twice(account: LearnerAccount) -> None:
    turned_on(account)

    with pytest.raises(ValidationFailed):
        start_enrolment(account=account)


def test_the_app_code_signs_in_once_only(account: LearnerAccount) -> None:
    turned_on(account)
    code = app_code(account)

    assert verify_sign_in_code(account=account, code=code, ip="192.0.2.9") is False
    with pytest.raises(SecondFactorRefused):
        verify_sign_in_code(account=account, code=code)  # replayed

    assert actions(account)[-2:] == [
        AuditAction.LEARNER_SECOND_FACTOR_VERIFIED,
        AuditAction.LEARNER_SECOND_FACTOR_FAILED,
    ]


def test_a_code_from_the_next_step_is_accepted_for_a_clock_a_little_out(
    account: LearnerAccount,
) -> None:
    turned_on(account)

    assert verify_sign_in_code(account=account, code=app_code(account, steps_ahead=1)) is False


def test_a_code_two_minutes_ahead_is_refused(account: LearnerAccount) -> None:
    turned_on(account)

    with pytest.raises(SecondFactorRefused):
        verify_sign_in_code(account=account, code=app_code(account, steps_ahead=4))


def test_a_recovery_code_signs_in_once_and_is_used_up(account: LearnerAccount) -> None:
    codes = turned_on(account)

    assert verify_sign_in_code(account=account, code=codes[0].upper()) is True
    assert recovery_codes_left(account) == RECOVERY_CODES - 1
    with pytest.raises(SecondFactorRefused):
        verify_sign_in_code(account=account, code=codes[0])
    event = AuditEvent.objects.filter(action=AuditAction.LEARNER_SECOND_FACTOR_VERIFIED).last()
    assert event is not None
    assert event.details["recovery_code"] is True


def test_another_accounts_recovery_code_is_refused(
    account: LearnerAccount, other_account: LearnerAccount
) -> None:
    mine = turned_on(account)
    turned_on(other_account)

    with pytest.raises(SecondFactorRefused):
        verify_sign_in_code(account=other_account, code=mine[0])


def test_wrong_codes_make_the_next_try_wait_longer(
    account: LearnerAccount, settings: Settings
) -> None:
    turned_on(account)
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    for _ in range(3):
        device = LearnerSecondFactor.objects.get(account=account)
        device.failure_at = timezone.now() - datetime.timedelta(hours=2)  # the wait is over
        device.save()
        with pytest.raises(SecondFactorRefused):
            verify_sign_in_code(account=account, code="badcode")

    # Even the right code waits now (4 s after the third wrong one), and the wait is not
    # counted as another wrong code.
    with pytest.raises(SecondFactorWait) as waiting:
        verify_sign_in_code(account=account, code=app_code(account))
    assert "Wait" in str(waiting.value.field_errors["code"][0])
    device = LearnerSecondFactor.objects.get(account=account)
    assert device.failure_count == 3

    device.failure_at = timezone.now() - datetime.timedelta(seconds=5)
    device.save()
    verify_sign_in_code(account=account, code=app_code(account))
    assert LearnerSecondFactor.objects.get(account=account).failure_count == 0


def test_refused_codes_count_towards_the_hourly_limit_per_address(
    account: LearnerAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_LEARNER_ATTEMPTS_PER_IP_HOUR", "3")
    turned_on(account)
    for _ in range(3):
        with pytest.raises(SecondFactorRefused):
            verify_sign_in_code(account=account, code="badcode", ip="198.51.100.4")

    with pytest.raises(RateLimited):
        verify_sign_in_code(account=account, code=app_code(account), ip="198.51.100.4")
    verify_sign_in_code(account=account, code=app_code(account), ip="198.51.100.5")


def test_turning_it_off_needs_a_fresh_code(account: LearnerAccount) -> None:
    codes = turned_on(account)

    with pytest.raises(SecondFactorRefused):
        turn_off(account=account, code="badcode")
    assert has_second_factor(account)

    turn_off(account=account, code=app_code(account), ip="192.0.2.9")

    assert not has_second_factor(account)
    assert not LearnerSecondFactor.objects.filter(account=account).exists()
    assert recovery_codes_left(account) == 0
    assert actions(account)[-1] == AuditAction.LEARNER_SECOND_FACTOR_OFF
    assert AuditAction.LEARNER_SECOND_FACTOR_OFF in SECURITY_EVENTS
    with pytest.raises(ValidationFailed):
        verify_sign_in_code(account=account, code=codes[1])


def test_a_recovery_code_can_turn_it_off(account: LearnerAccount) -> None:
    codes = turned_on(account)

    turn_off(account=account, code=codes[3])

    assert not has_second_factor(account)


def test_it_can_be_turned_on_again_with_a_new_key(account: LearnerAccount) -> None:
    first = start_enrolment(account=account)
    confirm_enrolment(account=account, code=app_code(account))
    turn_off(account=account, code=app_code(account))

    second = start_enrolment(account=account)

    assert second.secret != first.secret


def test_new_recovery_codes_replace_the_old_ones(account: LearnerAccount) -> None:
    old = turned_on(account)

    new = new_recovery_codes(account=account, code=app_code(account))

    assert set(new).isdisjoint(old)
    with pytest.raises(SecondFactorRefused):
        verify_sign_in_code(account=account, code=old[0])
    assert verify_sign_in_code(account=account, code=new[0]) is True
    assert AuditEvent.objects.filter(action=AuditAction.LEARNER_RECOVERY_CODES_REPLACED).exists()


def test_without_a_second_factor_no_code_is_checked(account: LearnerAccount) -> None:
    with pytest.raises(ValidationFailed):
        verify_sign_in_code(account=account, code="123456")
    with pytest.raises(ValidationFailed):
        turn_off(account=account, code="123456")
