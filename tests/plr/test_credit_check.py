"""Credit check: only that achievement or not found, audited, rate-limited per user."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from lrs.core.actor import Actor, Channel
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User
from lrs.plr.credit_check import FOUND, NOT_FOUND, CreditCheckResult, credit_check
from lrs.plr.errors import NotAnAwardingOrganisation, PlrNotShared, RateLimited
from lrs.plr.services import import_data_return, submit_achievements
from tests.plr.fixtures import DIPLOMA_QN, GCSE_QN, OTHER_AO_QN, UNIT_A, UNIT_B, row

pytestmark = pytest.mark.usefixtures("catalogue")


@pytest.fixture
def recorded(ao_actor: Actor, operator: Actor, megan: Learner) -> Learner:
    submit_achievements(
        actor=ao_actor,
        rows=[
            row(megan, source_record_id="G", grade="7"),
            row(
                megan,
                subject_code=UNIT_A,
                source_record_id="U1",
                grade="Pass",
                achievement_award_date=datetime.date(2024, 6, 1),
            ),
            row(megan, subject_code=UNIT_B, source_record_id="U2", sensitive=True),
        ],
    )
    import_data_return(
        actor=operator,
        source="NPD",
        submitter_ukprn="NPD",
        rows=[row(megan, subject_code=OTHER_AO_QN, source_record_id="N1", grade="B")],
    )
    return megan


def _check(
    actor: Actor, learner: Learner, reference: str, **overrides: object
) -> CreditCheckResult:
    values: dict[str, object] = {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth": learner.date_of_birth,
        "reference": reference,
    }
    values.update(overrides)
    return credit_check(actor=actor, **values)  # type: ignore[arg-type]


def test_returns_only_that_achievement(ao_actor: Actor, recorded: Learner) -> None:
    result = _check(ao_actor, recorded, UNIT_A)

    assert result.outcome == FOUND
    assert [(i.reference, i.title, i.grade, i.credit, i.level) for i in result.achievements] == [
        (UNIT_A, "Invented unit: Health and safety", "Pass", 10, "3")
    ]
    assert result.achievements[0].achieved_on == datetime.date(2024, 6, 1)
    assert result.achievements[0].awarding_organisation == "Example Awarding Body"


def test_any_source_counts_and_the_qn_may_be_compact(ao_actor: Actor, recorded: Learner) -> None:
    result = _check(ao_actor, recorded, OTHER_AO_QN.replace("/", ""))

    assert result.outcome == FOUND
    assert [i.grade for i in result.achievements] == ["B"]


def test_an_achievement_not_held_is_not_found(ao_actor: Actor, recorded: Learner) -> None:
    assert _check(ao_actor, recorded, DIPLOMA_QN).outcome == NOT_FOUND


def test_a_sensitive_achievement_is_not_found(ao_actor: Actor, recorded: Learner) -> None:
    assert _check(ao_actor, recorded, UNIT_B).outcome == NOT_FOUND


@pytest.mark.parametrize(
    "overrides",
    [
        {"uln": "1000000043"},
        {"uln": "12345"},
        {"given_name": "Bethan"},
        {"date_of_birth": datetime.date(2009, 4, 13)},
    ],
)
def test_wrong_details_are_not_found_whatever_is_held(
    ao_actor: Actor, recorded: Learner, overrides: dict[str, object]
) -> None:
    result = _check(ao_actor, recorded, GCSE_QN, **overrides)

    assert result.outcome == NOT_FOUND
    assert result.achievements == []
    audit = AuditEvent.objects.get(action="plr.credit_checked")
    assert audit.learner_id is None


def test_the_reference_is_mandatory(ao_actor: Actor, recorded: Learner) -> None:
    for reference in ("", "all", "%"):
        with pytest.raises(ValidationFailed):
            _check(ao_actor, recorded, reference)
    assert not AuditEvent.objects.filter(action="plr.credit_checked").exists()


def test_a_learner_who_has_not_agreed_to_share(ao_actor: Actor, recorded: Learner) -> None:
    Learner.objects.filter(pk=recorded.pk).update(ability_to_share="0")

    with pytest.raises(PlrNotShared):
        _check(ao_actor, recorded, GCSE_QN)

    audit = AuditEvent.objects.get(action="plr.credit_checked")
    assert (audit.learner_id, audit.details["outcome"]) == (recorded.pk, "WSEC0206")


def test_every_check_is_audited_on_the_learner(ao_actor: Actor, recorded: Learner) -> None:
    _check(ao_actor, recorded, GCSE_QN)

    audit = AuditEvent.objects.get(action="plr.credit_checked")
    assert audit.learner_id == recorded.pk
    assert audit.details == {"reference": GCSE_QN, "outcome": "found"}
    assert audit.username == ao_actor.user.username


def test_checks_are_rate_limited_per_user(
    ao_actor: Actor,
    recorded: Learner,
    awarding_org: Organisation,
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LRS_CREDIT_CHECKS_PER_HOUR", "3")
    for _n in range(3):
        _check(ao_actor, recorded, GCSE_QN)

    with pytest.raises(RateLimited):
        _check(ao_actor, recorded, GCSE_QN)
    colleague = Actor(user=make_user(awarding_org, ["ao"]), channel=Channel.API)
    assert _check(colleague, recorded, GCSE_QN).outcome == FOUND
    # An hour later the user may check again.
    AuditEvent.objects.filter(action="plr.credit_checked").update(
        occurred_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    assert _check(ao_actor, recorded, GCSE_QN).outcome == FOUND


def test_only_awarding_organisations_check(
    recorded: Learner,
    college: Organisation,
    odd_college: Organisation,
    make_user: Callable[..., User],
) -> None:
    plr = Actor(user=make_user(college, ["plr", "online"]), channel=Channel.PORTAL)
    with pytest.raises(PermissionDenied):
        _check(plr, recorded, GCSE_QN)
    with pytest.raises(NotAnAwardingOrganisation):
        _check(
            Actor(user=make_user(odd_college, ["ao"]), channel=Channel.PORTAL), recorded, GCSE_QN
        )
