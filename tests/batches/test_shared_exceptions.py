"""A file sent again does not repeat its open exceptions; a find-only file registers nobody.

Issue 18 item 5 and issue 19 item 20: an open exception for the same organisation and the same
learner details is shared by the new row, not repeated, and resolving it answers every row
that shares it. A CHK (find only) batch never offers "register a new learner".
"""

from __future__ import annotations

import pytest

from lrs.batches import return_codes as rc
from lrs.batches.models import Batch, BatchException, ExceptionStatus
from lrs.batches.selectors import batch_counts, list_exceptions
from lrs.batches.services import process_until_done, resolve_by_choosing, resolve_by_registering
from lrs.core.actor import Actor, Channel
from lrs.core.errors import Conflict
from lrs.learners.models import Learner

from .conftest import MakeRow, Register, SubmitRows


@pytest.fixture
def existing(batch_actor: Actor, register: Register) -> Register:
    as_batch = Actor(user=batch_actor.user, channel=Channel.BATCH)
    return lambda **overrides: register(as_batch, **overrides)


@pytest.fixture
def alys(existing: Register) -> Learner:
    """Alys, on the register: Elin's rows possibly match her."""
    return existing(given_name="Alys", last_known_postcode="CF10 3AT")


def _send(actor: Actor, submit_rows: SubmitRows, rows: list[dict[str, str]], kind: str) -> Batch:
    batch = submit_rows(actor, rows, kind)
    process_until_done(batch_id=batch.pk)
    return batch


def _open(actor: Actor) -> int:
    return list_exceptions(actor, status=ExceptionStatus.OPEN).count()


@pytest.mark.usefixtures("alys")
@pytest.mark.parametrize("kind", ["FUL", "CHK"])
def test_the_same_file_sent_again_shares_its_open_exceptions(
    batch_actor: Actor, make_row: MakeRow, submit_rows: SubmitRows, kind: str
) -> None:
    elin = make_row("P1", GivenName="Elin", MiddleOtherName="")
    first = _send(batch_actor, submit_rows, [elin], kind)
    assert first.rows.get().return_code == rc.RC007
    assert _open(batch_actor) == 1
    second = _send(batch_actor, submit_rows, [dict(elin)], kind)
    row = second.rows.get()
    assert row.return_code == rc.RC007
    assert _open(batch_actor) == 1  # not repeated
    exception = BatchException.objects.get()
    assert row.shared_exception == exception
    # Each batch still lists (and counts) the exception its row is waiting on.
    assert list(list_exceptions(batch_actor, batch_id=second.pk)) == [exception]
    assert list(list_exceptions(batch_actor, batch_id=first.pk)) == [exception]
    assert batch_counts(second).open_exceptions == 1


@pytest.mark.usefixtures("alys")
def test_the_same_learner_twice_in_one_file_gets_one_exception(
    batch_actor: Actor, make_row: MakeRow, submit_rows: SubmitRows
) -> None:
    rows = [
        make_row("P1", GivenName="Elin", MiddleOtherName=""),
        make_row("P2", GivenName="elin ", MiddleOtherName="", LastKnownPostCode="cf103at"),
    ]
    batch = _send(batch_actor, submit_rows, rows, "FUL")
    assert _open(batch_actor) == 1
    first, second = batch.rows.order_by("position")
    assert second.shared_exception == BatchException.objects.get(row=first)


def test_resolving_a_shared_exception_answers_every_row(
    batch_actor: Actor, make_row: MakeRow, submit_rows: SubmitRows, alys: Learner
) -> None:
    elin = make_row("P1", GivenName="Elin", MiddleOtherName="")
    first = _send(batch_actor, submit_rows, [elin], "FUL")
    second = _send(batch_actor, submit_rows, [dict(elin)], "FUL")
    exception = BatchException.objects.get()
    resolve_by_choosing(actor=batch_actor, exception_id=exception.pk, learner_id=alys.pk)
    for batch in (first, second):
        row = batch.rows.get()
        assert (row.return_code, row.uln) == (rc.RC001, alys.uln)
    assert _open(batch_actor) == 0


@pytest.mark.usefixtures("alys")
def test_other_details_or_a_resolved_exception_are_not_shared(
    batch_actor: Actor, make_row: MakeRow, submit_rows: SubmitRows
) -> None:
    _send(batch_actor, submit_rows, [make_row("P1", GivenName="Elin", MiddleOtherName="")], "FUL")
    _send(batch_actor, submit_rows, [make_row("P1", GivenName="Eluned", MiddleOtherName="")], "FUL")
    assert (
        BatchException.objects.count()
        == BatchException.objects.filter(row__shared_exception__isnull=True).count()
    )
    assert _open(batch_actor) == BatchException.objects.count()


@pytest.mark.usefixtures("alys")
def test_a_find_only_exception_cannot_register_a_learner(
    batch_actor: Actor, make_row: MakeRow, submit_rows: SubmitRows
) -> None:
    _send(batch_actor, submit_rows, [make_row("P1", GivenName="Elin", MiddleOtherName="")], "CHK")
    exception = BatchException.objects.get()
    with pytest.raises(Conflict) as refused:
        resolve_by_registering(actor=batch_actor, exception_id=exception.pk)
    assert refused.value.code == "check_only_batch"
    assert Learner.objects.count() == 1
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.OPEN


def test_a_find_only_row_with_no_learner_to_choose_is_not_an_exception(
    batch_actor: Actor, make_row: MakeRow, submit_rows: SubmitRows, existing: Register
) -> None:
    megan = existing()
    wrong = make_row(
        "W1",
        ULN=megan.uln,
        GivenName="Carys",
        FamilyName="Jones",
        DateOfBirth="2008-11-30",
        LastKnownPostCode="LL57 2DG",
    )
    batch = _send(batch_actor, submit_rows, [wrong], "CHK")
    assert batch.rows.get().return_code == rc.RC008
    assert not BatchException.objects.exists()
