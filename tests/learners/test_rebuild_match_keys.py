"""`lrs rebuild-match-keys`: stored blocking keys brought up to the current key scheme."""

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command

from lrs.core.actor import Actor
from lrs.learners.details import LearnerDetails
from lrs.learners.matching_adapter import keys_for
from lrs.learners.models import Learner, LearnerMatchKey
from lrs.learners.services import register_learner

pytestmark = pytest.mark.django_db


def _stored(learner: Learner) -> set[str]:
    return set(LearnerMatchKey.objects.filter(learner=learner).values_list("key", flat=True))


def test_keys_missing_or_stale_are_put_right_and_a_second_run_changes_nothing(
    online_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    first = register_learner(details=details(), actor=online_actor).learner
    second = register_learner(
        details=details(
            given_name="Rhodri",
            family_name="Evans",
            gender="1",
            middle_other_name="",
            last_known_postcode="LL57 2DG",
        ),
        actor=online_actor,
    ).learner
    assert first is not None
    assert second is not None
    # A register stored before the area keys existed, with a key the scheme no longer makes.
    LearnerMatchKey.objects.filter(key__startswith="A:").delete()
    LearnerMatchKey.objects.create(learner=second, key="Z:retired")
    assert not any(key.startswith("A:") for key in _stored(first))

    out = StringIO()
    call_command("rebuild_match_keys", "--chunk", "1", stdout=out)

    for learner in (first, second):
        assert _stored(learner) == set(keys_for(learner))
    assert any(key.startswith("A:") for key in _stored(first))
    assert "2 learners" in out.getvalue()
    assert "1 removed" in out.getvalue()

    again = StringIO()
    call_command("rebuild_match_keys", stdout=again)
    assert "0 keys added, 0 removed" in again.getvalue()
