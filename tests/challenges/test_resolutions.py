"""The service desk's resolutions (issue 14 item 3): each one transaction, audited, refused
without a change when it would break a rule of the register."""

from __future__ import annotations

import datetime

import pytest

from lrs.challenges.choices import ChallengeKind, ChallengeStatus, UlnChangeKind
from lrs.challenges.errors import ResolutionRefused
from lrs.challenges.models import Challenge, UlnChange
from lrs.challenges.services.raising import raise_challenge
from lrs.challenges.services.resolutions import (
    correct_event,
    demerge_ulns,
    mark_deceased,
    merge_ulns,
    remove_event,
    split_uln,
    transfer_events,
)
from lrs.core.errors import PermissionDenied
from lrs.core.models import AuditEvent
from lrs.learners.choices import LearnerStatus
from lrs.learners.errors import LearnerDeceasedNotUpdatable, LinkedUlnNotUpdatable
from lrs.learners.models import Learner
from lrs.learners.selectors import find_learner_by_uln
from lrs.learners.services import update_learner
from lrs.plr.models import LearningEvent, LearningEventChange
from lrs.plr.selectors import get_learner_learning_events
from tests.challenges.conftest import request_for
from tests.conftest import learner_details
from tests.plr.fixtures import found

pytestmark = pytest.mark.django_db


def fresh(learner: Learner) -> Learner:
    return Learner.objects.get(pk=learner.pk)


class TestMerge:
    def test_the_duplicate_becomes_a_linked_uln_and_its_events_move(
        self, desk, raiser, megan, duplicate, events_of
    ):
        moved = events_of(duplicate, "D")
        challenge = raise_challenge(
            request=request_for(
                ChallengeKind.DUPLICATE_ULN,
                megan.uln,
                other_uln=duplicate.uln,
                master_uln=megan.uln,
                reason="Moved house.",
            ),
            actor=raiser,
        )
        merge_ulns(
            master_uln=megan.uln,
            duplicate_uln=duplicate.uln,
            actor=desk,
            challenge_reference=challenge.reference,
            comment="Merged.",
        )
        dup = fresh(duplicate)
        assert (dup.master_id, dup.learner_status) == (megan.pk, LearnerStatus.LINKED)
        assert set(
            LearningEvent.objects.filter(pk__in=moved).values_list("learner", flat=True)
        ) == {megan.pk}
        assert LearningEventChange.objects.filter(event_id=moved[0], reason="merge").exists()
        assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.RESOLVED
        assert AuditEvent.objects.filter(action="uln.merged", learner_id=megan.pk).exists()
        change = UlnChange.objects.get()
        assert (change.kind, change.uln, change.other_uln) == ("merged", duplicate.uln, megan.uln)

    def test_finding_the_duplicate_returns_the_master_with_wsrc0022(
        self, desk, raiser, megan, duplicate
    ):
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        lookup = find_learner_by_uln(
            uln=duplicate.uln, given_name="Megn", family_name="Pritchard", actor=raiser
        )
        assert lookup.learner == megan
        assert lookup.master_substituted

    def test_the_masters_plr_shows_the_merged_events(
        self, desk, megan, duplicate, events_of, plr_actor
    ):
        events_of(duplicate, "D")
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        found(megan, plr_actor)
        record = get_learner_learning_events(uln=duplicate.uln, actor=plr_actor)
        assert record.response_code == "WSRC0022"
        assert record.events.count() == 2

    def test_merging_into_a_linked_uln_merges_into_its_master(
        self, desk, megan, duplicate, register
    ):
        third = register(given_name="Meg", last_known_postcode="LL11 1AA")
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        merge_ulns(master_uln=duplicate.uln, duplicate_uln=third.uln, actor=desk)
        assert fresh(third).master_id == megan.pk

    def test_a_duplicate_with_linked_ulns_passes_them_to_the_master(
        self, desk, megan, duplicate, register
    ):
        third = register(given_name="Meg", last_known_postcode="LL11 1AA")
        merge_ulns(master_uln=duplicate.uln, duplicate_uln=third.uln, actor=desk)
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        assert fresh(third).master_id == megan.pk  # no chain
        assert fresh(megan).master_id is None

    def test_merging_into_itself_or_its_own_linked_uln_is_refused(self, desk, megan, duplicate):
        with pytest.raises(ResolutionRefused):
            merge_ulns(master_uln=megan.uln, duplicate_uln=megan.uln, actor=desk)
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        with pytest.raises(ResolutionRefused):  # a cycle
            merge_ulns(master_uln=duplicate.uln, duplicate_uln=megan.uln, actor=desk)
        assert fresh(megan).master_id is None

    def test_a_linked_uln_cannot_be_merged_again(self, desk, megan, duplicate, register):
        third = register(given_name="Meg", last_known_postcode="LL11 1AA")
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        with pytest.raises(ResolutionRefused):
            merge_ulns(master_uln=third.uln, duplicate_uln=duplicate.uln, actor=desk)
        assert fresh(duplicate).master_id == megan.pk

    def test_a_linked_uln_is_never_updated(self, desk, raiser, megan, duplicate):
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        with pytest.raises(LinkedUlnNotUpdatable):
            update_learner(
                uln=duplicate.uln,
                version_number=fresh(duplicate).version_number,
                changes={"given_name": "Megan"},
                actor=raiser,
            )

    def test_a_linked_uln_is_never_issued_again(self, desk, raiser, megan, duplicate, monkeypatch):
        import lrs.learners.services as services

        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        drawn = iter([duplicate.uln, "1000000042"])
        monkeypatch.setattr(services, "generate_uln", lambda: next(drawn))
        result = services.register_learner(
            details=learner_details(given_name="Zed", family_name="Quinn"),
            actor=raiser,
            confirm_not_possible_match=True,
        )
        # The linked ULN's row still holds its ULN: that draw is refused and another taken.
        assert result.learner is not None
        assert result.learner.uln == "1000000042"

    def test_only_the_service_desk_merges(self, raiser, megan, duplicate):
        with pytest.raises(PermissionDenied):
            merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=raiser)


class TestDemerge:
    def test_restores_both_learners_and_events_exactly(
        self, desk, megan, duplicate, events_of, ao_actor
    ):
        own = events_of(duplicate, "D")
        master_events = events_of(megan, "M")
        before = {
            learner.pk: (learner.master_id, learner.learner_status, learner.version_number)
            for learner in Learner.objects.all()
        }
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        # The source sends a new event under the duplicate ULN after the merge.
        later = events_of(duplicate, "L")
        demerge_ulns(duplicate_uln=duplicate.uln, actor=desk)
        after = {
            learner.pk: (learner.master_id, learner.learner_status, learner.version_number)
            for learner in Learner.objects.all()
        }
        assert after == before
        assert set(
            LearningEvent.objects.filter(learner=duplicate).values_list("pk", flat=True)
        ) == set(own + later)
        assert set(LearningEvent.objects.filter(learner=megan).values_list("pk", flat=True)) == set(
            master_events
        )
        assert UlnChange.objects.filter(kind=UlnChangeKind.DEMERGED).exists()

    def test_both_ulns_are_findable_again(self, desk, raiser, megan, duplicate):
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        demerge_ulns(duplicate_uln=duplicate.uln, actor=desk)
        lookup = find_learner_by_uln(
            uln=duplicate.uln, given_name="Megn", family_name="Pritchard", actor=raiser
        )
        assert lookup.learner == duplicate
        assert not lookup.master_substituted

    def test_a_uln_not_merged_is_refused(self, desk, megan):
        with pytest.raises(ResolutionRefused):
            demerge_ulns(duplicate_uln=megan.uln, actor=desk)

    def test_a_later_merge_must_be_undone_first(self, desk, megan, duplicate, register):
        third = register(given_name="Meg", last_known_postcode="LL11 1AA")
        merge_ulns(master_uln=duplicate.uln, duplicate_uln=third.uln, actor=desk)
        merge_ulns(master_uln=megan.uln, duplicate_uln=duplicate.uln, actor=desk)
        with pytest.raises(ResolutionRefused):
            demerge_ulns(duplicate_uln=third.uln, actor=desk)
        assert fresh(third).master_id == megan.pk  # nothing changed
        demerge_ulns(duplicate_uln=duplicate.uln, actor=desk)
        assert fresh(third).master_id == duplicate.pk
        demerge_ulns(duplicate_uln=third.uln, actor=desk)
        assert fresh(third).master_id is None


class TestEventResolutions:
    def test_transfer_moves_events_with_history(self, desk, megan, duplicate, events_of):
        ids = events_of(megan, "E")
        transfer_events(event_ids=ids[:1], to_uln=duplicate.uln, actor=desk)
        assert LearningEvent.objects.get(pk=ids[0]).learner_id == duplicate.pk
        assert LearningEventChange.objects.filter(event_id=ids[0], reason="transfer").exists()
        assert AuditEvent.objects.filter(action="plr.learning_event_transferred").exists()

    def test_transfer_to_the_same_learner_is_refused(self, desk, megan, events_of):
        ids = events_of(megan, "E")
        with pytest.raises(ResolutionRefused):
            transfer_events(event_ids=ids, to_uln=megan.uln, actor=desk)

    def test_correct_keeps_the_old_values_in_the_history(self, desk, raiser, megan, events_of):
        (event_id, _unit) = events_of(megan, "E")
        challenge = raise_challenge(
            request=request_for(
                ChallengeKind.EVENT_WRONG, megan.uln, event_ids=[event_id], proposed={"grade": "8"}
            ),
            actor=raiser,
        )
        event = correct_event(
            event_id=event_id,
            values={"grade": "8", "achievement_award_date": "2025-08-22"},
            actor=desk,
            challenge_reference=challenge.reference,
        )
        assert (event.grade, event.achievement_award_date) == ("8", datetime.date(2025, 8, 22))
        assert event.under_challenge is False
        history = LearningEventChange.objects.get(event_id=event_id, reason="correction")
        assert history.changes["grade"] == ["7", "8"]

    def test_correct_refuses_other_fields_and_changes_nothing(self, desk, megan, events_of):
        (event_id, _unit) = events_of(megan, "E")
        with pytest.raises(ResolutionRefused):
            correct_event(event_id=event_id, values={"subject": "x", "grade": "1"}, actor=desk)
        assert LearningEvent.objects.get(pk=event_id).grade == "7"

    def test_remove_deletes_the_duplicated_event_and_audits_it(self, desk, megan, events_of):
        ids = events_of(megan, "E")
        remove_event(event_id=ids[1], actor=desk)
        assert not LearningEvent.objects.filter(pk=ids[1]).exists()
        audit = AuditEvent.objects.get(action="plr.learning_event_removed")
        assert audit.details["source_record_id"] == "E2"


class TestDeceased:
    def test_no_further_updates_and_a_uln_change(self, desk, raiser, megan):
        mark_deceased(uln=megan.uln, date_of_death=datetime.date(2025, 5, 1), actor=desk)
        learner = fresh(megan)
        assert learner.is_deceased
        assert learner.date_of_death == datetime.date(2025, 5, 1)
        with pytest.raises(LearnerDeceasedNotUpdatable):
            update_learner(
                uln=megan.uln,
                version_number=learner.version_number,
                changes={"given_name": "Megane"},
                actor=raiser,
            )
        assert UlnChange.objects.get().kind == UlnChangeKind.DECEASED

    def test_a_death_before_birth_is_refused(self, desk, megan):
        with pytest.raises(ResolutionRefused):
            mark_deceased(uln=megan.uln, date_of_death=datetime.date(2000, 1, 1), actor=desk)
        assert not fresh(megan).is_deceased


class TestSplit:
    def test_the_second_person_gets_a_learner_and_the_events_assigned(self, desk, megan, events_of):
        ids = events_of(megan, "E")
        second = split_uln(
            uln=megan.uln,
            details=learner_details(given_name="Bethan", date_of_birth=datetime.date(2008, 1, 2)),
            event_ids=ids[1:],
            actor=desk,
        )
        assert second.uln != megan.uln
        assert LearningEvent.objects.get(pk=ids[1]).learner_id == second.pk
        assert LearningEvent.objects.get(pk=ids[0]).learner_id == megan.pk
        change = UlnChange.objects.get()
        assert (change.kind, change.uln, change.other_uln) == ("split", megan.uln, second.uln)

    def test_events_of_another_learner_are_refused_and_nothing_is_created(
        self, desk, megan, duplicate, events_of
    ):
        ids = events_of(duplicate, "D")
        count = Learner.objects.count()
        with pytest.raises(ResolutionRefused):
            split_uln(
                uln=megan.uln,
                details=learner_details(given_name="Bethan"),
                event_ids=ids,
                actor=desk,
            )
        assert Learner.objects.count() == count


class TestChallengeNamed:
    def test_a_challenge_about_another_learner_is_refused_and_nothing_changes(
        self, desk, raiser, megan, duplicate, events_of
    ):
        # A reference mistyped (or borrowed) must not close another learner's challenge, nor
        # let the resolution through: the whole transaction is undone.
        (event_id, _unit) = events_of(megan, "E")
        elsewhere = raise_challenge(
            request=request_for(
                ChallengeKind.DECEASED, duplicate.uln, comments="Another learner's problem."
            ),
            actor=raiser,
        )
        with pytest.raises(ResolutionRefused, match="not about the learners"):
            correct_event(
                event_id=event_id,
                values={"grade": "8"},
                actor=desk,
                challenge_reference=elsewhere.reference,
            )
        assert LearningEvent.objects.get(pk=event_id).grade == "7"
        assert Challenge.objects.get(pk=elsewhere.pk).status == ChallengeStatus.OPEN
        with pytest.raises(ResolutionRefused, match="not about the learners"):
            mark_deceased(
                uln=megan.uln,
                date_of_death=None,
                actor=desk,
                challenge_reference=elsewhere.reference,
            )
        assert fresh(megan).learner_status == LearnerStatus.ACTIVE

    def test_a_challenge_naming_the_other_uln_resolves_a_merge(
        self, desk, raiser, megan, duplicate
    ):
        challenge = raise_challenge(
            request=request_for(
                ChallengeKind.DUPLICATE_ULN,
                duplicate.uln,
                other_uln=megan.uln,
                master_uln=megan.uln,
                reason="Moved house.",
            ),
            actor=raiser,
        )
        merge_ulns(
            master_uln=megan.uln,
            duplicate_uln=duplicate.uln,
            actor=desk,
            challenge_reference=challenge.reference,
        )
        assert Challenge.objects.get(pk=challenge.pk).status == ChallengeStatus.RESOLVED
