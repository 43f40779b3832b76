"""`lrs rebuild-match-keys`: stored blocking keys brought up to the current key scheme."""

import datetime
import threading
import time
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from lrs.core.actor import Actor
from lrs.learners.details import LearnerDetails, SearchDetails
from lrs.learners.matching_adapter import (
    REBUILD_PAIRS_PER_STATEMENT,
    KeyRebuild,
    keys_for,
    person_from,
    rebuild_keys,
)
from lrs.learners.models import Learner, LearnerMatchKey
from lrs.learners.selectors import search_learners
from lrs.learners.services import register_learner, update_learner
from lrs.matching import query_keys

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


def _old_scheme(learner: Learner) -> set[str]:
    """The learner's keys with F keys of an older scheme: without the gender suffix."""
    return {key.rsplit("|", 1)[0] if key.startswith("F:") else key for key in keys_for(learner)}


def _store_old_scheme(*learners: Learner) -> None:
    LearnerMatchKey.objects.filter(learner__in=learners).delete()
    LearnerMatchKey.objects.bulk_create(
        LearnerMatchKey(learner=learner, key=key)
        for learner in learners
        for key in sorted(_old_scheme(learner))
    )


def test_f_keys_of_the_old_scheme_are_replaced_by_those_split_by_gender(
    online_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    megan = register_learner(details=details(), actor=online_actor).learner
    alex = register_learner(
        details=details(
            given_name="Alex",
            family_name="Morgan",
            gender="0",
            middle_other_name="",
            date_of_birth=datetime.date(2010, 6, 30),
            last_known_postcode="NP20 1AA",
        ),
        actor=online_actor,
    ).learner
    rhodri = register_learner(
        details=details(
            given_name="Rhodri",
            family_name="Evans",
            gender="9",
            middle_other_name="",
            date_of_birth=datetime.date(2008, 11, 3),
            last_known_postcode="LL57 2DG",
        ),
        actor=online_actor,
    ).learner
    assert megan is not None
    assert alex is not None
    assert rhodri is not None
    learners = (megan, alex, rhodri)
    _store_old_scheme(*learners)
    stale = sum(len(_old_scheme(learner) - keys_for(learner)) for learner in learners)
    new = sum(len(keys_for(learner) - _old_scheme(learner)) for learner in learners)
    assert stale > 0
    assert new > stale  # a learner of gender not known gets two F keys for each old one

    result = rebuild_keys(chunk=2)

    assert result == KeyRebuild(learners=3, added=new, removed=stale)
    for learner in learners:
        assert _stored(learner) == set(keys_for(learner))
    assert {key[-2:] for key in _stored(megan) if key.startswith("F:")} == {"|2"}
    for unknown in (alex, rhodri):
        f_keys = {key for key in _stored(unknown) if key.startswith("F:")}
        prefixes = {key.rsplit("|", 1)[0] for key in f_keys}
        assert f_keys == {f"{prefix}|{gender}" for prefix in prefixes for gender in "12"}
    assert rebuild_keys() == KeyRebuild(learners=3, added=0, removed=0)


def test_a_search_finds_through_the_f_key_alone_only_after_the_rebuild(
    online_actor: Actor, view_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    megan = register_learner(details=details(), actor=online_actor).learner
    assert megan is not None
    _store_old_scheme(megan)
    # The day of birth mistyped and a new postcode in another area: of the learner's keys only
    # the F key (family name, month of birth, given-name code head, gender) is among the search's.
    search = SearchDetails(
        given_name="Megan",
        family_name="Pritchard",
        date_of_birth=datetime.date(2009, 4, 13),
        gender="2",
        last_known_postcode="SA1 1NW",
    )
    shared = query_keys(person_from(search)) & keys_for(megan)
    assert shared
    assert {key[:2] for key in shared} == {"F:"}

    before = search_learners(details=search, actor=view_actor)
    assert megan not in before.learners

    rebuild_keys()

    after = search_learners(details=search, actor=view_actor)
    assert megan in after.learners


def test_many_stale_keys_in_one_chunk_are_all_removed(
    online_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    """More stale keys than one delete statement takes (`REBUILD_PAIRS_PER_STATEMENT`)."""
    megan = register_learner(details=details(), actor=online_actor).learner
    assert megan is not None
    retired = [f"Z:retired-{number:05}" for number in range(REBUILD_PAIRS_PER_STATEMENT + 7)]
    LearnerMatchKey.objects.bulk_create(LearnerMatchKey(learner=megan, key=key) for key in retired)

    result = rebuild_keys()

    assert result == KeyRebuild(learners=1, added=0, removed=len(retired))
    assert _stored(megan) == set(keys_for(megan))


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
def test_a_learner_updated_while_its_chunk_is_rebuilt_keeps_the_keys_of_its_new_details(
    online_actor: Actor, details: Callable[..., LearnerDetails]
) -> None:
    """The rebuild waits for the update's transaction and reads the details it committed."""
    megan = register_learner(details=details(), actor=online_actor).learner
    assert megan is not None
    _store_old_scheme(megan)
    updated = threading.Event()
    outcome: list[object] = []

    def update() -> None:
        try:
            with transaction.atomic():
                update_learner(
                    uln=megan.uln,
                    version_number=megan.version_number,
                    changes={"date_of_birth": datetime.date(2009, 5, 12)},
                    actor=online_actor,
                )
                updated.set()
                _wait_for_a_blocked_session()
        finally:
            connection.close()

    def rebuild() -> None:
        try:
            outcome.append(rebuild_keys())
        finally:
            connection.close()

    updater = threading.Thread(target=update)
    updater.start()
    assert updated.wait(10)
    rebuilder = threading.Thread(target=rebuild)
    rebuilder.start()
    updater.join(20)
    rebuilder.join(20)

    megan.refresh_from_db()
    assert megan.date_of_birth == datetime.date(2009, 5, 12)
    assert _stored(megan) == set(keys_for(megan))
    assert outcome == [KeyRebuild(learners=1, added=0, removed=0)]


def _wait_for_a_blocked_session() -> None:
    """Return once another session waits for a lock (the rebuild, for the update's)."""
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # The activity view is read once per transaction unless its snapshot is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            (waiting,) = cursor.fetchone()
            if waiting:
                return
            time.sleep(0.02)
