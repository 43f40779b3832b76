"""Two workers' chunks registering learners at the same time (PostgreSQL, real connections)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection
from django.utils import timezone

from lrs.batches import return_codes as rc
from lrs.batches.models import Batch
from lrs.batches.services import process_pending_rows, processing
from lrs.batches.services import rows as batch_rows
from lrs.core.actor import Actor
from lrs.learners.models import Learner

if TYPE_CHECKING:
    from tests.batches.conftest import MakeRow, Spy, SubmitRows

# Neighbours: born the same day at the same address, nothing else alike. Each pair shares a
# blocking key (postcode and date of birth), so their registrations take the same lock.
MEGAN = {"GivenName": "Megan", "FamilyName": "Pritchard", "Gender": "2"}
RHYS = {"GivenName": "Rhys", "FamilyName": "Lloyd", "Gender": "1"}
CARDIFF = {"DateOfBirth": "2009-04-12", "LastKnownPostCode": "CF10 3AT"}
RHODRI = {"GivenName": "Rhodri", "FamilyName": "Bevan", "Gender": "1"}
FFION = {"GivenName": "Ffion", "FamilyName": "Hughes", "Gender": "2"}
BANGOR = {"DateOfBirth": "2008-09-30", "LastKnownPostCode": "LL57 2DG"}


@pytest.mark.django_db(transaction=True)
def test_two_chunks_registering_neighbours_in_opposite_orders_do_not_deadlock(
    batch_actor: Actor,
    make_row: MakeRow,
    submit_rows: SubmitRows,
    spy: Callable[..., Spy],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each chunk registers one learner, then both go on to the other's neighbour.

    Were the registration locks taken a learner at a time, each chunk would now hold the
    lock the other needs: PostgreSQL would abort one of them as a deadlock (after its
    deadlock_timeout), and that chunk would be redone a row at a time. Taken for the whole
    chunk at once, one chunk simply waits for the other.
    """
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; the locks are PostgreSQL's")
    first = submit_rows(
        batch_actor, [make_row("A1", **MEGAN, **CARDIFF), make_row("A2", **RHODRI, **BANGOR)]
    )
    second = submit_rows(
        batch_actor, [make_row("B1", **FFION, **BANGOR), make_row("B2", **RHYS, **CARDIFF)]
    )

    # Hold each chunk after its first registration until the other has made its own.
    both_registered_once = threading.Barrier(2, timeout=2)
    done_by_thread: dict[int, int] = {}

    def register_then_wait(real_register: Callable[..., Any]) -> Callable[..., Any]:
        def register(**kwargs: Any) -> Any:
            result = real_register(**kwargs)
            ident = threading.get_ident()
            done_by_thread[ident] = done_by_thread.get(ident, 0) + 1
            if done_by_thread[ident] == 1:
                # Broken when the other chunk waits for this one's locks instead: go on.
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_registered_once.wait()
            return result

        return register

    registrations = spy(batch_rows._register, "register_learner", register_then_wait)
    failures: list[BaseException] = []

    def work(batch: Batch) -> None:
        try:
            process_pending_rows(batch_id=batch.pk)
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(batch,)) for batch in (first, second)]
    with caplog.at_level(logging.ERROR, logger="lrs.batches.services"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert not failures
    assert not [r for r in caplog.records if "failed" in r.getMessage()], caplog.text
    codes = {
        row.mis_identifier: row.return_code for batch in (first, second) for row in batch.rows.all()
    }
    assert codes == {"A1": rc.RC002, "A2": rc.RC002, "B1": rc.RC002, "B2": rc.RC002}
    assert Learner.objects.count() == 4
    assert len(registrations.calls) == 4, "each chunk registered both its learners"
    assert sorted(done_by_thread.values()) == [2, 2]


@pytest.mark.django_db(transaction=True)
def test_two_workers_finishing_a_batch_at_once_mark_it_complete(
    batch_actor: Actor, make_row: MakeRow, submit_rows: SubmitRows, spy: Callable[..., Spy]
) -> None:
    """Each worker takes one of the batch's last two rows and looks for rows left to do
    before the other has committed: one of them must still see the batch complete."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: chunks cannot finish at once")
    batch = submit_rows(
        batch_actor, [make_row("A1", **MEGAN, **CARDIFF), make_row("A2", **RHODRI, **BANGOR)]
    )
    # Started by earlier chunks (the first chunk's update of the batch makes the others wait).
    Batch.objects.filter(pk=batch.pk).update(started_at=timezone.now(), status="processing")
    both_about_to_check = threading.Barrier(2, timeout=2)

    def check_together(real_finish: Callable[[Batch], None]) -> Callable[[Batch], None]:
        def finish(batch: Batch) -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                both_about_to_check.wait()
            real_finish(batch)

        return finish

    finishes = spy(processing.process_pending_rows, "_finish_if_done", check_together)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            assert process_pending_rows(batch_id=batch.pk, limit=1) == 1
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not failures
    batch.refresh_from_db()
    assert set(batch.rows.values_list("state", flat=True)) == {"done"}
    assert batch.status == "complete"
    assert batch.finished_at is not None
    assert len(finishes.calls) == 2, "each worker checked whether the batch was done"
