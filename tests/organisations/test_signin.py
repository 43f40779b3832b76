"""Sign-in rules (DESIGN 3.4, user guide 2.3): lockout, expiry, password rules, secret question."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.contrib.auth.hashers import check_password
from django.utils import timezone

from lrs.core.actor import Channel
from lrs.core.audit import AuditAction
from lrs.core.errors import ValidationFailed
from lrs.core.models import AuditEvent
from lrs.core.security import SECURITY_EVENTS, list_security_events
from lrs.organisations.models import (
    Organisation,
    OrganisationStatus,
    SecretQuestion,
    SuspensionReason,
    User,
)
from lrs.organisations.services import SYSTEM_USERNAME, service_desk_system_actor
from lrs.organisations.signin import (
    ATTEMPTED_USERNAME_LENGTH,
    MAX_FAILED_SIGN_INS,
    MAX_WRONG_SECRET_ANSWERS,
    PASSWORD_MAX_AGE,
    RESET_PAUSE,
    ForgottenPasswordRefused,
    PasswordChangeReason,
    PasswordResetPaused,
    SignInOutcome,
    accept_user_agreement,
    change_password,
    forgotten_password_question,
    needs_secret_question,
    password_change_reason,
    reset_forgotten_password,
    secret_answer_matches,
    set_secret_question,
    sign_in,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Secret-pass-1"  # what the `make_user` fixture gives every user
NEW_PASSWORD = "Fresh-Start-22"
ANSWER = "Mr Whiskers"


@pytest.fixture
def user(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(college, ["online"])


@pytest.fixture
def user_with_secret(user: User) -> User:
    set_secret_question(user=user, question=SecretQuestion.FIRST_PET, answer=ANSWER)
    return reload(user)


def reload(user: User) -> User:
    return User.objects.get(pk=user.pk)


def actions_of(user: User) -> list[str]:
    """The audit actions recorded for the user, oldest first."""
    return list(AuditEvent.objects.filter(user=user).values_list("action", flat=True))


def fail_sign_in(user: User, times: int) -> list[SignInOutcome]:
    return [sign_in(username=user.username, password="Wrong-pass-1").outcome for _ in range(times)]


def fail_answer(user: User, times: int) -> None:
    for _ in range(times):
        with pytest.raises(ForgottenPasswordRefused):
            reset_forgotten_password(
                username=user.username, answer="not my pet", new_password=NEW_PASSWORD
            )


def set_password_age(user: User, age: datetime.timedelta) -> User:
    """Pretend the user chose their password `age` ago (no clock freezing needed)."""
    User.objects.filter(pk=user.pk).update(
        must_change_password=False, password_changed_at=timezone.now() - age
    )
    return reload(user)


# --- sign_in ---------------------------------------------------------------------------------


def test_the_right_password_signs_in_and_is_audited(user: User) -> None:
    result = sign_in(username=user.username, password=PASSWORD)

    assert result.outcome is SignInOutcome.SIGNED_IN
    assert result.user == user
    assert reload(user).last_login is not None
    event = AuditEvent.objects.get(user=user, action=AuditAction.USER_SIGNED_IN)
    assert event.channel == Channel.PORTAL
    assert event.organisation_id == user.organisation_id
    assert event.username == user.username


@pytest.mark.parametrize("typed", [str.upper, str.title, lambda name: f"  {name}  "])
def test_the_username_is_case_insensitive_and_trimmed(
    user: User, typed: Callable[[str], str]
) -> None:
    result = sign_in(username=typed(user.username), password=PASSWORD)

    assert result.outcome is SignInOutcome.SIGNED_IN
    assert result.user == user


def test_an_unknown_username_gets_wrong_credentials_and_a_security_event(db: None) -> None:
    users_before = User.objects.count()

    result = sign_in(username="  nobody.here ", password=PASSWORD, address="192.0.2.7")

    assert result.outcome is SignInOutcome.WRONG_CREDENTIALS
    assert result.user is None
    event = AuditEvent.objects.get()
    assert event.action == AuditAction.USER_SIGN_IN_UNKNOWN
    assert event.username == "nobody.here"  # trimmed
    assert event.user_id is None
    assert event.organisation_id is None
    assert event.channel == Channel.PORTAL
    assert event.details == {"address": "192.0.2.7"}
    assert User.objects.count() == users_before  # nothing made for the name


def test_a_long_unknown_username_is_cut_to_a_usernames_length(db: None) -> None:
    sign_in(username="x" * 1000, password=PASSWORD)

    event = AuditEvent.objects.get(action=AuditAction.USER_SIGN_IN_UNKNOWN)
    assert event.username == "x" * ATTEMPTED_USERNAME_LENGTH
    assert event.details == {}


def test_an_unknown_username_is_a_security_event_the_service_desk_sees(db: None) -> None:
    sign_in(username="nobody.here", password=PASSWORD)

    operator = service_desk_system_actor(channel=Channel.CLI)
    kinds = [e.action for e in list_security_events(actor=operator)]
    assert kinds == [AuditAction.USER_SIGN_IN_UNKNOWN]
    assert AuditAction.USER_SIGN_IN_UNKNOWN in SECURITY_EVENTS


def test_a_known_username_with_a_wrong_password_is_not_an_unknown_username(user: User) -> None:
    sign_in(username=user.username, password="Wrong-pass-1")

    assert not AuditEvent.objects.filter(action=AuditAction.USER_SIGN_IN_UNKNOWN).exists()


def test_the_system_user_can_never_sign_in(db: None) -> None:
    service_desk_system_actor(channel=Channel.CLI)

    result = sign_in(username=SYSTEM_USERNAME, password="")

    assert result.outcome is SignInOutcome.WRONG_CREDENTIALS
    assert result.user is None


def test_the_password_is_case_sensitive(user: User) -> None:
    result = sign_in(username=user.username, password=PASSWORD.upper())

    assert result.outcome is SignInOutcome.WRONG_CREDENTIALS


def test_a_wrong_password_is_counted_and_audited(user: User) -> None:
    result = sign_in(username=user.username, password="Wrong-pass-1")

    assert result.outcome is SignInOutcome.WRONG_CREDENTIALS
    assert result.user is None
    assert reload(user).failed_sign_ins == 1
    event = AuditEvent.objects.get(user=user, action=AuditAction.USER_SIGN_IN_FAILED)
    assert event.details == {"failed_sign_ins": 1}


def test_nine_wrong_passwords_leave_the_account_active(user: User) -> None:
    outcomes = fail_sign_in(user, MAX_FAILED_SIGN_INS - 1)

    assert set(outcomes) == {SignInOutcome.WRONG_CREDENTIALS}
    user = reload(user)
    assert user.is_active
    assert user.failed_sign_ins == MAX_FAILED_SIGN_INS - 1


def test_the_tenth_wrong_password_suspends_the_account(user: User) -> None:
    assert MAX_FAILED_SIGN_INS == 10
    outcomes = fail_sign_in(user, 10)

    assert outcomes[-1] is SignInOutcome.JUST_SUSPENDED
    user = reload(user)
    assert not user.is_active
    assert user.suspension_reason == SuspensionReason.WRONG_PASSWORDS
    assert user.failed_sign_ins == 10
    assert actions_of(user) == [AuditAction.USER_SIGN_IN_FAILED] * 9 + [AuditAction.USER_LOCKED_OUT]


def test_a_locked_out_account_is_refused_even_with_the_right_password(user: User) -> None:
    fail_sign_in(user, 10)

    result = sign_in(username=user.username, password=PASSWORD)

    assert result.outcome is SignInOutcome.SUSPENDED
    assert result.user == user
    assert AuditAction.USER_SIGNED_IN not in actions_of(user)
    assert reload(user).failed_sign_ins == 10  # the right password doesn't unlock anything


def test_wrong_passwords_on_a_suspended_account_are_no_longer_counted(user: User) -> None:
    fail_sign_in(user, 10)

    assert fail_sign_in(user, 3) == [SignInOutcome.WRONG_CREDENTIALS] * 3
    assert reload(user).failed_sign_ins == 10
    assert actions_of(user).count(AuditAction.USER_LOCKED_OUT) == 1


def test_a_successful_sign_in_starts_the_count_again(user: User) -> None:
    fail_sign_in(user, 9)

    assert sign_in(username=user.username, password=PASSWORD).outcome is SignInOutcome.SIGNED_IN
    assert reload(user).failed_sign_ins == 0
    assert fail_sign_in(user, 9)[-1] is SignInOutcome.WRONG_CREDENTIALS
    assert reload(user).is_active


def test_a_manually_suspended_user_is_told_they_are_suspended(user: User) -> None:
    User.objects.filter(pk=user.pk).update(
        is_active=False, suspension_reason=SuspensionReason.BY_SUPER_USER
    )

    result = sign_in(username=user.username, password=PASSWORD)

    assert result.outcome is SignInOutcome.SUSPENDED


@pytest.mark.parametrize("status", [OrganisationStatus.SUSPENDED, OrganisationStatus.CLOSED])
def test_users_of_an_inactive_organisation_cannot_sign_in(
    user: User, college: Organisation, status: str
) -> None:
    college.status = status
    college.save()

    result = sign_in(username=user.username, password=PASSWORD)

    assert result.outcome is SignInOutcome.ORGANISATION_INACTIVE
    assert AuditAction.USER_SIGNED_IN not in actions_of(user)
    assert reload(user).last_login is None


# --- password_change_reason ------------------------------------------------------------------


def test_a_one_time_password_must_be_changed(user: User) -> None:
    assert user.must_change_password
    assert password_change_reason(user) is PasswordChangeReason.ONE_TIME


def test_a_one_time_password_takes_precedence_over_expiry(user: User) -> None:
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - datetime.timedelta(days=100)
    )

    assert password_change_reason(reload(user)) is PasswordChangeReason.ONE_TIME


def test_a_password_never_changed_counts_as_expired(user: User) -> None:
    User.objects.filter(pk=user.pk).update(must_change_password=False, password_changed_at=None)

    assert password_change_reason(reload(user)) is PasswordChangeReason.EXPIRED


@pytest.mark.parametrize(
    ("age", "reason"),
    [
        (datetime.timedelta(0), None),
        (datetime.timedelta(days=43), None),
        (datetime.timedelta(days=44) - datetime.timedelta(minutes=1), None),
        (datetime.timedelta(days=44), PasswordChangeReason.EXPIRED),
        (datetime.timedelta(days=45), PasswordChangeReason.EXPIRED),
        (datetime.timedelta(days=400), PasswordChangeReason.EXPIRED),
    ],
)
def test_passwords_expire_after_44_days(
    user: User, age: datetime.timedelta, reason: PasswordChangeReason | None
) -> None:
    assert datetime.timedelta(days=44) == PASSWORD_MAX_AGE
    assert password_change_reason(set_password_age(user, age)) is reason


def test_an_expired_password_still_signs_in_so_the_user_can_change_it(user: User) -> None:
    set_password_age(user, datetime.timedelta(days=50))

    result = sign_in(username=user.username, password=PASSWORD)

    assert result.outcome is SignInOutcome.SIGNED_IN
    assert result.user is not None
    assert password_change_reason(result.user) is PasswordChangeReason.EXPIRED


# --- change_password -------------------------------------------------------------------------


def test_changing_the_password_replaces_it_and_ends_the_one_time_state(user: User) -> None:
    before = timezone.now()

    change_password(user=user, current_password=PASSWORD, new_password=NEW_PASSWORD)

    user = reload(user)
    assert user.check_password(NEW_PASSWORD)
    assert not user.must_change_password
    assert user.password_changed_at is not None
    assert user.password_changed_at >= before
    assert password_change_reason(user) is None
    assert actions_of(user) == [AuditAction.USER_PASSWORD_CHANGED]
    assert sign_in(username=user.username, password=NEW_PASSWORD).outcome is (
        SignInOutcome.SIGNED_IN
    )
    assert sign_in(username=user.username, password=PASSWORD).outcome is (
        SignInOutcome.WRONG_CREDENTIALS
    )


def test_changing_an_expired_password_starts_a_new_44_days(user: User) -> None:
    user = set_password_age(user, datetime.timedelta(days=60))

    change_password(user=user, current_password=PASSWORD, new_password=NEW_PASSWORD)

    assert password_change_reason(reload(user)) is None


def test_changing_the_password_clears_the_wrong_password_count(user: User) -> None:
    fail_sign_in(user, 4)

    change_password(user=reload(user), current_password=PASSWORD, new_password=NEW_PASSWORD)

    assert reload(user).failed_sign_ins == 0


def test_the_current_password_must_be_right(user: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        change_password(user=user, current_password="Not-my-pass-1", new_password=NEW_PASSWORD)

    assert refused.value.field_errors == {
        "current_password": ["Your current password is not right."]
    }
    assert reload(user).check_password(PASSWORD)
    assert actions_of(user) == []


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Ab1-x", "at least 8 characters"),
        ("Short1!", "at least 8 characters"),
        ("alllowercaseletters", "at least three of"),
        ("ALLUPPERCASE1234", "at least three of"),
        ("lowercase12345", "at least three of"),
        ("!!!!----1234", "at least three of"),
    ],
)
def test_new_passwords_need_8_characters_from_3_classes(
    user: User, new_password: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        change_password(user=user, current_password=PASSWORD, new_password=new_password)

    assert list(refused.value.field_errors) == ["new_password"]
    assert any(message in text for text in refused.value.field_errors["new_password"])
    assert reload(user).check_password(PASSWORD)


def test_a_short_single_class_password_gets_both_messages(user: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        change_password(user=user, current_password=PASSWORD, new_password="abc")

    messages = " ".join(refused.value.field_errors["new_password"])
    assert "at least 8 characters" in messages
    assert "at least three of" in messages


@pytest.mark.parametrize(
    "new_password",
    ["lower-and-1", "UPPERlower1", "UPPER-lower", "UPPER-1234", "Aa1!Aa1!", "Ŵyn-Llŷr-2024"],
)
def test_passwords_with_3_of_the_4_classes_are_accepted(user: User, new_password: str) -> None:
    change_password(user=user, current_password=PASSWORD, new_password=new_password)

    assert reload(user).check_password(new_password)


def test_the_new_password_must_differ_from_the_old_one(user: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        change_password(user=user, current_password=PASSWORD, new_password=PASSWORD)

    assert refused.value.field_errors == {
        "new_password": ["Your new password must be different from your old one."]
    }
    assert reload(user).must_change_password


# --- secret question -------------------------------------------------------------------------


def test_setting_a_secret_question_stores_the_question_and_a_hash(user: User) -> None:
    assert needs_secret_question(user)

    set_secret_question(user=user, question=SecretQuestion.FIRST_SCHOOL, answer="  Ysgol  Y Graig ")

    user = reload(user)
    assert not needs_secret_question(user)
    assert user.secret_question == SecretQuestion.FIRST_SCHOOL
    assert check_password("ysgol y graig", user.secret_answer_hash)
    assert actions_of(user) == [AuditAction.USER_SECRET_QUESTION_SET]


def test_the_raw_answer_appears_nowhere_in_the_users_row_or_the_audit(user: User) -> None:
    set_secret_question(user=user, question=SecretQuestion.FIRST_PET, answer="Bartholomew")

    row = User.objects.filter(pk=user.pk).values().get()
    stored = " ".join(str(value) for value in row.values()).casefold()
    assert "bartholomew" not in stored
    audit = AuditEvent.objects.get(user=user)
    assert "bartholomew" not in f"{audit.details} {audit.changes}".casefold()


@pytest.mark.parametrize(
    "typed", ["Mr Whiskers", "mr whiskers", "MR WHISKERS", "  mR   wHISKERS  ", "Mr\tWhiskers"]
)
def test_secret_answers_ignore_case_and_spacing(user_with_secret: User, typed: str) -> None:
    assert secret_answer_matches(user_with_secret, typed)


@pytest.mark.parametrize("typed", ["Mr Whisker", "MrWhiskers", "Whiskers", ""])
def test_a_different_secret_answer_does_not_match(user_with_secret: User, typed: str) -> None:
    assert not secret_answer_matches(user_with_secret, typed)


def test_no_answer_matches_before_a_secret_question_is_set(user: User) -> None:
    assert not secret_answer_matches(user, "")
    assert not secret_answer_matches(user, ANSWER)


def test_the_secret_question_can_be_changed(user_with_secret: User) -> None:
    set_secret_question(user=user_with_secret, question=SecretQuestion.BIRTH_TOWN, answer="Bangor")

    user = reload(user_with_secret)
    assert user.secret_question == SecretQuestion.BIRTH_TOWN
    assert secret_answer_matches(user, "bangor")
    assert not secret_answer_matches(user, ANSWER)


def test_the_question_must_be_one_of_the_list(user: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        set_secret_question(user=user, question="What is your password?", answer=ANSWER)

    assert list(refused.value.field_errors) == ["question"]
    assert needs_secret_question(reload(user))


@pytest.mark.parametrize("answer", ["", "   ", "ab", "  ab  ", "\ta\n"])
def test_the_answer_needs_at_least_3_characters(user: User, answer: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        set_secret_question(user=user, question=SecretQuestion.FIRST_CAR, answer=answer)

    assert refused.value.field_errors == {
        "answer": ["Your answer must be at least 3 characters long."]
    }
    assert reload(user).secret_answer_hash == ""
    assert actions_of(user) == []


def test_a_bad_question_and_a_short_answer_are_reported_together(user: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        set_secret_question(user=user, question="", answer="x")

    assert set(refused.value.field_errors) == {"question", "answer"}


# --- forgotten_password_question -------------------------------------------------------------


def test_a_known_user_is_asked_their_own_question(user_with_secret: User) -> None:
    username = user_with_secret.username
    assert forgotten_password_question(username) == SecretQuestion.FIRST_PET
    assert forgotten_password_question(f" {username.upper()} ") == SecretQuestion.FIRST_PET


def test_an_unknown_username_gets_a_stable_decoy_question_from_the_list(db: None) -> None:
    question = forgotten_password_question("no.such.person")

    assert question in SecretQuestion.values
    assert forgotten_password_question("no.such.person") == question
    assert forgotten_password_question("  NO.Such.Person ") == question


def test_decoy_questions_vary_between_usernames(db: None) -> None:
    questions = {forgotten_password_question(f"ghost{n}") for n in range(40)}

    assert questions <= set(SecretQuestion.values)
    assert len(questions) > 1  # one fixed question would mark every unknown username


def test_a_user_without_a_secret_question_gets_a_decoy_question(user: User) -> None:
    assert forgotten_password_question(user.username) in SecretQuestion.values


# --- reset_forgotten_password ----------------------------------------------------------------


def test_the_right_answer_sets_a_new_password(user_with_secret: User) -> None:
    fail_sign_in(user_with_secret, 3)

    returned = reset_forgotten_password(
        username=user_with_secret.username.upper(), answer="MR whiskers", new_password=NEW_PASSWORD
    )

    user = reload(user_with_secret)
    assert returned == user
    assert user.check_password(NEW_PASSWORD)
    assert not user.must_change_password
    assert user.failed_sign_ins == 0
    assert password_change_reason(user) is None
    assert AuditAction.USER_PASSWORD_RESET_BY_SECRET in actions_of(user)
    assert sign_in(username=user.username, password=NEW_PASSWORD).outcome is (
        SignInOutcome.SIGNED_IN
    )


def test_a_wrong_answer_is_refused_and_never_counted_as_a_wrong_password(
    user_with_secret: User,
) -> None:
    with pytest.raises(ForgottenPasswordRefused) as refused:
        reset_forgotten_password(
            username=user_with_secret.username, answer="Tiddles", new_password=NEW_PASSWORD
        )

    assert list(refused.value.field_errors) == ["answer"]
    user = reload(user_with_secret)
    assert user.failed_sign_ins == 0
    assert user.wrong_secret_answers == 1
    assert user.check_password(PASSWORD)
    assert AuditAction.USER_SECRET_ANSWER_WRONG in actions_of(user)


def test_wrong_answers_never_suspend_the_account_but_pause_its_reset_route(
    user_with_secret: User,
) -> None:
    """Issue 19 item 8: anyone could suspend any account by giving wrong secret answers."""
    fail_answer(user_with_secret, 30)

    user = reload(user_with_secret)
    assert user.is_active
    assert user.suspension_reason == SuspensionReason.NONE
    assert user.failed_sign_ins == 0
    assert user.reset_paused_until is not None
    assert AuditAction.USER_LOCKED_OUT not in actions_of(user)
    assert AuditAction.USER_PASSWORD_RESET_PAUSED in actions_of(user)
    assert sign_in(username=user.username, password=PASSWORD).outcome is SignInOutcome.SIGNED_IN


def test_the_fifth_wrong_answer_pauses_the_route_even_for_the_right_answer(
    user_with_secret: User,
) -> None:
    fail_answer(user_with_secret, MAX_WRONG_SECRET_ANSWERS - 1)
    with pytest.raises(PasswordResetPaused):
        reset_forgotten_password(
            username=user_with_secret.username, answer="not my pet", new_password=NEW_PASSWORD
        )

    with pytest.raises(PasswordResetPaused) as paused:
        reset_forgotten_password(
            username=user_with_secret.username, answer=ANSWER, new_password=NEW_PASSWORD
        )

    assert "super user" in paused.value.message
    assert reload(user_with_secret).check_password(PASSWORD)


def test_answers_during_a_pause_are_not_counted(user_with_secret: User) -> None:
    fail_answer(user_with_secret, MAX_WRONG_SECRET_ANSWERS + 3)

    user = reload(user_with_secret)
    assert user.wrong_secret_answers == MAX_WRONG_SECRET_ANSWERS
    paused = [e for e in actions_of(user) if e == AuditAction.USER_PASSWORD_RESET_PAUSED]
    assert len(paused) == 1


def test_the_right_answer_works_again_once_the_pause_has_passed(user_with_secret: User) -> None:
    fail_answer(user_with_secret, MAX_WRONG_SECRET_ANSWERS)
    User.objects.filter(pk=user_with_secret.pk).update(
        reset_paused_until=timezone.now() - datetime.timedelta(seconds=1)
    )

    reset_forgotten_password(
        username=user_with_secret.username, answer=ANSWER, new_password=NEW_PASSWORD
    )

    user = reload(user_with_secret)
    assert user.check_password(NEW_PASSWORD)
    assert user.wrong_secret_answers == 0
    assert user.reset_paused_until is None


def test_the_pause_lasts_an_hour(user_with_secret: User) -> None:
    before = timezone.now()
    fail_answer(user_with_secret, MAX_WRONG_SECRET_ANSWERS)

    until = reload(user_with_secret).reset_paused_until
    assert until is not None
    assert before + RESET_PAUSE <= until <= timezone.now() + RESET_PAUSE


def test_wrong_passwords_keep_their_own_count(user_with_secret: User) -> None:
    fail_sign_in(user_with_secret, 9)
    fail_answer(user_with_secret, 3)

    user = reload(user_with_secret)
    assert user.is_active
    assert user.failed_sign_ins == 9
    assert fail_sign_in(user, 1) == [SignInOutcome.JUST_SUSPENDED]


def test_a_suspended_account_stays_suspended_even_with_the_right_answer(
    user_with_secret: User,
) -> None:
    fail_sign_in(user_with_secret, 10)

    with pytest.raises(ForgottenPasswordRefused) as refused:
        reset_forgotten_password(
            username=user_with_secret.username, answer=ANSWER, new_password=NEW_PASSWORD
        )

    assert "super user" in refused.value.message
    user = reload(user_with_secret)
    assert not user.is_active
    assert user.check_password(PASSWORD)
    assert AuditAction.USER_PASSWORD_RESET_BY_SECRET not in actions_of(user)


def test_an_unknown_username_is_refused_like_a_wrong_answer(user_with_secret: User) -> None:
    with pytest.raises(ForgottenPasswordRefused) as wrong_answer:
        reset_forgotten_password(
            username=user_with_secret.username, answer="Tiddles", new_password=NEW_PASSWORD
        )
    with pytest.raises(ForgottenPasswordRefused) as unknown:
        reset_forgotten_password(username="no.such.user", answer=ANSWER, new_password=NEW_PASSWORD)

    assert unknown.value.field_errors == wrong_answer.value.field_errors
    assert unknown.value.message == wrong_answer.value.message


def test_a_user_without_a_secret_question_cannot_reset_their_password(user: User) -> None:
    with pytest.raises(ForgottenPasswordRefused):
        reset_forgotten_password(username=user.username, answer="", new_password=NEW_PASSWORD)

    assert reload(user).check_password(PASSWORD)


@pytest.mark.parametrize("new_password", ["weak", "alllowercase", PASSWORD])
def test_the_new_password_follows_the_password_rules(
    user_with_secret: User, new_password: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        reset_forgotten_password(
            username=user_with_secret.username, answer=ANSWER, new_password=new_password
        )

    assert list(refused.value.field_errors) == ["new_password"]
    user = reload(user_with_secret)
    assert user.check_password(PASSWORD)
    assert user.failed_sign_ins == 0  # the answer was right


# --- accept_user_agreement -------------------------------------------------------------------


def test_every_acceptance_of_the_user_agreement_is_audited(user: User) -> None:
    accept_user_agreement(user=user)
    accept_user_agreement(user=user)

    events = AuditEvent.objects.filter(user=user, action=AuditAction.USER_AGREEMENT_ACCEPTED)
    assert events.count() == 2
    assert user.organisation is not None
    assert {event.organisation_name for event in events} == {user.organisation.name}
