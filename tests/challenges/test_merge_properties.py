"""Property tests: any sequence of merges and de-merges keeps the register consistent, and a
de-merge is the exact inverse of its merge."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrs.challenges.errors import ResolutionRefused
from lrs.challenges.models import UlnMerge
from lrs.challenges.services.resolutions import demerge_ulns, merge_ulns
from lrs.core.actor import Actor
from lrs.learners.choices import LearnerStatus
from lrs.learners.models import Learner
from lrs.plr.models import LearningEvent

pytestmark = pytest.mark.django_db

LEARNERS = 5


@pytest.fixture
def ulns(desk: Actor) -> list[str]:
    now = timezone.now()
    made = []
    for index in range(LEARNERS):
        learner = Learner.objects.create(
            uln=f"10000000{index:02d}",
            given_name=f"Given{index}",
            family_name="Family",
            date_of_birth=datetime.date(2008, 1, 1 + index),
            gender="1",
            last_known_postcode="CF10 3AT",
            verification_type="1",
            ability_to_share="1",
            identity_key=f"key{index}",
        )
        for number in range(2):
            LearningEvent.objects.create(
                learner=learner,
                submitted_uln=learner.uln,
                source="AO",
                submitter_ukprn="10099001",
                source_record_id=f"{index}-{number}",
                subject="Subject",
                subject_code="601/4703/9",
                date_loaded=now,
                updated_at=now,
                loaded_by_username="ao",
                channel="api",
            )
        made.append(learner.uln)
    return made


def snapshot() -> tuple[dict[int, tuple[int, str, int]], dict[int, int]]:
    learners = {
        row[0]: row[1:]
        for row in Learner.objects.values_list(
            "pk", "master_id", "learner_status", "version_number"
        )
    }
    events = dict(LearningEvent.objects.values_list("pk", "learner_id"))
    return learners, events


def assert_consistent() -> None:
    rows = {
        row[0]: row[1:] for row in Learner.objects.values_list("pk", "master_id", "learner_status")
    }
    for pk, (master_id, status) in rows.items():
        if master_id is None:
            assert status != LearnerStatus.LINKED
            continue
        assert master_id != pk
        assert status == LearnerStatus.LINKED
        # No chains, so no cycles: a master is never itself linked.
        assert rows[master_id][0] is None
    # Every event still on the register, each on a learner that exists.
    assert LearningEvent.objects.count() == LEARNERS * 2
    assert set(LearningEvent.objects.values_list("learner_id", flat=True)) <= set(rows)
    # A learner is the duplicate of at most one merge in force, and it is linked.
    active = list(UlnMerge.objects.filter(demerged_at=None).values_list("duplicate_id", flat=True))
    assert len(active) == len(set(active))
    assert all(rows[pk][0] is not None for pk in active)


operation = st.one_of(
    st.tuples(st.just("merge"), st.integers(0, LEARNERS - 1), st.integers(0, LEARNERS - 1)),
    st.tuples(st.just("demerge"), st.integers(0, LEARNERS - 1), st.just(0)),
    st.tuples(st.just("merge_undo"), st.integers(0, LEARNERS - 1), st.integers(0, LEARNERS - 1)),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, max_size=10))
def test_any_merges_and_demerges_keep_the_register_consistent(desk, ulns, operations):
    with transaction.atomic():
        initial = snapshot()
        for kind, first, second in operations:
            before = snapshot()
            try:
                with transaction.atomic():
                    if kind == "demerge":
                        demerge_ulns(duplicate_uln=ulns[first], actor=desk)
                    else:
                        merge_ulns(master_uln=ulns[first], duplicate_uln=ulns[second], actor=desk)
                        if kind == "merge_undo":
                            demerge_ulns(duplicate_uln=ulns[second], actor=desk)
                            # De-merging straight after is the exact inverse.
                            assert snapshot() == before
            except ResolutionRefused:
                assert snapshot() == before  # a refusal changes nothing
            assert_consistent()
        # Undoing every merge in force, latest first, gives back the register as it was.
        for merge in UlnMerge.objects.filter(demerged_at=None).order_by("-pk"):
            demerge_ulns(duplicate_uln=merge.duplicate.uln, actor=desk)
            assert_consistent()
        assert snapshot() == initial
        transaction.set_rollback(True)
