"""The blocking keys name their learner without a database foreign key (an index derived from
the learner, rebuilt by `lrs rebuild-match-keys`; learners are never deleted, and their ids are
never reused): a first national load does not check 100 million key rows against the learners
after it. Django's cascade still takes a learner's keys with it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from lrs.core.actor import Actor
from lrs.learners.details import LearnerDetails
from lrs.learners.matching_adapter import keys_for
from lrs.learners.models import Learner, LearnerMatchKey
from lrs.learners.services import register_learner

pytestmark = pytest.mark.django_db


def _foreign_keys(table: str) -> dict[str, tuple[str, str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: c["foreign_key"] for name, c in constraints.items() if c["foreign_key"]}


def test_no_database_foreign_key_but_a_learners_keys_go_with_it(
    online_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    assert _foreign_keys(LearnerMatchKey._meta.db_table) == {}
    # The other tables that name a learner keep theirs.
    from lrs.learners.models import KnownLearner

    assert ("learners_learner", "id") in _foreign_keys(KnownLearner._meta.db_table).values()
    first = register_learner(details=details(), actor=online_actor).learner
    second = register_learner(
        details=details(given_name="Rhodri", family_name="Evans", gender="1"),
        actor=online_actor,
    ).learner
    assert first is not None
    assert second is not None
    assert set(LearnerMatchKey.objects.filter(learner=first).values_list("key", flat=True)) == set(
        keys_for(first)
    )

    Learner.objects.filter(pk=first.pk).delete()

    assert set(LearnerMatchKey.objects.values_list("learner_id", flat=True)) == {second.pk}
