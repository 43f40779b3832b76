"""Achievements in: one service, every row matched to its learner or rejected with the reason."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from lrs.core.actor import Actor, Channel
from lrs.core.errors import PermissionDenied
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User
from lrs.plr.errors import NotAnAwardingOrganisation
from lrs.plr.models import LearningEvent, LearningEventChange
from lrs.plr.services import (
    RejectionCode,
    RowStatus,
    import_data_return,
    set_event_flags,
    submit_achievements,
)
from tests.plr.fixtures import DIPLOMA_QN, GCSE_QN, OTHER_AO_QN, UNIT_B, row

pytestmark = pytest.mark.usefixtures("catalogue")


def test_an_achievement_is_recorded_with_every_field(ao_actor: Actor, megan: Learner) -> None:
    report = submit_achievements(
        actor=ao_actor,
        rows=[
            row(
                megan,
                grade="7",
                participation_start_date=datetime.date(2023, 9, 4),
                achievement_provider_ukprn="10034567",
                achievement_provider_name="Riverside College",
                language_for_assessment="cy",
            )
        ],
    )

    assert report.totals == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0}
    event = LearningEvent.objects.get()
    assert event.learner == megan
    assert (event.source, event.submitter_ukprn, event.source_record_id) == ("AO", "10099001", "R1")
    assert event.subject == "Invented GCSE (9 to 1) in Welsh Language"
    assert (event.subject_code, event.level, event.grade) == (GCSE_QN, "1/2", "7")
    assert event.qualification_type == "GCSE (9 to 1)"
    assert event.awarding_organisation_ukprn == "10099001"
    assert event.awarding_organisation_name == "Example Awarding Body"
    assert event.achievement_provider_name == "Riverside College"
    assert event.achievement_award_date == datetime.date(2025, 8, 21)
    assert event.language_for_assessment == "cy"
    assert (event.status, event.collection_type, event.restriction) == ("F", "", "0")
    assert event.under_data_challenge == "N"
    assert event.loaded_by_username == ao_actor.user.username
    assert event.date_loaded is not None


def test_resubmitting_a_record_updates_it_and_keeps_its_history(
    ao_actor: Actor, megan: Learner
) -> None:
    submit_achievements(actor=ao_actor, rows=[row(megan, grade="6")])

    report = submit_achievements(actor=ao_actor, rows=[row(megan, grade="7")])
    again = submit_achievements(actor=ao_actor, rows=[row(megan, grade="7")])

    assert report.outcomes[0].status == RowStatus.UPDATED
    assert again.outcomes[0].status == RowStatus.UNCHANGED
    event = LearningEvent.objects.get()
    assert (event.grade, event.version_number) == ("7", 2)
    change = LearningEventChange.objects.get()
    assert change.changes == {"grade": ["6", "7"]}
    assert (change.reason, change.username) == ("resubmitted", ao_actor.user.username)


def test_the_same_record_twice_in_one_submission_is_recorded_once(
    ao_actor: Actor, megan: Learner
) -> None:
    report = submit_achievements(actor=ao_actor, rows=[row(megan), row(megan, grade="9")])

    assert [o.status for o in report.outcomes] == [RowStatus.CREATED, RowStatus.REJECTED]
    assert report.outcomes[1].code == RejectionCode.DUPLICATE_ROW
    assert LearningEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "differing"),
    [
        ({"given_name": "Bethan"}, ["given_name"]),
        ({"family_name": "Jones"}, ["family_name"]),
        ({"date_of_birth": datetime.date(2009, 12, 4)}, ["date_of_birth"]),
        ({"date_of_birth": None}, ["date_of_birth"]),
        ({"given_name": "Sara", "family_name": "Jones"}, ["given_name", "family_name"]),
    ],
)
def test_a_row_whose_details_differ_is_rejected_never_attached(
    ao_actor: Actor, megan: Learner, overrides: dict[str, object], differing: list[str]
) -> None:
    report = submit_achievements(actor=ao_actor, rows=[row(megan, **overrides)])

    outcome = report.outcomes[0]
    assert (outcome.status, outcome.code) == (RowStatus.REJECTED, RejectionCode.LEARNER_MISMATCH)
    assert list(outcome.fields) == differing
    assert "do not match" in outcome.message
    assert not LearningEvent.objects.exists()


def test_another_learners_details_with_this_uln_are_rejected(
    ao_actor: Actor, megan: Learner, register: Callable[..., Learner]
) -> None:
    twin = register(given_name="Rhian", last_known_postcode="CF10 3AT")

    report = submit_achievements(
        actor=ao_actor,
        rows=[row(megan, given_name=twin.given_name, family_name=twin.family_name)],
    )

    assert report.outcomes[0].code == RejectionCode.LEARNER_MISMATCH
    assert not LearningEvent.objects.exists()


def test_known_name_variants_are_the_learner(
    ao_actor: Actor, register: Callable[..., Learner]
) -> None:
    learner = register(
        given_name="Robert", family_name="Evans", previous_family_name="Price", gender="1"
    )

    report = submit_achievements(
        actor=ao_actor,
        rows=[
            row(learner, given_name="Bob", source_record_id="R1"),
            row(learner, family_name="Price", source_record_id="R2"),
        ],
    )

    assert report.totals["created"] == 2


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"uln": "1234567890"}, RejectionCode.ULN_INVALID),
        ({"uln": "1000000043"}, RejectionCode.ULN_UNKNOWN),
        ({"subject_code": "100/0102/5"}, RejectionCode.SUBJECT_UNKNOWN),
        ({"subject_code": OTHER_AO_QN}, RejectionCode.NOT_OWNER),
        ({"source_record_id": " "}, RejectionCode.INVALID),
        ({"achievement_award_date": datetime.date(2999, 1, 1)}, RejectionCode.INVALID),
        ({"language_for_assessment": "fr"}, RejectionCode.INVALID),
    ],
)
def test_rows_are_rejected_with_their_reason(
    ao_actor: Actor, megan: Learner, overrides: dict[str, object], code: str
) -> None:
    report = submit_achievements(
        actor=ao_actor, rows=[row(megan, **overrides), row(megan, source_record_id="OK")]
    )

    assert report.outcomes[0].code == code
    assert report.outcomes[0].message
    assert report.outcomes[1].status == RowStatus.CREATED
    assert LearningEvent.objects.count() == 1


def test_a_unit_takes_its_credit_value_and_its_owners_name(ao_actor: Actor, megan: Learner) -> None:
    submit_achievements(actor=ao_actor, rows=[row(megan, subject_code=UNIT_B, grade="Pass")])

    event = LearningEvent.objects.get()
    assert (event.subject_code, event.credits, event.level) == (UNIT_B, 15, "3")
    assert event.unit is not None
    assert event.qualification is None


def test_only_the_awarding_organisation_role_may_submit(
    college: Organisation, megan: Learner, make_user: Callable[..., User]
) -> None:
    online = Actor(user=make_user(college, ["online"]), channel=Channel.API)
    with pytest.raises(PermissionDenied):
        submit_achievements(actor=online, rows=[row(megan)])


def test_the_role_counts_only_in_an_awarding_organisation(
    megan: Learner, odd_college: Organisation, make_user: Callable[..., User]
) -> None:
    actor = Actor(user=make_user(odd_college, ["ao"]), channel=Channel.API)
    with pytest.raises(NotAnAwardingOrganisation):
        submit_achievements(actor=actor, rows=[row(megan)])


def test_a_submission_is_audited(ao_actor: Actor, megan: Learner) -> None:
    submit_achievements(
        actor=ao_actor, rows=[row(megan), row(megan, uln="1000000043", source_record_id="X")]
    )

    audit = AuditEvent.objects.get(action="plr.achievements_submitted")
    assert audit.details["created"] == 1
    assert audit.details["rejected"] == 1
    assert audit.username == ao_actor.user.username


def test_a_linked_ulns_achievement_stays_on_it_and_shows_on_its_master(
    ao_actor: Actor, megan: Learner, register: Callable[..., Learner]
) -> None:
    duplicate = register(middle_other_name="", last_known_postcode="SA1 1AA")
    Learner.objects.filter(pk=duplicate.pk).update(master=megan)
    duplicate.refresh_from_db()

    report = submit_achievements(actor=ao_actor, rows=[row(duplicate)])

    assert report.outcomes[0].status == RowStatus.CREATED
    event = LearningEvent.objects.get()
    assert (event.learner_id, event.submitted_uln) == (duplicate.pk, duplicate.uln)


def test_data_returns_need_the_service_desk(online_actor: Actor, megan: Learner) -> None:
    with pytest.raises(PermissionDenied):
        import_data_return(
            actor=online_actor, source="ILR", submitter_ukprn="10034567", rows=[row(megan)]
        )


def test_a_data_return_names_the_ao_from_the_catalogue(operator: Actor, megan: Learner) -> None:
    report = import_data_return(
        actor=operator,
        source="NPD",
        submitter_ukprn="NPD",
        rows=[
            row(megan, subject_code=OTHER_AO_QN),
            row(megan, subject_code=GCSE_QN, source_record_id="R2"),
        ],
    )

    assert report.totals["created"] == 2
    unlinked = LearningEvent.objects.get(subject_code=OTHER_AO_QN)
    assert (unlinked.awarding_organisation_ukprn, unlinked.awarding_organisation_name) == (
        "UNKNWN",
        "Another Awarding Body",
    )
    assert unlinked.collection_type == "A"
    linked = LearningEvent.objects.get(subject_code=GCSE_QN)
    assert linked.awarding_organisation_ukprn == "10099001"


def test_the_same_record_from_two_sources_is_two_events(
    ao_actor: Actor, operator: Actor, megan: Learner
) -> None:
    submit_achievements(actor=ao_actor, rows=[row(megan)])
    import_data_return(actor=operator, source="ILR", submitter_ukprn="10034567", rows=[row(megan)])

    assert LearningEvent.objects.count() == 2


def test_the_service_desk_flags_an_event_with_history(
    ao_actor: Actor, operator: Actor, megan: Learner
) -> None:
    submit_achievements(actor=ao_actor, rows=[row(megan, subject_code=DIPLOMA_QN)])
    event = LearningEvent.objects.get()

    set_event_flags(actor=operator, event=event, sensitive=True, under_challenge=True)

    event.refresh_from_db()
    assert (event.restriction, event.under_data_challenge, event.version_number) == ("1", "Y", 2)
    assert LearningEventChange.objects.get().changes == {
        "sensitive": [False, True],
        "under_challenge": [False, True],
    }
    with pytest.raises(PermissionDenied):
        set_event_flags(actor=ao_actor, event=event, sensitive=False)
