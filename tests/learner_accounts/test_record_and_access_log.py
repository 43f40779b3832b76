"""The learner's own record (sensitive events too, which organisations never see) and the
access log: every organisation read of the learner appears, by organisation, never the user."""

from __future__ import annotations

import datetime

import pytest
from pypdf import PdfReader

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.learner_accounts.models import LearnerAccount
from lrs.learner_accounts.reports import create_my_report
from lrs.learner_accounts.selectors import (
    NOT_IN_ACCESS_LOG,
    ORGANISATION_READS,
    SHARE_LINK_READS,
    access_log_entry,
    access_log_rows,
    my_event,
    my_events,
)
from lrs.learners.details import SearchDetails
from lrs.learners.selectors import get_learner, search_learners
from lrs.learners.services import update_learner
from lrs.learners.verify import VerifyRequest, verify_learner
from lrs.organisations.models import Organisation, User
from lrs.plr.credit_check import credit_check
from lrs.plr.reports import create_plr_report
from lrs.plr.selectors import get_learner_learning_events, get_learning_event
from tests.conftest import learner_details
from tests.plr.fixtures import GCSE_QN, found

pytestmark = pytest.mark.django_db(transaction=True)

# Audited actions that never name a learner (organisation, user, batch, catalogue, token work).
NEVER_ABOUT_A_LEARNER = frozenset(
    {
        AuditAction.LEARNER_SEARCHED,
        AuditAction.LEARNER_REGISTRATION_REFUSED,
        AuditAction.ORGANISATION_CREATED,
        AuditAction.ORGANISATION_VIEWED,
        AuditAction.USER_CREATED,
        AuditAction.USER_UPDATED,
        AuditAction.USER_SUSPENDED,
        AuditAction.USER_REACTIVATED,
        AuditAction.USER_DELETED,
        AuditAction.USER_PASSWORD_RESET,
        AuditAction.USER_IDENTITY_VERIFIED,
        AuditAction.USER_SIGNED_IN,
        AuditAction.USER_SIGNED_OUT,
        AuditAction.USER_SIGN_IN_FAILED,
        AuditAction.USER_LOCKED_OUT,
        AuditAction.USER_PASSWORD_CHANGED,
        AuditAction.USER_PASSWORD_RESET_BY_SECRET,
        AuditAction.USER_SECRET_QUESTION_SET,
        AuditAction.USER_AGREEMENT_ACCEPTED,
        AuditAction.USERS_SEARCHED,
        AuditAction.SUPER_USER_REPLACED,
        AuditAction.BATCH_SUBMITTED,
        AuditAction.BATCH_OUTPUT_DOWNLOADED,
        AuditAction.QUALIFICATIONS_IMPORTED,
        AuditAction.AWARDING_BODY_LINKED,
        AuditAction.TOKEN_ISSUED,
        AuditAction.TOKEN_REVOKED,
        AuditAction.LEARNER_EMAIL_CODE_REFUSED,
        AuditAction.LEARNER_SIGN_UP_LIMITED,
        AuditAction.WEB_SERVICE_SIGN_IN_FAILED,
        AuditAction.WEB_SERVICE_LOCKED,
        AuditAction.WEB_SERVICE_PASSWORD_SET,
        # Account security (issue 19 items 8, 12-14): about users and tokens, never a learner.
        AuditAction.PERMISSION_REFUSED,
        AuditAction.SEARCH_CAP_REPEATED,
        AuditAction.TOKEN_ROTATED,
        AuditAction.TOKEN_USED_FROM_NEW_ADDRESS,
        AuditAction.USER_PASSWORD_RESET_PAUSED,
        AuditAction.USER_RECOVERY_CODES_REPLACED,
        AuditAction.USER_SECOND_FACTOR_ENROLLED,
        AuditAction.USER_SECOND_FACTOR_FAILED,
        AuditAction.USER_SECOND_FACTOR_RESET,
        AuditAction.USER_SECOND_FACTOR_VERIFIED,
        AuditAction.USER_SECRET_ANSWER_WRONG,
        AuditAction.USER_SIGN_IN_UNKNOWN,
    }
)


def test_every_audited_action_is_placed_in_or_out_of_the_access_log() -> None:
    placed = set(ORGANISATION_READS) | set(SHARE_LINK_READS) | NOT_IN_ACCESS_LOG
    unplaced = {str(action) for action in AuditAction} - placed - NEVER_ABOUT_A_LEARNER
    assert unplaced == set(), "add the new action to the access log, or say why it is not there"
    assert not placed & NEVER_ABOUT_A_LEARNER


def test_the_learner_sees_every_event_sensitive_ones_too(
    account: LearnerAccount, plr_actor: Actor
) -> None:
    mine = list(my_events(account.learner, sort="award", descending=False))
    assert len(mine) == 3
    assert [event.sensitive for event in mine].count(True) == 1
    assert any(event.under_challenge for event in mine)
    theirs = get_learner_learning_events(
        uln=found(account.learner, plr_actor).uln, actor=plr_actor
    ).events
    assert theirs.count() == 2
    assert not theirs.filter(sensitive=True).exists()
    sensitive = next(event for event in mine if event.sensitive)
    assert my_event(account.learner, sensitive.pk) == sensitive


def test_the_learner_sees_no_one_elses_events(
    account: LearnerAccount, register: object, ao_actor: Actor
) -> None:
    from lrs.plr.services import submit_achievements
    from tests.plr.fixtures import row

    other = register(given_name="Rhodri", family_name="Evans", gender="1")  # type: ignore[operator]
    submit_achievements(actor=ao_actor, rows=[row(other, source_record_id="O1")])
    from lrs.plr.models import LearningEvent

    theirs = LearningEvent.objects.get(source_record_id="O1")
    assert my_event(account.learner, theirs.pk) is None
    assert theirs not in list(my_events(account.learner))


def test_my_pdf_has_every_event_by_default(account: LearnerAccount) -> None:
    import io

    report = create_my_report(account=account, event_ids=None, language="en")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(report.content)).pages)
    assert report.event_count == 3
    assert account.learner.uln in text
    assert "by the learner" in text
    welsh = create_my_report(account=account, event_ids=None, language="cy")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(welsh.content)).pages)
    assert "gan y dysgwr" in text


def test_every_organisation_read_appears_in_the_access_log(
    account: LearnerAccount,
    plr_actor: Actor,
    ao_actor: Actor,
    registrar: Actor,
    college: Organisation,
    make_user: object,
) -> None:
    learner = account.learner
    verifier = Actor(user=make_user(college, ["vld"]), channel=Channel.API)  # type: ignore[operator]
    found(learner, plr_actor)  # found_by_uln
    get_learner_learning_events(uln=learner.uln, actor=plr_actor)  # plr.viewed
    event = get_learner_learning_events(uln=learner.uln, actor=plr_actor).events.first()
    assert event is not None
    get_learning_event(uln=learner.uln, event_id=event.pk, actor=plr_actor)
    create_plr_report(uln=learner.uln, actor=plr_actor, event_ids=None)
    credit_check(
        actor=ao_actor,
        uln=learner.uln,
        given_name=learner.given_name,
        family_name=learner.family_name,
        date_of_birth=learner.date_of_birth,
        reference=GCSE_QN,
    )
    verify_learner(
        actor=verifier,
        request=VerifyRequest(
            uln=learner.uln,
            given_name=learner.given_name,
            family_name=learner.family_name,
            date_of_birth=learner.date_of_birth,
            gender=learner.gender,
        ),
    )
    get_learner(uln=learner.uln, actor=registrar)
    search_learners(details=SearchDetails.from_learner_details(learner_details()), actor=registrar)
    learner.refresh_from_db()
    update_learner(
        uln=learner.uln,
        changes={"last_known_postcode": "CF11 9LJ"},
        version_number=learner.version_number,
        actor=registrar,
    )
    rows = list(access_log_rows(learner))
    actions = {row.action for row in rows}
    assert {
        AuditAction.LEARNER_REGISTERED,
        AuditAction.LEARNER_FOUND_BY_ULN,
        AuditAction.PLR_VIEWED,
        AuditAction.PLR_EVENT_VIEWED,
        AuditAction.PLR_REPORT_CREATED,
        AuditAction.CREDIT_CHECKED,
        AuditAction.LEARNER_VERIFIED,
        AuditAction.LEARNER_VIEWED,
        AuditAction.LEARNER_SEARCHED_RESULT,
        AuditAction.LEARNER_UPDATED,
    } <= actions
    # Newest first; the learner's own doings are not there.
    assert [row.occurred_at for row in rows] == sorted(
        (row.occurred_at for row in rows), reverse=True
    )
    assert not actions & NOT_IN_ACCESS_LOG
    entries = [access_log_entry(row) for row in rows]
    usernames = set(User.objects.values_list("username", flat=True))
    names = set(User.objects.values_list("first_name", flat=True)) - {""}
    for entry in entries:
        assert entry.who in {"Riverside College", "Example Awarding Body", "LRS Service Desk"}
        assert entry.who not in usernames | names
        assert entry.what


def test_the_access_log_is_the_masters_with_its_linked_ulns(account: LearnerAccount) -> None:
    assert access_log_rows(account.learner).filter(learner_id=account.learner.pk).exists()


def test_the_access_log_entry_never_names_the_user(
    account: LearnerAccount, plr_actor: Actor
) -> None:
    get_learner_learning_events(uln=found(account.learner, plr_actor).uln, actor=plr_actor)
    row = access_log_rows(account.learner).first()
    assert row is not None
    entry = access_log_entry(row)
    assert plr_actor.user.username not in repr(entry)
    assert entry.when.date() == datetime.date.today() or entry.when
