"""Creating a learner account: email code, identity proof (find-by-ULN's tolerance, no more),
no existence leak, limits, audit; signing in; forgotten password by email code."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from lrs.core.audit import AuditAction
from lrs.core.errors import ValidationFailed
from lrs.core.models import AuditEvent
from lrs.learner_accounts.errors import (
    AccountExists,
    AccountLocked,
    CodeRefused,
    IdentityNotConfirmed,
    RateLimited,
    SignInRefused,
)
from lrs.learner_accounts.models import LearnerAccount
from lrs.learner_accounts.services import (
    MAX_FAILED_SIGN_INS,
    confirm_sign_up_code,
    create_account,
    prove_identity,
    reset_password,
    send_password_reset_code,
    send_sign_up_code,
    sign_in,
)
from lrs.learners.models import Learner
from tests.learner_accounts.fixtures import EMAIL, PASSWORD, claim_for, last_code, sign_up

pytestmark = pytest.mark.django_db(transaction=True)

UNKNOWN_ULN = "9999999999"  # valid check digit? computed below


def _valid_unknown_uln(taken: str) -> str:
    from lrs.identifiers import IdentifierError, validate_uln

    for number in range(1000000000, 1000001000):
        candidate = str(number)
        try:
            validate_uln(candidate)
        except IdentifierError:
            continue
        if candidate != taken:
            return candidate
    raise AssertionError


def test_an_account_is_made_by_code_identity_and_password(megan: Learner) -> None:
    account = sign_up(megan)
    assert account.learner == megan
    assert account.email == EMAIL
    assert account.password != PASSWORD
    assert sign_in(email="Megan@Example.org ", password=PASSWORD).pk == account.pk
    actions = set(AuditEvent.objects.filter(channel="learner").values_list("action", flat=True))
    assert {
        AuditAction.LEARNER_EMAIL_CODE_SENT,
        AuditAction.LEARNER_ACCOUNT_CREATED,
        AuditAction.LEARNER_SIGNED_IN,
    } <= actions


def test_the_code_is_sent_through_djangos_email_and_only_its_hash_is_kept(megan: Learner) -> None:
    send_sign_up_code(email=EMAIL)
    code = last_code()
    assert mail.outbox[-1].to == [EMAIL]
    from lrs.learner_accounts.models import EmailCode

    assert code not in EmailCode.objects.get().code_hash


def test_a_wrong_code_is_refused_and_five_wrong_codes_use_it_up(megan: Learner) -> None:
    send_sign_up_code(email=EMAIL)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(5):
        with pytest.raises(CodeRefused):
            confirm_sign_up_code(email=EMAIL, code=wrong)
    with pytest.raises(CodeRefused):
        confirm_sign_up_code(email=EMAIL, code=code)


def test_an_expired_code_is_refused(megan: Learner) -> None:
    from lrs.learner_accounts.models import EmailCode

    send_sign_up_code(email=EMAIL)
    EmailCode.objects.update(expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    with pytest.raises(CodeRefused):
        confirm_sign_up_code(email=EMAIL, code=last_code())


@pytest.mark.parametrize(
    "overrides",
    [
        {"given_name": "Meg"},  # a known variant of Megan
        {"given_name": "MEGAN", "family_name": "pritchard"},  # case
        {"given_name": "Mégan"},  # accents never count
    ],
)
def test_names_are_accepted_as_find_by_uln_accepts_them(
    megan: Learner, overrides: dict[str, str]
) -> None:
    assert prove_identity(email=EMAIL, claim=claim_for(megan, **overrides)) == megan


def test_a_previous_family_name_is_accepted(register: object) -> None:
    learner = register(previous_family_name="Jones")  # type: ignore[operator]
    assert prove_identity(email=EMAIL, claim=claim_for(learner, family_name="Jones")) == learner


@pytest.mark.parametrize(
    "overrides",
    [
        {"given_name": "Mair"},
        {"family_name": "Price"},
        {"date_of_birth": datetime.date(2009, 12, 4)},  # day and month swapped: not the date
        {"date_of_birth": datetime.date(2009, 4, 13)},
        {"uln": "123"},
    ],
)
def test_other_details_are_refused(megan: Learner, overrides: dict[str, object]) -> None:
    with pytest.raises(IdentityNotConfirmed):
        prove_identity(email=EMAIL, claim=claim_for(megan, **overrides))


def test_an_unknown_uln_gets_the_same_answer_and_trace_as_wrong_details(megan: Learner) -> None:
    unknown = _valid_unknown_uln(megan.uln)
    answers = []
    for claim in (
        claim_for(megan, uln=unknown),
        claim_for(megan, date_of_birth=datetime.date(2000, 1, 1)),
    ):
        with pytest.raises(IdentityNotConfirmed) as refused:
            prove_identity(email=EMAIL, claim=claim)
        answers.append((refused.value.message, refused.value.code, refused.value.field_errors))
    assert answers[0] == answers[1]
    rows = list(
        AuditEvent.objects.filter(action=AuditAction.LEARNER_SIGN_UP_REFUSED).order_by("id")
    )
    assert [row.learner_id for row in rows] == [None, None]
    assert [sorted(row.details) for row in rows] == [["email", "ip", "uln"]] * 2


def test_the_email_step_does_not_reveal_who_has_an_account(megan: Learner) -> None:
    sign_up(megan)
    mail.outbox.clear()
    assert send_sign_up_code(email=EMAIL) == EMAIL  # the same answer as for a new address
    assert "already has one" in str(mail.outbox[-1].body)
    assert send_sign_up_code(email="someone@example.org") == "someone@example.org"
    assert "Your code is" in str(mail.outbox[-1].body)


def test_one_account_per_learner(megan: Learner) -> None:
    sign_up(megan)
    with pytest.raises(AccountExists):
        prove_identity(email="other@example.org", claim=claim_for(megan))
    with pytest.raises(AccountExists):
        create_account(email="other@example.org", learner=megan, password=PASSWORD)


@pytest.mark.parametrize("password", ["Short-1", "alllowercase", "ALLUPPER123", "lower123"])
def test_passwords_follow_the_organisation_users_rules(megan: Learner, password: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        create_account(email=EMAIL, learner=megan, password=password)
    assert "password" in refused.value.field_errors
    assert not LearnerAccount.objects.exists()


def test_refused_identity_proofs_are_limited_per_uln_whoever_tries(megan: Learner) -> None:
    for number in range(5):
        with pytest.raises(IdentityNotConfirmed):
            prove_identity(
                email=f"a{number}@example.org",
                claim=claim_for(megan, date_of_birth=datetime.date(2000, 1, number + 1)),
                ip=f"198.51.100.{number}",
            )
    # Even the right details are not checked now: the limit answers first.
    with pytest.raises(RateLimited):
        prove_identity(email="b@example.org", claim=claim_for(megan), ip="198.51.100.99")
    assert AuditEvent.objects.filter(action=AuditAction.LEARNER_SIGN_UP_LIMITED).count() == 1


def test_an_unknown_uln_is_limited_like_a_known_one(megan: Learner) -> None:
    unknown = _valid_unknown_uln(megan.uln)
    for number in range(5):
        with pytest.raises(IdentityNotConfirmed):
            prove_identity(email=f"a{number}@example.org", claim=claim_for(megan, uln=unknown))
    with pytest.raises(RateLimited):
        prove_identity(email="b@example.org", claim=claim_for(megan, uln=unknown))


def test_refused_identity_proofs_are_limited_per_email(megan: Learner) -> None:
    for day in range(1, 6):
        with pytest.raises(IdentityNotConfirmed):
            prove_identity(email=EMAIL, claim=claim_for(megan, uln=_valid_unknown_uln(str(day))))
    with pytest.raises(RateLimited):
        prove_identity(email=EMAIL, claim=claim_for(megan))


def test_codes_sent_to_one_address_are_limited(megan: Learner) -> None:
    for _attempt in range(5):
        send_sign_up_code(email=EMAIL)
    with pytest.raises(RateLimited):
        send_sign_up_code(email=EMAIL)
    assert len(mail.outbox) == 5


def test_attempts_from_one_ip_address_are_limited(
    megan: Learner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_LEARNER_ATTEMPTS_PER_IP_HOUR", "3")
    for number in range(3):
        send_sign_up_code(email=f"x{number}@example.org", ip="203.0.113.5")
    with pytest.raises(RateLimited):
        send_sign_up_code(email="y@example.org", ip="203.0.113.5")
    send_sign_up_code(email="y@example.org", ip="203.0.113.6")


def test_sign_in_does_not_say_which_of_email_or_password_is_wrong(megan: Learner) -> None:
    sign_up(megan)
    answers = []
    for email, password in ((EMAIL, "Wrong-pass-1"), ("nobody@example.org", PASSWORD)):
        with pytest.raises(SignInRefused) as refused:
            sign_in(email=email, password=password)
        answers.append(refused.value.message)
    assert answers[0] == answers[1]


def test_ten_wrong_passwords_lock_the_account_until_a_reset_by_email_code(megan: Learner) -> None:
    sign_up(megan)
    for _attempt in range(MAX_FAILED_SIGN_INS):
        with pytest.raises(SignInRefused):
            sign_in(email=EMAIL, password="Wrong-pass-1")
    with pytest.raises(AccountLocked):
        sign_in(email=EMAIL, password=PASSWORD)
    send_password_reset_code(email=EMAIL)
    reset_password(email=EMAIL, code=last_code(), new_password="Another-pass-8")
    assert sign_in(email=EMAIL, password="Another-pass-8").learner == megan
    assert AuditEvent.objects.filter(action=AuditAction.LEARNER_ACCOUNT_LOCKED).count() == 1


def test_a_reset_code_is_sent_only_to_an_account_but_the_answer_is_the_same(
    megan: Learner,
) -> None:
    sign_up(megan)
    mail.outbox.clear()
    assert send_password_reset_code(email="nobody@example.org") == "nobody@example.org"
    assert mail.outbox == []
    assert send_password_reset_code(email=EMAIL) == EMAIL
    assert len(mail.outbox) == 1


def test_a_reset_needs_the_right_code_and_a_good_password(megan: Learner) -> None:
    sign_up(megan)
    send_password_reset_code(email=EMAIL)
    code = last_code()
    with pytest.raises(ValidationFailed):
        reset_password(email=EMAIL, code=code, new_password="weak")
    with pytest.raises(CodeRefused):
        reset_password(email=EMAIL, code="12345x", new_password="Another-pass-8")
    reset_password(email=EMAIL, code=code, new_password="Another-pass-8")
    with pytest.raises(CodeRefused):  # used up
        reset_password(email=EMAIL, code=code, new_password="Third-pass-9")
