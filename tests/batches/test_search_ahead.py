"""SQLite: a chunk's rows are searched before the write lock, and searched again if need be."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection

from lrs.batches import return_codes as rc
from lrs.batches.services import process_until_done, processing
from lrs.batches.services import rows as batch_rows
from lrs.core.actor import Actor
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.learners.details import LearnerDetails
from lrs.learners.models import Learner
from lrs.learners.services import register_learner, update_learner

if TYPE_CHECKING:
    from tests.batches.conftest import MakeRow, Register, Spy, SubmitRows

pytestmark = pytest.mark.django_db(transaction=True)

# Rows are Megan Pritchard (conftest's learner) unless given other details.
RHODRI = {
    "GivenName": "Rhodri",
    "FamilyName": "Bevan",
    "DateOfBirth": "2008-09-30",
    "Gender": "1",
    "LastKnownPostCode": "LL57 2DG",
}
# Nobody in these tests: what Megan's record becomes, or a learner registered elsewhere.
GWENLLIAN = {
    "given_name": "Gwenllian",
    "family_name": "Zephaniah",
    "date_of_birth": datetime.date(2007, 1, 30),
    "last_known_postcode": "SA1 1AA",
}


@pytest.fixture(autouse=True)
def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite searches ahead of its one write lock")


def _searched_under_lock(spy: Callable[..., Spy]) -> Spy:
    """The searches a chunk makes once it holds the write lock."""
    return spy(batch_rows.process_rows, "search_learners_many")


def test_searches_made_ahead_are_used_and_audited_once(
    batch_actor: Actor,
    online_actor: Actor,
    make_row: MakeRow,
    submit_rows: SubmitRows,
    register: Register,
    spy: Callable[..., Spy],
) -> None:
    megan = register(online_actor)
    batch = submit_rows(batch_actor, [make_row("M1"), make_row("M2", **RHODRI)])
    ahead = spy(processing.process_pending_rows, "_search_ahead")
    under_lock = _searched_under_lock(spy)
    recorded = spy(batch_rows.process_rows, "record_searches")

    assert process_until_done(batch_id=batch.pk) == 2

    assert ahead.returned[0] is not None, "the chunk was searched ahead"
    assert under_lock.calls == [], "and not searched again"
    assert [len(kwargs["results"]) for _args, kwargs in recorded.calls] == [2], "but recorded"
    rows = {row.mis_identifier: row for row in batch.rows.all()}
    assert (rows["M1"].return_code, rows["M1"].uln) == (rc.RC001, megan.uln)
    assert rows["M2"].return_code == rc.RC002
    searches = AuditEvent.objects.filter(
        action=AuditAction.LEARNER_SEARCHED, user_id=batch_actor.user.pk
    )
    assert searches.count() == 2


def _in_another_connection(write: Callable[[], object]) -> None:
    """Run `write` as a web request would: its own thread, its own connection, committed."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)
        finally:
            connection.close()

    other = threading.Thread(target=run)
    other.start()
    other.join()
    if failures:
        raise failures[0]


def _write_after_searching_ahead(spy: Callable[..., Spy], write: Callable[[], object]) -> Spy:
    """Make `write` commit between the chunk's search ahead and its transaction."""

    def search_then_write(real_search_ahead: Callable[..., Any]) -> Callable[..., Any]:
        def search_ahead(batch_id: int | None, limit: int) -> Any:
            ahead = real_search_ahead(batch_id, limit)
            if ahead is not None:
                _in_another_connection(write)
            return ahead

        return search_ahead

    return spy(processing.process_pending_rows, "_search_ahead", search_then_write)


def test_a_row_is_searched_again_when_its_candidates_changed_after_the_search(
    batch_actor: Actor,
    online_actor: Actor,
    make_row: MakeRow,
    submit_rows: SubmitRows,
    register: Register,
    spy: Callable[..., Spy],
) -> None:
    """Megan is found ahead, then (another connection) her record becomes someone else's.

    The search made ahead would return her ULN for a learner she no longer is; her row must
    be searched again under the lock, and registers the row's learner instead. Rhodri's row,
    whose candidates nobody touched, keeps its search.
    """
    megan = register(online_actor)
    batch = submit_rows(batch_actor, [make_row("M1"), make_row("M2", **RHODRI)])
    searched_ahead = _write_after_searching_ahead(
        spy,
        lambda: update_learner(
            uln=megan.uln,
            version_number=megan.version_number,
            changes=GWENLLIAN,
            actor=online_actor,
        ),
    )
    under_lock = _searched_under_lock(spy)

    process_until_done(batch_id=batch.pk)

    ahead = searched_ahead.returned[0]
    kinds = sorted(outcome.kind.value for outcome in ahead.outcomes.values())
    assert kinds == ["exact", "none"], "ahead of the change, Megan was found"
    assert [len(outcomes) for outcomes in under_lock.returned] == [1], "one row searched again"
    rows = {row.mis_identifier: row for row in batch.rows.all()}
    assert rows["M1"].return_code == rc.RC002
    assert rows["M1"].uln != megan.uln
    assert Learner.objects.get(uln=rows["M1"].uln).given_name == "Megan"
    assert rows["M2"].return_code == rc.RC002
    searches = AuditEvent.objects.filter(
        action=AuditAction.LEARNER_SEARCHED, user_id=batch_actor.user.pk
    )
    assert searches.count() == 2, "each row's search recorded once"


def test_a_write_elsewhere_leaves_the_searches_made_ahead_standing(
    batch_actor: Actor,
    online_actor: Actor,
    make_row: MakeRow,
    submit_rows: SubmitRows,
    register: Register,
    details: Callable[..., LearnerDetails],
    spy: Callable[..., Spy],
) -> None:
    megan = register(online_actor)
    batch = submit_rows(batch_actor, [make_row("M1"), make_row("M2", **RHODRI)])
    searched_ahead = _write_after_searching_ahead(
        spy,
        lambda: register_learner(details=details(**GWENLLIAN), actor=online_actor),
    )
    under_lock = _searched_under_lock(spy)

    process_until_done(batch_id=batch.pk)

    assert searched_ahead.returned[0] is not None, "the chunk was searched ahead"
    assert Learner.objects.filter(given_name="Gwenllian").exists(), "and the write committed"
    assert under_lock.calls == [], "the register changed, but not among these rows' candidates"
    rows = {row.mis_identifier: row for row in batch.rows.all()}
    assert (rows["M1"].return_code, rows["M1"].uln) == (rc.RC001, megan.uln)
    assert rows["M2"].return_code == rc.RC002
