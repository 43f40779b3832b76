from __future__ import annotations

import datetime
from typing import Any

import pytest

from lrs.core.audit import AuditAction
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.learners.errors import (
    IdenticalLearnerExists,
    StaleVersion,
    UlnNotFoundForUpdate,
)
from lrs.learners.selectors import list_learner_history, search_learners
from lrs.learners.services import register_learner, update_learner
from lrs.matching import MatchKind
from tests.conftest import learner_details

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(online_actor):
    return register_learner(details=learner_details(), actor=online_actor).learner


def test_update_changes_the_learner_and_bumps_the_version(learner, online_actor):
    result = update_learner(
        uln=learner.uln,
        version_number=1,
        changes={"last_known_postcode": "sa1 1nw", "email_address": "megan@example.com"},
        actor=online_actor,
    )
    updated = result.learner

    assert updated.version_number == 2
    assert updated.last_known_postcode == "SA1 1NW"
    assert updated.email_address == "megan@example.com"
    assert result.changed
    assert result.changes == {
        "last_known_postcode": ["CF10 3AT", "SA1 1NW"],
        "email_address": ["", "megan@example.com"],
    }


def test_a_stale_version_is_refused(learner, online_actor):
    update_learner(
        uln=learner.uln, version_number=1, changes={"notes": "first"}, actor=online_actor
    )

    with pytest.raises(StaleVersion) as refused:
        update_learner(
            uln=learner.uln, version_number=1, changes={"notes": "second"}, actor=online_actor
        )
    assert refused.value.code == "WSRC0013"


def test_no_change_is_reported_in_the_result_and_keeps_the_version(learner, online_actor):
    result = update_learner(
        uln=learner.uln,
        version_number=1,
        changes={"given_name": "Megan", "last_known_postcode": "cf10 3at"},
        actor=online_actor,
    )

    assert not result.changed
    assert result.changes == {}
    assert result.learner == learner
    learner.refresh_from_db()
    assert learner.version_number == 1
    assert not AuditEvent.objects.filter(action=AuditAction.LEARNER_UPDATED).exists()


def test_a_family_name_change_keeps_the_old_name_as_previous_family_name(learner, online_actor):
    updated = update_learner(
        uln=learner.uln, version_number=1, changes={"family_name": "Hughes"}, actor=online_actor
    ).learner

    assert updated.family_name == "Hughes"
    assert updated.previous_family_name == "Pritchard"


def test_the_learner_is_still_found_under_the_old_family_name(learner, online_actor):
    update_learner(
        uln=learner.uln, version_number=1, changes={"family_name": "Hughes"}, actor=online_actor
    )

    outcome = search_learners(details=_search(family_name="Pritchard"), actor=online_actor)

    assert outcome.kind in {MatchKind.EXACT, MatchKind.POSSIBLE}
    assert learner.uln in [m.learner.uln for m in outcome.matches]


def test_update_to_key_information_identical_to_another_learner_is_refused(learner, online_actor):
    other = register_learner(
        details=learner_details(given_name="Gethin", gender="1", middle_other_name=""),
        actor=online_actor,
        confirm_not_possible_match=True,
    ).learner
    assert other is not None

    with pytest.raises(IdenticalLearnerExists) as refused:
        update_learner(
            uln=other.uln,
            version_number=other.version_number,
            changes={"given_name": "Megan", "gender": "2"},
            actor=online_actor,
        )
    assert refused.value.code == "WSRC0021"


def test_every_version_is_kept_in_the_history(learner, online_actor):
    update_learner(
        uln=learner.uln, version_number=1, changes={"family_name": "Hughes"}, actor=online_actor
    )
    update_learner(
        uln=learner.uln,
        version_number=2,
        changes={"date_of_birth": datetime.date(2009, 12, 4)},
        actor=online_actor,
    )

    history = list(list_learner_history(learner=learner, actor=online_actor))

    assert [event.version_number for event in history] == [1, 2, 3]
    assert history[1].changes == {
        "family_name": ["Pritchard", "Hughes"],
        "previous_family_name": ["", "Pritchard"],
    }
    assert history[2].changes == {"date_of_birth": ["2009-04-12", "2009-12-04"]}
    assert {event.organisation_name for event in history} == {"Riverside College"}


def test_invalid_changes_are_refused(learner, online_actor):
    with pytest.raises(ValidationFailed) as refused:
        update_learner(
            uln=learner.uln,
            version_number=1,
            changes={"email_address": "none"},
            actor=online_actor,
        )
    assert "email_address" in refused.value.field_errors


def test_unknown_fields_are_refused(learner, online_actor):
    with pytest.raises(ValidationFailed):
        update_learner(
            uln=learner.uln, version_number=1, changes={"uln": "1000000043"}, actor=online_actor
        )


def test_view_only_users_cannot_update(learner, view_actor):
    with pytest.raises(PermissionDenied):
        update_learner(uln=learner.uln, version_number=1, changes={"notes": "x"}, actor=view_actor)


def test_an_organisation_cannot_update_a_learner_it_has_never_found(learner, school_actor):
    with pytest.raises(UlnNotFoundForUpdate):
        update_learner(
            uln=learner.uln, version_number=1, changes={"notes": "x"}, actor=school_actor
        )


def _search(**overrides):
    from lrs.learners.details import SearchDetails

    values: dict[str, Any] = {
        "given_name": "Megan",
        "family_name": "Pritchard",
        "date_of_birth": datetime.date(2009, 4, 12),
        "gender": "2",
        "last_known_postcode": "CF10 3AT",
    }
    values.update(overrides)
    return SearchDetails(**values)
