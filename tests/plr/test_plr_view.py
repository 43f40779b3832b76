"""Viewing a learner's PLR: every rule of DESIGN 3.6 and user guide 5.3."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from lrs.core.actor import Actor, Channel
from lrs.core.errors import PermissionDenied
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User
from lrs.plr.errors import InvalidUln, LearnerNotVerified, PlrNotShared
from lrs.plr.models import LearningEvent
from lrs.plr.selectors import get_learner_learning_events, get_learning_event
from lrs.plr.services import import_data_return, set_event_flags, submit_achievements
from tests.plr.fixtures import DIPLOMA_QN, GCSE_QN, UNIT_A, UNIT_B, found, row

pytestmark = pytest.mark.usefixtures("catalogue")


@pytest.fixture
def recorded(ao_actor: Actor, operator: Actor, megan: Learner) -> Learner:
    submit_achievements(
        actor=ao_actor,
        rows=[
            row(megan, source_record_id="G", achievement_award_date=datetime.date(2025, 8, 21)),
            row(
                megan,
                subject_code=UNIT_A,
                source_record_id="U1",
                grade="Pass",
                achievement_award_date=datetime.date(2024, 6, 1),
            ),
            row(
                megan,
                subject_code=UNIT_B,
                source_record_id="U2",
                grade="Merit",
                achievement_award_date=datetime.date(2024, 7, 1),
                sensitive=True,
            ),
        ],
    )
    import_data_return(
        actor=operator,
        source="ILR",
        submitter_ukprn="10034567",
        rows=[
            row(
                megan,
                subject_code=DIPLOMA_QN,
                source_record_id="ILR1",
                grade="",
                achievement_award_date=None,
                participation_start_date=datetime.date(2023, 9, 4),
            )
        ],
    )
    return megan


def test_an_organisation_that_found_the_learner_sees_the_events(
    recorded: Learner, plr_actor: Actor
) -> None:
    found(recorded, plr_actor)

    record = get_learner_learning_events(uln=recorded.uln, actor=plr_actor)

    assert record.response_code == "WSRC0004"
    assert (record.found_uln, record.incoming_uln) == (recorded.uln, recorded.uln)
    codes = [event.subject_code for event in record.events]
    assert codes == [GCSE_QN, UNIT_A, DIPLOMA_QN]  # award date, newest first, none last


def test_sensitive_events_are_never_shown_to_organisations(
    recorded: Learner, plr_actor: Actor
) -> None:
    found(recorded, plr_actor)

    record = get_learner_learning_events(uln=recorded.uln, actor=plr_actor)

    assert UNIT_B not in {event.subject_code for event in record.events}
    sensitive = LearningEvent.objects.get(subject_code=UNIT_B)
    with pytest.raises(LearnerNotVerified):
        get_learning_event(uln=recorded.uln, event_id=sensitive.pk, actor=plr_actor)


def test_a_learner_the_organisation_has_not_found_is_not_verified(
    recorded: Learner, school: Organisation, make_user: Callable[..., User]
) -> None:
    stranger = Actor(user=make_user(school, ["plr"]), channel=Channel.PORTAL)
    with pytest.raises(LearnerNotVerified) as refused:
        get_learner_learning_events(uln=recorded.uln, actor=stranger)

    assert refused.value.code == "WSEC0208"


def test_another_organisations_find_does_not_count(
    recorded: Learner, plr_actor: Actor, school: Organisation, make_user: Callable[..., User]
) -> None:
    found(recorded, plr_actor)
    other = Actor(user=make_user(school, ["plr"]), channel=Channel.PORTAL)

    with pytest.raises(LearnerNotVerified):
        get_learner_learning_events(uln=recorded.uln, actor=other)


def test_an_unknown_uln_is_not_verified_and_a_bad_one_invalid(plr_actor: Actor) -> None:
    with pytest.raises(LearnerNotVerified):
        get_learner_learning_events(uln="1000000043", actor=plr_actor)
    with pytest.raises(InvalidUln):
        get_learner_learning_events(uln="12345", actor=plr_actor)


@pytest.mark.parametrize("roles", [["online"], ["view"], ["batch", "vld", "super"]])
def test_only_the_learner_record_role_opens_a_plr(
    recorded: Learner, college: Organisation, make_user: Callable[..., User], roles: list[str]
) -> None:
    actor = Actor(user=make_user(college, roles), channel=Channel.API)
    with pytest.raises(PermissionDenied) as refused:
        get_learner_learning_events(uln=recorded.uln, actor=actor)
    assert refused.value.code == "permission_denied"


def test_an_awarding_organisation_user_does_not_open_plrs(
    recorded: Learner, ao_actor: Actor
) -> None:
    with pytest.raises(PermissionDenied):
        get_learner_learning_events(uln=recorded.uln, actor=ao_actor)


def test_ability_to_share_0_refuses_with_wsec0206_and_no_events(
    recorded: Learner, plr_actor: Actor
) -> None:
    found(recorded, plr_actor)
    Learner.objects.filter(pk=recorded.pk).update(ability_to_share="0")

    with pytest.raises(PlrNotShared) as refused:
        get_learner_learning_events(uln=recorded.uln, actor=plr_actor)

    assert refused.value.code == "WSEC0206"
    assert refused.value.found_uln == recorded.uln
    assert "privacy notice" in refused.value.message
    audit = AuditEvent.objects.get(action="plr.view_refused")
    assert audit.learner_id == recorded.pk


def test_names_given_with_the_uln_must_be_the_learners(recorded: Learner, plr_actor: Actor) -> None:
    found(recorded, plr_actor)

    ok = get_learner_learning_events(
        uln=recorded.uln, actor=plr_actor, given_name="megan", family_name="PRITCHARD"
    )
    assert ok.events.count() == 3
    with pytest.raises(LearnerNotVerified):
        get_learner_learning_events(
            uln=recorded.uln, actor=plr_actor, given_name="Megan", family_name="Jones"
        )


def test_every_view_is_audited_on_the_learner(recorded: Learner, plr_actor: Actor) -> None:
    found(recorded, plr_actor)
    event = LearningEvent.objects.get(subject_code=GCSE_QN)

    get_learner_learning_events(uln=recorded.uln, actor=plr_actor)
    get_learning_event(uln=recorded.uln, event_id=event.pk, actor=plr_actor)

    actions = list(
        AuditEvent.objects.filter(learner_id=recorded.pk, action__startswith="plr.")
        .order_by("id")
        .values_list("action", "username", "organisation_name")
    )
    assert actions == [
        ("plr.viewed", plr_actor.user.username, "Riverside College"),
        ("plr.event_viewed", plr_actor.user.username, "Riverside College"),
    ]


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("award", False, [UNIT_A, GCSE_QN, DIPLOMA_QN]),
        ("subject", False, [GCSE_QN, DIPLOMA_QN, UNIT_A]),
        ("source", True, [DIPLOMA_QN, UNIT_A, GCSE_QN]),  # ties: newest loaded first
        ("start", True, [DIPLOMA_QN, UNIT_A, GCSE_QN]),  # no start date: last
    ],
)
def test_every_column_sorts(
    recorded: Learner, plr_actor: Actor, sort: str, descending: bool, expected: list[str]
) -> None:
    found(recorded, plr_actor)

    record = get_learner_learning_events(
        uln=recorded.uln, actor=plr_actor, sort=sort, descending=descending
    )

    assert [event.subject_code for event in record.events][: len(expected)] == expected


def test_under_challenge_is_marked(recorded: Learner, plr_actor: Actor, operator: Actor) -> None:
    set_event_flags(
        actor=operator, event=LearningEvent.objects.get(subject_code=GCSE_QN), under_challenge=True
    )
    found(recorded, plr_actor)

    record = get_learner_learning_events(uln=recorded.uln, actor=plr_actor)

    assert {e.subject_code: e.under_data_challenge for e in record.events}[GCSE_QN] == "Y"


def test_a_linked_uln_opens_its_master_with_both_ulns_events(
    recorded: Learner, plr_actor: Actor, ao_actor: Actor, register: Callable[..., Learner]
) -> None:
    duplicate = register(middle_other_name="", last_known_postcode="SA1 1AA")
    submit_achievements(
        actor=ao_actor, rows=[row(duplicate, subject_code=DIPLOMA_QN, source_record_id="D")]
    )
    Learner.objects.filter(pk=duplicate.pk).update(master=recorded)
    found(recorded, plr_actor)

    by_master = get_learner_learning_events(uln=recorded.uln, actor=plr_actor)
    by_linked = get_learner_learning_events(uln=duplicate.uln, actor=plr_actor)

    assert by_master.events.count() == 4
    assert by_linked.response_code == "WSRC0022"
    assert (by_linked.found_uln, by_linked.incoming_uln) == (recorded.uln, duplicate.uln)
    assert by_linked.events.count() == 4
