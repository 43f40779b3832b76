"""Raising data challenges (user guide 6.1-6.3) and their lifecycle (6.4, DESIGN 3.7)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lrs.challenges.choices import ChallengeKind, ChallengeStatus
from lrs.challenges.errors import ChallengeClosed, ChallengeNotFound
from lrs.challenges.selectors import get_challenge, list_challenges, list_learner_enquiries
from lrs.challenges.services.raising import (
    raise_challenge,
    set_challenge_status,
    withdraw_challenge,
)
from lrs.core.actor import Actor, Channel
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.learners.errors import LearnerNotFound
from lrs.organisations.models import Organisation, User
from lrs.plr.models import LearningEvent, LearningEventChange
from tests.challenges.conftest import request_for
from tests.plr.fixtures import found

pytestmark = pytest.mark.django_db


class TestUlnChallenges:
    def test_a_duplicate_names_both_ulns_and_the_master(self, raiser, megan, duplicate):
        challenge = raise_challenge(
            request=request_for(
                ChallengeKind.DUPLICATE_ULN,
                megan.uln,
                other_uln=duplicate.uln,
                master_uln=megan.uln,
                reason="She has lived at both addresses.",
            ),
            actor=raiser,
        )
        assert challenge.reference == f"DC-{megan.uln}-001"
        assert megan.uln in challenge.reference
        assert (challenge.other_uln, challenge.master_uln) == (duplicate.uln, megan.uln)
        assert challenge.status == ChallengeStatus.OPEN
        assert [step.status for step in challenge.steps.all()] == ["open"]
        assert AuditEvent.objects.filter(action="challenge.raised", learner_id=megan.pk).exists()

    def test_references_count_up_per_uln(self, raiser, megan):
        first = raise_challenge(
            request=request_for(ChallengeKind.DECEASED, megan.uln, comments="Died in May."),
            actor=raiser,
        )
        second = raise_challenge(
            request=request_for(ChallengeKind.OTHER_ULN, megan.uln, comments="Odd."),
            actor=raiser,
        )
        assert (first.reference, second.reference) == (
            f"DC-{megan.uln}-001",
            f"DC-{megan.uln}-002",
        )

    def test_details_that_differ_need_a_reason(self, raiser, megan, duplicate):
        with pytest.raises(ValidationFailed) as caught:
            raise_challenge(
                request=request_for(
                    ChallengeKind.DUPLICATE_ULN,
                    megan.uln,
                    other_uln=duplicate.uln,
                    master_uln=duplicate.uln,
                ),
                actor=raiser,
            )
        assert "reason" in caught.value.field_errors

    def test_the_master_must_be_one_of_the_two(self, raiser, megan, duplicate):
        with pytest.raises(ValidationFailed) as caught:
            raise_challenge(
                request=request_for(
                    ChallengeKind.DUPLICATE_ULN,
                    megan.uln,
                    other_uln=duplicate.uln,
                    master_uln="9999999999",
                    reason="x",
                ),
                actor=raiser,
            )
        assert "master_uln" in caught.value.field_errors

    def test_a_de_merge_needs_two_merged_ulns(self, raiser, megan, duplicate):
        with pytest.raises(ValidationFailed) as caught:
            raise_challenge(
                request=request_for(
                    ChallengeKind.INCORRECTLY_MERGED,
                    megan.uln,
                    other_uln=duplicate.uln,
                    reason="Two people.",
                ),
                actor=raiser,
            )
        assert caught.value.field_errors["other_uln"] == ["These two ULNs have not been merged."]

    @pytest.mark.parametrize(
        "kind",
        [
            ChallengeKind.FICTITIOUS_ULN,
            ChallengeKind.SHARED_ULN,
            ChallengeKind.DECEASED,
            ChallengeKind.DETAILS_CHANGED,
            ChallengeKind.OTHER_ULN,
        ],
    )
    def test_other_problems_need_comments(self, raiser, megan, kind):
        with pytest.raises(ValidationFailed) as caught:
            raise_challenge(request=request_for(kind, megan.uln), actor=raiser)
        assert "comments" in caught.value.field_errors
        challenge = raise_challenge(
            request=request_for(kind, megan.uln, comments="Details in the notes."), actor=raiser
        )
        assert challenge.kind == kind

    def test_contact_details_are_required(self, raiser, megan):
        with pytest.raises(ValidationFailed) as caught:
            raise_challenge(
                request=request_for(
                    ChallengeKind.OTHER_ULN,
                    megan.uln,
                    comments="x",
                    contact_name="",
                    contact_email="not-an-email",
                    contact_telephone="",
                ),
                actor=raiser,
            )
        assert set(caught.value.field_errors) == {
            "contact_name",
            "contact_email",
            "contact_telephone",
        }


class TestEventChallenges:
    def test_information_wrong_proposes_values_and_marks_the_event(self, raiser, megan, events_of):
        event_id = events_of(megan, "E")[0]
        challenge = raise_challenge(
            request=request_for(
                ChallengeKind.EVENT_WRONG,
                megan.uln,
                event_ids=[event_id],
                proposed={"grade": "8", "achievement_award_date": "2025-08-22"},
            ),
            actor=raiser,
        )
        assert challenge.proposed == {"grade": "8", "achievement_award_date": "2025-08-22"}
        event = LearningEvent.objects.get(pk=event_id)
        assert event.under_challenge is True
        assert event.under_data_challenge == "Y"
        assert LearningEventChange.objects.filter(event=event, reason="data_challenge").exists()

    def test_information_wrong_needs_a_proposal(self, raiser, megan, events_of):
        event_id = events_of(megan, "E")[0]
        with pytest.raises(ValidationFailed) as caught:
            raise_challenge(
                request=request_for(ChallengeKind.EVENT_WRONG, megan.uln, event_ids=[event_id]),
                actor=raiser,
            )
        assert "proposed" in caught.value.field_errors

    def test_not_this_learner_may_name_the_uln_to_transfer_to(
        self, raiser, megan, duplicate, events_of
    ):
        event_id = events_of(megan, "E")[0]
        challenge = raise_challenge(
            request=request_for(
                ChallengeKind.EVENT_NOT_THIS_LEARNER,
                megan.uln,
                event_ids=[event_id],
                other_uln=duplicate.uln,
                other_name="Megn Pritchard",
            ),
            actor=raiser,
        )
        assert (challenge.other_uln, challenge.other_name) == (duplicate.uln, "Megn Pritchard")

    def test_appears_more_than_once_picks_two_events(self, raiser, megan, events_of):
        ids = events_of(megan, "E")
        with pytest.raises(ValidationFailed):
            raise_challenge(
                request=request_for(ChallengeKind.EVENT_DUPLICATED, megan.uln, event_ids=ids[:1]),
                actor=raiser,
            )
        challenge = raise_challenge(
            request=request_for(ChallengeKind.EVENT_DUPLICATED, megan.uln, event_ids=ids),
            actor=raiser,
        )
        assert sorted(challenge.events.values_list("pk", flat=True)) == ids

    def test_events_of_another_learner_are_refused(self, raiser, megan, duplicate, events_of):
        event_id = events_of(duplicate, "D")[0]
        with pytest.raises(ValidationFailed):
            raise_challenge(
                request=request_for(
                    ChallengeKind.EVENT_WRONG,
                    megan.uln,
                    event_ids=[event_id],
                    proposed={"grade": "1"},
                ),
                actor=raiser,
            )


class TestWhoMayRaise:
    def test_an_organisation_that_has_not_found_the_learner_may_not(
        self, other_college_actor, megan
    ):
        with pytest.raises(LearnerNotFound):
            raise_challenge(
                request=request_for(ChallengeKind.OTHER_ULN, megan.uln, comments="x"),
                actor=other_college_actor,
            )

    def test_a_role_without_the_permission_may_not(
        self, college: Organisation, make_user: Callable[..., User], megan
    ):
        batch = Actor(user=make_user(college, ["batch"]), channel=Channel.PORTAL)
        with pytest.raises(PermissionDenied):
            raise_challenge(
                request=request_for(ChallengeKind.OTHER_ULN, megan.uln, comments="x"), actor=batch
            )


@pytest.fixture
def challenge(raiser, megan, events_of):
    event_id = events_of(megan, "E")[0]
    return raise_challenge(
        request=request_for(
            ChallengeKind.EVENT_WRONG, megan.uln, event_ids=[event_id], proposed={"grade": "8"}
        ),
        actor=raiser,
    )


class TestLifecycle:
    def test_the_service_desk_takes_it_on_and_resolves_it(self, challenge, desk):
        set_challenge_status(
            reference=challenge.reference, status="in_progress", actor=desk, comment="Checking."
        )
        done = set_challenge_status(
            reference=challenge.reference, status="resolved", actor=desk, comment="Fixed."
        )
        assert done.status == ChallengeStatus.RESOLVED
        steps = list(done.steps.values_list("status", "comment", "username"))
        assert [s[0] for s in steps] == ["open", "in_progress", "resolved"]
        assert steps[1][1] == "Checking."
        # A closed challenge's events are no longer marked.
        assert not done.events.filter(under_challenge=True).exists()

    def test_a_rejection_says_why(self, challenge, desk):
        with pytest.raises(ValidationFailed):
            set_challenge_status(reference=challenge.reference, status="rejected", actor=desk)
        set_challenge_status(
            reference=challenge.reference, status="rejected", actor=desk, comment="Correct."
        )

    def test_a_closed_challenge_stays_closed(self, challenge, desk, raiser):
        set_challenge_status(reference=challenge.reference, status="resolved", actor=desk)
        with pytest.raises(ChallengeClosed):
            withdraw_challenge(reference=challenge.reference, actor=raiser)
        with pytest.raises(ChallengeClosed):
            set_challenge_status(reference=challenge.reference, status="in_progress", actor=desk)

    def test_the_raiser_withdraws(self, challenge, raiser):
        withdrawn = withdraw_challenge(reference=challenge.reference, actor=raiser, comment="Oops")
        assert withdrawn.status == ChallengeStatus.WITHDRAWN

    def test_only_the_raising_organisation_withdraws(self, challenge, other_college_actor):
        with pytest.raises(PermissionDenied):
            withdraw_challenge(reference=challenge.reference, actor=other_college_actor)

    def test_only_the_service_desk_resolves(self, challenge, raiser):
        with pytest.raises(PermissionDenied):
            set_challenge_status(reference=challenge.reference, status="resolved", actor=raiser)

    def test_an_event_under_two_challenges_stays_marked_until_both_close(
        self, challenge, raiser, desk, megan
    ):
        event_id = challenge.events.get().pk
        second = raise_challenge(
            request=request_for(
                ChallengeKind.EVENT_WRONG, megan.uln, event_ids=[event_id], proposed={"grade": "9"}
            ),
            actor=raiser,
        )
        withdraw_challenge(reference=challenge.reference, actor=raiser)
        assert LearningEvent.objects.get(pk=event_id).under_challenge is True
        withdraw_challenge(reference=second.reference, actor=raiser)
        assert LearningEvent.objects.get(pk=event_id).under_challenge is False


class TestViewEnquiries:
    def test_every_organisation_that_knows_the_learner_sees_every_challenge(
        self, challenge, other_college_actor, megan
    ):
        found(megan, other_college_actor)
        learner, challenges = list_learner_enquiries(uln=megan.uln, actor=other_college_actor)
        assert learner == megan
        assert [c.reference for c in challenges] == [challenge.reference]
        assert get_challenge(reference=challenge.reference, actor=other_college_actor)

    def test_an_organisation_that_does_not_know_the_learner_sees_nothing(
        self, challenge, other_college_actor, megan
    ):
        with pytest.raises(LearnerNotFound):
            list_learner_enquiries(uln=megan.uln, actor=other_college_actor)
        with pytest.raises(ChallengeNotFound):
            get_challenge(reference=challenge.reference, actor=other_college_actor)

    def test_the_service_desk_queue(self, challenge, desk, raiser):
        assert [c.reference for c in list_challenges(actor=desk)] == [challenge.reference]
        with pytest.raises(PermissionDenied):
            list_challenges(actor=raiser)
