"""Recording which learners an organisation knows (`KnownLearner`, ADR 2).

Called by the services that introduce an organisation to a learner: registration, import,
find by ULN, the results a search shows, update. Read only by
`lrs.learners.selectors.is_known_to_organisation`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from lrs.core.actor import Actor
from lrs.core.bulk import Insert, insert_new_rows
from lrs.learners.models import KnownBy, KnownLearner

_COLUMNS = ("organisation_id", "learner_id", "how", "since")


def record_known(*, actor: Actor, learner_ids: Iterable[int], how: KnownBy) -> None:
    """Record that the actor's organisation knows these learners; known ones stay as they were.

    One statement for any number of learners (a batch chunk's search results). The ids are
    inserted in order, so that two workers recording overlapping sets can't deadlock.
    """
    known = known_rows(actor=actor, learner_ids=learner_ids, how=how)
    insert_new_rows(known.model, known.columns, known.rows)


def known_rows(*, actor: Actor, learner_ids: Iterable[int], how: KnownBy) -> Insert:
    """`record_known`'s rows, for writing with the audit rows of the action that showed the
    learners (`lrs.core.audit.record_audits(together_with=...)`)."""
    organisation = actor.organisation
    since = connection.ops.adapt_datetimefield_value(timezone.now())
    ids = sorted(set(learner_ids))
    rows = [(organisation.pk, learner_id, how.value, since) for learner_id in ids]
    return Insert(KnownLearner, _COLUMNS, rows, skip_existing=True)
