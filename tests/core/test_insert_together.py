"""Rows of several tables written together (`lrs.core.bulk.insert_together`): what the ORM
reads back, known rows skipped, all or none, and the audit rows of an action with them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lrs.core.actor import Actor
from lrs.core.audit import AuditAction, audit_event, record_audits
from lrs.core.bulk import Insert, insert_together, object_rows
from lrs.core.models import AuditEvent
from lrs.learners.details import LearnerDetails
from lrs.learners.known import known_rows
from lrs.learners.models import KnownBy, KnownLearner, Learner
from lrs.learners.services import register_learner

COLUMNS = ("organisation_id", "learner_id", "how", "since")


PEOPLE = [
    {"given_name": "Megan", "family_name": "Pritchard", "last_known_postcode": "CF10 3AT"},
    {"given_name": "Rhiannon", "family_name": "Owen", "last_known_postcode": "LL57 2DG"},
]


def _learners(by: Actor, details: Callable[..., LearnerDetails], count: int) -> list[Learner]:
    """Learners registered by another organisation (so not known to the actor's)."""
    registered = [
        register_learner(details=details(**person), actor=by).learner for person in PEOPLE[:count]
    ]
    assert all(learner is not None for learner in registered)
    return [learner for learner in registered if learner is not None]


@pytest.mark.django_db
def test_audit_rows_and_known_learners_are_written_in_one_statement(
    online_actor: Actor, school_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    first, second = _learners(school_actor, details, 2)
    KnownLearner.objects.create(
        organisation_id=online_actor.organisation.pk,
        learner=first,
        how=KnownBy.REGISTERED,
        since=timezone.now(),
    )
    events = [
        audit_event(
            actor=online_actor,
            action=AuditAction.LEARNER_SEARCHED_RESULT,
            learner=learner,
            details={"outcome": "possible", "score": 12.5, "note": "tab\there"},
        )
        for learner in (first, second)
    ]

    with CaptureQueriesContext(connection) as queries:
        record_audits(
            events,
            together_with=[
                known_rows(
                    actor=online_actor,
                    learner_ids=[second.pk, first.pk, second.pk],
                    how=KnownBy.SEARCH_RESULT,
                )
            ],
        )

    if connection.vendor == "postgresql":
        assert len(queries) == 1
        assert queries[0]["sql"].startswith("WITH ")
    written = AuditEvent.objects.filter(action=AuditAction.LEARNER_SEARCHED_RESULT)
    assert sorted(event.learner_id or 0 for event in written) == sorted([first.pk, second.pk])
    for event in written:
        assert event.details == {"outcome": "possible", "score": 12.5, "note": "tab\there"}
        assert event.user_id == online_actor.user.pk
        assert event.organisation_id == online_actor.organisation.pk
        assert event.channel == online_actor.channel
        assert event.version_number == 1
    mine = KnownLearner.objects.filter(organisation_id=online_actor.organisation.pk)
    known = {k.learner_id: k.how for k in mine}
    # The learner known already keeps how it became known.
    assert known == {first.pk: KnownBy.REGISTERED, second.pk: KnownBy.SEARCH_RESULT}


@pytest.mark.django_db
def test_many_rows_go_as_before_in_a_transaction(
    online_actor: Actor, school_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    """A batch chunk's rows (more than one statement should carry) are still written."""
    (learner,) = _learners(school_actor, details, 1)
    events = [
        audit_event(actor=online_actor, action=AuditAction.LEARNER_SEARCHED, details={"n": n})
        for n in range(300)
    ]
    known = known_rows(actor=online_actor, learner_ids=[learner.pk], how=KnownBy.SEARCH_RESULT)

    record_audits(events, together_with=[known])

    assert AuditEvent.objects.filter(action=AuditAction.LEARNER_SEARCHED).count() == 300
    assert KnownLearner.objects.filter(
        learner=learner, organisation_id=online_actor.organisation.pk
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_rows_written_together_are_all_or_none_outside_a_transaction(
    online_actor: Actor, school_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    """No transaction of the caller's: a row one table refuses keeps the other's out too."""
    (learner,) = _learners(school_actor, details, 1)
    organisation = online_actor.organisation
    assert organisation is not None
    audit = object_rows(
        AuditEvent,
        [audit_event(actor=online_actor, action=AuditAction.LEARNER_FOUND_BY_ULN, learner=learner)],
    )
    refused = Insert(
        KnownLearner, COLUMNS, [(organisation.pk, None, KnownBy.FOUND_BY_ULN.value, timezone.now())]
    )
    assert connection.get_autocommit()

    with pytest.raises(IntegrityError):
        insert_together([audit, refused])

    assert not AuditEvent.objects.filter(action=AuditAction.LEARNER_FOUND_BY_ULN).exists()
    assert not KnownLearner.objects.filter(organisation_id=organisation.pk).exists()

    insert_together([audit, Insert(KnownLearner, COLUMNS, [])])
    assert AuditEvent.objects.filter(action=AuditAction.LEARNER_FOUND_BY_ULN).count() == 1
