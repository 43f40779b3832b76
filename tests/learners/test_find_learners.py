from __future__ import annotations

import datetime
from typing import Any

import pytest

from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.learners.details import SearchDetails
from lrs.learners.errors import LearnerNotFound
from lrs.learners.match_reasons import match_reasons
from lrs.learners.models import Learner
from lrs.learners.selectors import (
    find_learner_by_uln,
    get_learner,
    search_learners,
    search_learners_many,
)
from lrs.learners.services import RegistrationStatus, register_learner
from lrs.matching import MatchKind
from tests.conftest import learner_details

pytestmark = pytest.mark.django_db


def search(**overrides) -> SearchDetails:
    values: dict[str, Any] = {
        "given_name": "Megan",
        "family_name": "Pritchard",
        "date_of_birth": datetime.date(2009, 4, 12),
        "gender": "2",
        "last_known_postcode": "CF10 3AT",
    }
    values.update(overrides)
    return SearchDetails(**values)


@pytest.fixture
def megan(online_actor) -> Learner:
    learner = register_learner(details=learner_details(), actor=online_actor).learner
    assert learner is not None
    return learner


class TestFindByUln:
    def test_uln_and_names_find_the_learner(self, megan, view_actor):
        found = find_learner_by_uln(
            uln=megan.uln, given_name="megan", family_name="PRITCHARD", actor=view_actor
        )
        assert found.learner == megan
        assert found.master_substituted is False

    def test_wrong_names_give_no_match_like_an_unknown_uln(self, megan, view_actor):
        with pytest.raises(LearnerNotFound) as wrong_names:
            find_learner_by_uln(
                uln=megan.uln, given_name="Ffion", family_name="Pritchard", actor=view_actor
            )
        with pytest.raises(LearnerNotFound) as unknown:
            find_learner_by_uln(
                uln="1000000043", given_name="Megan", family_name="Pritchard", actor=view_actor
            )
        assert wrong_names.value.message == unknown.value.message
        assert wrong_names.value.code == "WSRC0001"

    def test_a_malformed_uln_is_a_validation_error(self, view_actor):
        with pytest.raises(ValidationFailed) as refused:
            find_learner_by_uln(
                uln="1000000042", given_name="Megan", family_name="Pritchard", actor=view_actor
            )
        assert "uln" in refused.value.field_errors

    def test_a_linked_uln_returns_its_master(self, megan, online_actor):
        result = register_learner(
            details=learner_details(
                given_name="Meg",
                middle_other_name="",
                date_of_birth=datetime.date(2009, 5, 12),
                last_known_postcode="SA1 1NW",
            ),
            actor=online_actor,
            confirm_not_possible_match=True,
        )
        assert result.status is RegistrationStatus.REGISTERED
        duplicate = result.learner
        assert duplicate is not None
        Learner.objects.filter(pk=duplicate.pk).update(master=megan, learner_status="2")

        found = find_learner_by_uln(
            uln=duplicate.uln, given_name="Meg", family_name="Pritchard", actor=online_actor
        )

        assert found.learner == megan
        assert found.master_substituted is True
        assert found.searched_uln == duplicate.uln

    def test_a_previous_family_name_is_accepted(self, online_actor):
        learner = register_learner(
            details=learner_details(previous_family_name="Evans"), actor=online_actor
        ).learner
        assert learner is not None
        found = find_learner_by_uln(
            uln=learner.uln, given_name="Megan", family_name="Evans", actor=online_actor
        )
        assert found.learner == learner


class TestFindByPersonalDetails:
    def test_the_same_details_are_an_exact_match(self, megan, view_actor):
        outcome = search_learners(details=search(), actor=view_actor)
        assert outcome.kind is MatchKind.EXACT
        assert outcome.learners == [megan]
        assert match_reasons(outcome.matches[0].scored.evidence)

    def test_search_tips_are_applied_by_the_service(self, megan, view_actor):
        """Swapped day and month, a nickname and a new postcode still find the learner."""
        outcome = search_learners(
            details=search(
                given_name="Meg",
                date_of_birth=datetime.date(2009, 12, 4),
                last_known_postcode="SA1 1NW",
            ),
            actor=view_actor,
        )
        assert outcome.kind in {MatchKind.EXACT, MatchKind.POSSIBLE}
        assert megan in outcome.learners

    def test_swapped_given_and_family_names_find_the_learner(self, megan, view_actor):
        outcome = search_learners(
            details=search(given_name="Pritchard", family_name="Megan"), actor=view_actor
        )
        assert megan in outcome.learners

    def test_someone_else_is_no_match(self, megan, view_actor):
        outcome = search_learners(
            details=search(
                given_name="Oliver",
                family_name="Nowak",
                gender="1",
                date_of_birth=datetime.date(2008, 2, 29),
                last_known_postcode="B15 2TT",
            ),
            actor=view_actor,
        )
        assert outcome.kind is MatchKind.NONE
        assert outcome.matches == ()

    def test_a_twin_is_a_possible_match_never_an_exact_one(self, megan, view_actor):
        outcome = search_learners(details=search(given_name="Ffion"), actor=view_actor)
        assert outcome.kind is not MatchKind.EXACT

    def test_more_than_ten_possible_matches_return_no_learner_data(self, online_actor):
        postcodes = [
            "CF10 1AA", "CF11 6BB", "CF14 2DD", "CF23 5EE", "CF24 3FF", "CF3 4GG",
            "CF5 2HH", "CF15 7JJ", "CF62 4LL", "CF64 1NN", "CF72 8PP", "CF83 1QQ",
        ]  # fmt: skip
        for postcode in postcodes:
            register_learner(
                details=learner_details(
                    given_name="Emily", family_name="Jones", middle_other_name="",
                    last_known_postcode=postcode, date_of_birth=datetime.date(2009, 1, 1),
                ),
                actor=online_actor,
                confirm_not_possible_match=True,
            )  # fmt: skip

        outcome = search_learners(
            details=search(
                given_name="Emily",
                family_name="Jones",
                date_of_birth=datetime.date(2009, 1, 1),
                last_known_postcode="ZZ99 9ZZ",
            ),
            actor=online_actor,
        )

        assert outcome.kind is MatchKind.TOO_MANY
        assert outcome.matches == ()

    def test_mandatory_fields_are_checked(self, view_actor):
        with pytest.raises(ValidationFailed) as refused:
            search_learners(
                details=search(given_name="", last_known_postcode="nonsense"), actor=view_actor
            )
        assert set(refused.value.field_errors) == {"given_name", "last_known_postcode"}

    def test_batch_only_users_cannot_search(self, college, make_user):
        from lrs.core.actor import Actor, Channel

        actor = Actor(user=make_user(college, ["batch"]), channel=Channel.API)
        with pytest.raises(PermissionDenied):
            search_learners(details=search(), actor=actor)

    def test_each_search_is_audited(self, megan, view_actor):
        search_learners(details=search(), actor=view_actor)
        assert AuditEvent.objects.filter(action="learner.searched", user=view_actor.user).exists()


class TestViewLearner:
    def test_an_organisation_that_found_the_learner_can_open_the_record(self, megan, school_actor):
        search_learners(details=search(), actor=school_actor)
        assert get_learner(uln=megan.uln, actor=school_actor) == megan

    def test_a_uln_alone_does_not_open_a_record_for_another_organisation(self, megan, school_actor):
        with pytest.raises(LearnerNotFound):
            get_learner(uln=megan.uln, actor=school_actor)


class TestSearchMany:
    def test_each_search_gets_its_own_outcome_and_bad_rows_do_not_stop_the_rest(
        self, megan, view_actor
    ):
        results = search_learners_many(
            searches=[search(), search(given_name=""), search(given_name="Oliver", gender="1")],
            actor=view_actor,
        )

        assert not isinstance(results[0], ValidationFailed)
        assert results[0].kind is MatchKind.EXACT
        assert isinstance(results[1], ValidationFailed)
        assert "given_name" in results[1].field_errors
        assert not isinstance(results[2], ValidationFailed)
        assert results[2].kind is MatchKind.NONE
        assert AuditEvent.objects.filter(action="learner.searched").count() == 2

    def test_a_batch_only_user_searches_only_through_a_batch_file(self, college, make_user):
        from lrs.core.actor import Actor, Channel

        user = make_user(college, ["batch"])
        for channel in (Channel.PORTAL, Channel.API):
            with pytest.raises(PermissionDenied):
                search_learners_many(searches=[search()], actor=Actor(user=user, channel=channel))
        # Processing the user's batch file finds learners on their behalf.
        batch = Actor(user=user, channel=Channel.BATCH)
        results = search_learners_many(searches=[search()], actor=batch)
        assert len(results) == 1
