"""SQLite: a chunk's rows are searched before the write lock, and searched again if need be."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from lrs.batches import return_codes as rc
from lrs.batches import services
from lrs.batches.services import process_until_done
from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.learners.services import register_learner, update_learner
from lrs.organisations.models import Organisation, User
from tests.batches.test_processing import _row, _submit
from tests.conftest import learner_details

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


@pytest.fixture
def batch_actor(college: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(college, ["batch"]), channel=Channel.PORTAL)


def _megan(actor: Actor) -> Learner:
    learner = register_learner(
        details=learner_details(), actor=actor, confirm_not_possible_match=True
    ).learner
    assert learner is not None
    return learner


def _spy(monkeypatch: pytest.MonkeyPatch, name: str) -> list[Any]:
    """Record what `services.<name>` returns, calling the real one."""
    real = getattr(services, name)
    returned: list[Any] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        returned.append(result)
        return result

    monkeypatch.setattr(services, name, spy)
    return returned


def test_searches_made_ahead_are_used_and_audited_once(
    batch_actor: Actor, online_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    megan = _megan(online_actor)
    batch = _submit(batch_actor, [_row("M1"), _row("M2", **RHODRI)])
    ahead = _spy(monkeypatch, "_search_ahead")
    under_lock = _spy(monkeypatch, "search_learners_many")

    assert process_until_done(batch_id=batch.pk) == 2

    assert ahead[0] is not None, "the chunk was searched ahead"
    assert under_lock == [], "and not searched again"
    rows = {row.mis_identifier: row for row in batch.rows.all()}
    assert (rows["M1"].return_code, rows["M1"].uln) == (rc.RC001, megan.uln)
    assert rows["M2"].return_code == rc.RC002
    searches = AuditEvent.objects.filter(action=AuditAction.LEARNER_SEARCHED, user=batch_actor.user)
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


def _write_after_searching_ahead(
    monkeypatch: pytest.MonkeyPatch, write: Callable[[], object]
) -> list[Any]:
    """Make `write` commit between the chunk's search ahead and its transaction."""
    real_search_ahead = services._search_ahead
    found_ahead: list[Any] = []

    def search_then_write(batch_id: int | None, limit: int) -> Any:
        ahead = real_search_ahead(batch_id, limit)
        if ahead is not None:
            found_ahead.append(ahead)
            _in_another_connection(write)
        return ahead

    monkeypatch.setattr(services, "_search_ahead", search_then_write)
    return found_ahead


def test_a_row_is_searched_again_when_its_candidates_changed_after_the_search(
    batch_actor: Actor, online_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Megan is found ahead, then (another connection) her record becomes someone else's.

    The search made ahead would return her ULN for a learner she no longer is; her row must
    be searched again under the lock, and registers the row's learner instead. Rhodri's row,
    whose candidates nobody touched, keeps its search.
    """
    megan = _megan(online_actor)
    batch = _submit(batch_actor, [_row("M1"), _row("M2", **RHODRI)])
    found_ahead = _write_after_searching_ahead(
        monkeypatch,
        lambda: update_learner(
            uln=megan.uln,
            version_number=megan.version_number,
            changes=GWENLLIAN,
            actor=online_actor,
        ),
    )
    under_lock = _spy(monkeypatch, "search_learners_many")

    process_until_done(batch_id=batch.pk)

    (ahead,) = found_ahead
    kinds = sorted(outcome.kind.value for outcome in ahead.outcomes.values())
    assert kinds == ["exact", "none"], "ahead of the change, Megan was found"
    assert [len(outcomes) for outcomes in under_lock] == [1], "one row searched again"
    rows = {row.mis_identifier: row for row in batch.rows.all()}
    assert rows["M1"].return_code == rc.RC002
    assert rows["M1"].uln != megan.uln
    assert Learner.objects.get(uln=rows["M1"].uln).given_name == "Megan"
    assert rows["M2"].return_code == rc.RC002
    searches = AuditEvent.objects.filter(action=AuditAction.LEARNER_SEARCHED, user=batch_actor.user)
    assert searches.count() == 2, "each row's search recorded once"


def test_a_write_elsewhere_leaves_the_searches_made_ahead_standing(
    batch_actor: Actor, online_actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    megan = _megan(online_actor)
    batch = _submit(batch_actor, [_row("M1"), _row("M2", **RHODRI)])
    _write_after_searching_ahead(
        monkeypatch,
        lambda: register_learner(
            details=learner_details(**GWENLLIAN),
            actor=online_actor,
        ),
    )
    under_lock = _spy(monkeypatch, "search_learners_many")

    process_until_done(batch_id=batch.pk)

    assert under_lock == [], "the register changed, but not among these rows' candidates"
    rows = {row.mis_identifier: row for row in batch.rows.all()}
    assert (rows["M1"].return_code, rows["M1"].uln) == (rc.RC001, megan.uln)
    assert rows["M2"].return_code == rc.RC002
