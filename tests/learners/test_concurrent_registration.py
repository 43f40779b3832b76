from __future__ import annotations

import threading

import pytest
from django.db import connection

from lrs.core.errors import DomainError
from lrs.learners.models import Learner
from lrs.learners.services import RegistrationStatus, register_learner
from tests.conftest import learner_details

THREADS = 6


def _race(actor, make_details, *, confirm: bool) -> list[object]:
    barrier = threading.Barrier(THREADS)
    outcomes: list[object] = []
    lock = threading.Lock()

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            result: object = register_learner(
                details=make_details(index), actor=actor, confirm_not_possible_match=confirm
            )
        except DomainError as exc:
            result = exc
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_the_same_learner_issue_one_uln(online_actor):
    outcomes = _race(online_actor, lambda _i: learner_details(), confirm=True)

    registered = [
        o for o in outcomes if getattr(o, "status", None) is RegistrationStatus.REGISTERED
    ]
    assert len(registered) == 1
    assert Learner.objects.count() == 1
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert all(exc.code == "WSRC0021" for exc in refused)


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_learner_keyed_differently_issue_one_uln(online_actor):
    """Each request after the first sees the first one's learner and issues no ULN."""
    postcodes = ["CF10 3AU", "CF10 3AW", "CF10 3AX", "CF10 3AY", "CF10 3AZ", "CF10 3BA"]
    outcomes = _race(
        online_actor,
        lambda i: learner_details(last_known_postcode=postcodes[i]),
        confirm=False,
    )

    statuses = [getattr(o, "status", o) for o in outcomes]
    assert statuses.count(RegistrationStatus.REGISTERED) == 1
    assert Learner.objects.count() == 1
    assert all(
        status in {RegistrationStatus.ALREADY_REGISTERED, RegistrationStatus.NEEDS_CONFIRMATION}
        for status in statuses
        if status is not RegistrationStatus.REGISTERED
    )
