"""The security event log (issue 19 item 14): each kind of event is recorded, and the service
desk (only) sees them on its page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction, record_audit
from lrs.core.models import AuditEvent
from lrs.core.security import list_security_events, search_cap_alert_threshold
from lrs.learners.matching_adapter import SearchOutcome
from lrs.learners.selectors import record_searches
from lrs.matching import MatchKind
from lrs.organisations.models import SERVICE_DESK_UKPRN, Organisation, User
from lrs.organisations.second_factor import enrol_on_behalf, verify_second_factor
from lrs.organisations.selectors import find_organisation_by_ukprn
from lrs.organisations.services import (
    authenticate_api_token,
    authenticate_web_service,
    issue_api_token,
)
from lrs.organisations.signin import (
    MAX_FAILED_SIGN_INS,
    MAX_WRONG_SECRET_ANSWERS,
    ForgottenPasswordRefused,
    reset_forgotten_password,
    sign_in,
)
from tests.conftest import ApiClient, make_ready

pytestmark = pytest.mark.django_db
SignIn = Callable[[User], Client]


@pytest.fixture
def online(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_ready(make_user(college, ["online"]))


@pytest.fixture
def operator(make_user: Callable[..., User]) -> User:
    desk = find_organisation_by_ukprn(SERVICE_DESK_UKPRN)
    assert desk is not None
    return make_user(desk, ["operator"])


def events(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


def page_of(client: Client, kind: str = "") -> str:
    response = client.get("/service-desk/security/", {"kind": kind} if kind else {})
    assert response.status_code == 200
    return response.content.decode()


def test_sign_in_failures_are_security_events(
    online: User, operator: User, signed_in: SignIn
) -> None:
    sign_in(username=online.username, password="Wrong-pass-1")

    assert len(events(AuditAction.USER_SIGN_IN_FAILED)) == 1
    page = page_of(signed_in(operator), AuditAction.USER_SIGN_IN_FAILED)
    assert "Wrong password" in page
    assert online.username in page


def test_lockouts_are_security_events(online: User, operator: User, signed_in: SignIn) -> None:
    for _ in range(MAX_FAILED_SIGN_INS):
        sign_in(username=online.username, password="Wrong-pass-1")

    assert len(events(AuditAction.USER_LOCKED_OUT)) == 1
    assert "Account suspended after wrong passwords" in page_of(
        signed_in(operator), AuditAction.USER_LOCKED_OUT
    )


def test_wrong_secret_answers_and_paused_resets_are_security_events(online: User) -> None:
    for _ in range(MAX_WRONG_SECRET_ANSWERS):
        with pytest.raises(ForgottenPasswordRefused):
            reset_forgotten_password(
                username=online.username, answer="Tiddles", new_password="Newer-pass-3"
            )

    assert len(events(AuditAction.USER_SECRET_ANSWER_WRONG)) == MAX_WRONG_SECRET_ANSWERS
    assert len(events(AuditAction.USER_PASSWORD_RESET_PAUSED)) == 1


def test_wrong_second_factor_codes_are_security_events(online: User, system_actor: Actor) -> None:
    enrol_on_behalf(actor=system_actor, user=online)

    assert verify_second_factor(user=online, code="999999") is None

    assert len(events(AuditAction.USER_SECOND_FACTOR_FAILED)) == 1


def test_a_token_used_from_a_new_address_is_a_security_event(
    online: User, operator: User, signed_in: SignIn
) -> None:
    issued = issue_api_token(actor=Actor(user=online, channel=Channel.PORTAL), user=online)
    authenticate_api_token(issued.raw, address="192.0.2.1")  # its first address: expected
    authenticate_api_token(issued.raw, address="192.0.2.1")
    assert events(AuditAction.TOKEN_USED_FROM_NEW_ADDRESS) == []

    authenticate_api_token(issued.raw, address="203.0.113.9")

    [event] = events(AuditAction.TOKEN_USED_FROM_NEW_ADDRESS)
    assert event.details["address"] == "203.0.113.9"
    assert event.details["known_addresses"] == ["192.0.2.1"]
    page = page_of(signed_in(operator), AuditAction.TOKEN_USED_FROM_NEW_ADDRESS)
    assert "203.0.113.9" in page


def test_a_portal_permission_refusal_is_a_security_event(
    college: Organisation, make_user: Callable[..., User], signed_in: SignIn
) -> None:
    viewer = make_user(college, ["view"])

    assert signed_in(viewer).get("/learners/register/").status_code == 403

    [event] = events(AuditAction.PERMISSION_REFUSED)
    assert event.username == viewer.username
    assert "/learners/register/" in event.details["what"]


def test_an_api_permission_refusal_is_a_security_event(
    api_as: Callable[..., ApiClient], college: Organisation
) -> None:
    api = api_as(college, ["view"])  # batch files need the batch role

    assert api.get("/api/v1/batches").status_code == 403

    [event] = events(AuditAction.PERMISSION_REFUSED)
    assert event.channel == Channel.API
    assert event.details["what"] == "GET /api/v1/batches"


def test_searches_that_keep_hitting_the_result_limit_are_a_security_event(
    online: User, operator: User, signed_in: SignIn
) -> None:
    actor = Actor(user=online, channel=Channel.PORTAL)
    too_many = SearchOutcome(kind=MatchKind.TOO_MANY, matches=(), considered=40)
    none = SearchOutcome(kind=MatchKind.NONE, matches=(), considered=0)
    for _ in range(search_cap_alert_threshold() - 1):
        record_searches(actor=actor, results=[too_many, none])
    assert events(AuditAction.SEARCH_CAP_REPEATED) == []

    record_searches(actor=actor, results=[too_many])
    record_searches(actor=actor, results=[too_many])  # one signal an hour per user

    [event] = events(AuditAction.SEARCH_CAP_REPEATED)
    assert event.details["capped_searches"] == search_cap_alert_threshold()
    assert "Searches repeatedly hit the result limit" in page_of(signed_in(operator))


def test_batch_file_searches_are_not_a_data_mining_signal(online: User) -> None:
    actor = Actor(user=online, channel=Channel.BATCH)
    too_many = SearchOutcome(kind=MatchKind.TOO_MANY, matches=(), considered=40)
    for _ in range(search_cap_alert_threshold() + 1):
        record_searches(actor=actor, results=[too_many])

    assert events(AuditAction.SEARCH_CAP_REPEATED) == []


def test_only_the_service_desk_sees_the_security_events(
    online: User, college: Organisation, make_user: Callable[..., User], signed_in: SignIn
) -> None:
    super_user = make_user(college, ["super"])
    record_audit(
        actor=Actor(user=online, channel=Channel.PORTAL), action=AuditAction.USER_SIGN_IN_FAILED
    )

    assert signed_in(super_user).get("/service-desk/security/").status_code == 403
    assert signed_in(online).get("/service-desk/security/").status_code == 403


def test_the_list_is_newest_first_and_filters_by_kind(online: User, system_actor: Actor) -> None:
    actor = Actor(user=online, channel=Channel.PORTAL)
    record_audit(actor=actor, action=AuditAction.USER_SIGN_IN_FAILED)
    record_audit(actor=actor, action=AuditAction.USER_LOCKED_OUT)
    record_audit(actor=actor, action=AuditAction.USER_SIGNED_IN)  # not a security event

    listed = [e.action for e in list_security_events(actor=system_actor)]
    assert listed == [AuditAction.USER_LOCKED_OUT, AuditAction.USER_SIGN_IN_FAILED]
    only = list_security_events(actor=system_actor, kind=AuditAction.USER_SIGN_IN_FAILED)
    assert [e.action for e in only] == [AuditAction.USER_SIGN_IN_FAILED]


def test_the_page_in_welsh(operator: User, signed_in: SignIn) -> None:
    client = signed_in(operator)
    client.cookies["lrs_language"] = "cy"

    assert "Digwyddiadau diogelwch" in page_of(client)


def test_wrong_web_service_passwords_are_security_events(
    college: Organisation, online: User, operator: User, signed_in: SignIn
) -> None:
    authenticate_web_service(
        ukprn=college.ukprn, password="not-the-password", username=online.username
    )

    assert events(AuditAction.WEB_SERVICE_SIGN_IN_FAILED)
    assert "Wrong web-service password" in page_of(
        signed_in(operator), AuditAction.WEB_SERVICE_SIGN_IN_FAILED
    )
