"""Two workers' chunks registering learners at the same time (PostgreSQL, real connections)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from lrs.batches import return_codes as rc
from lrs.batches import services
from lrs.batches.models import Batch
from lrs.batches.services import process_pending_rows
from lrs.core.actor import Actor, Channel
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User
from tests.batches.test_processing import _row, _submit

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
    college: Organisation,
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
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
    actor = Actor(user=make_user(college, ["batch"]), channel=Channel.PORTAL)
    first = _submit(actor, [_row("A1", **MEGAN, **CARDIFF), _row("A2", **RHODRI, **BANGOR)])
    second = _submit(actor, [_row("B1", **FFION, **BANGOR), _row("B2", **RHYS, **CARDIFF)])

    # Hold each chunk after its first registration until the other has made its own.
    both_registered_once = threading.Barrier(2, timeout=2)
    done_by_thread: dict[int, int] = {}
    real_register = services.register_learner

    def register_then_wait(**kwargs: Any) -> Any:
        result = real_register(**kwargs)
        ident = threading.get_ident()
        done_by_thread[ident] = done_by_thread.get(ident, 0) + 1
        if done_by_thread[ident] == 1:
            # Broken when the other chunk waits for this one's locks instead: go on.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_registered_once.wait()
        return result

    monkeypatch.setattr(services, "register_learner", register_then_wait)
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


@pytest.mark.django_db(transaction=True)
def test_two_workers_finishing_a_batch_at_once_mark_it_complete(
    college: Organisation, make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker takes one of the batch's last two rows and looks for rows left to do
    before the other has committed: one of them must still see the batch complete."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: chunks cannot finish at once")
    actor = Actor(user=make_user(college, ["batch"]), channel=Channel.PORTAL)
    batch = _submit(actor, [_row("A1", **MEGAN, **CARDIFF), _row("A2", **RHODRI, **BANGOR)])
    # Started by earlier chunks (the first chunk's update of the batch makes the others wait).
    Batch.objects.filter(pk=batch.pk).update(started_at=timezone.now(), status="processing")
    both_about_to_check = threading.Barrier(2, timeout=2)
    real_finish = services._finish_if_done

    def check_together(batch: Batch) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            both_about_to_check.wait()
        real_finish(batch)

    monkeypatch.setattr(services, "_finish_if_done", check_together)
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
