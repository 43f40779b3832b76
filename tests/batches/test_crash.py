"""Kill a worker at any moment: the batch finishes later with no row lost and none done twice.

The real `lrs worker` runs in a subprocess on a database of its own (SQLite file, or a
PostgreSQL database when the suite runs on PostgreSQL) and is killed with SIGKILL part-way
through a 400-learner FUL batch, twice; a third worker finishes the batch.
"""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import pytest

from lrs.batches import return_codes as rc

if TYPE_CHECKING:
    from tests.batches.conftest import DatabaseTemplate, SubprocessDb, SyntheticRows, WaitFor

pytestmark = pytest.mark.slow

LEARNERS = 400
CHUNK = 10
# Each worker is killed once this many rows are done (counted over the whole run).
KILL_AFTER = (30, 150)


def _count(db: SubprocessDb, where: str = "") -> int:
    return int(db.scalar(f"SELECT COUNT(*) FROM batches_batchrow {where}"))  # noqa: S608 - ours


def _assert_consistent(db: SubprocessDb) -> dict[str, int]:
    """What every committed state must satisfy, whenever the worker died."""
    rows = _count(db)
    done = _count(db, "WHERE state = 'done'")
    new = _count(db, "WHERE state = 'done' AND return_code = 'RC002'")
    learners = int(db.scalar("SELECT COUNT(*) FROM learners_learner"))
    registered = int(
        db.scalar("SELECT COUNT(*) FROM core_auditevent WHERE action = 'learner.registered'")
    )
    assert rows == LEARNERS, "no row lost or added"
    assert _count(db, "WHERE state = 'done' AND return_code = ''") == 0, "done rows have a code"
    assert _count(db, "WHERE state = 'pending' AND return_code <> ''") == 0
    assert new == done, "everyone in the file is new"
    assert learners == new, "one learner per RC002 row, none left over from a dead chunk"
    assert registered == learners, "the audit rows committed with their learners"
    assert done % CHUNK == 0, "chunks commit whole"
    for column in ("identity_key", "uln"):
        twice = db.query(
            f"SELECT {column} FROM learners_learner GROUP BY {column} HAVING COUNT(*) > 1"  # noqa: S608
        )
        assert twice == [], f"duplicate {column}"
    assert (
        db.scalar(
            "SELECT COUNT(*) FROM (SELECT learner_id FROM batches_batchrow "
            "WHERE learner_id IS NOT NULL GROUP BY learner_id HAVING COUNT(*) > 1) AS twice"
        )
        == 0
    ), "no learner given to two rows"
    return {"done": done, "learners": learners}


def test_a_killed_worker_loses_no_row_and_repeats_none(
    template: DatabaseTemplate, synthetic_rows: SyntheticRows, wait_for: WaitFor
) -> None:
    with template.copy("crash") as db:
        (batch_id,) = db.submit(synthetic_rows(LEARNERS, seed=4242))
        assert _count(db, "WHERE state = 'pending'") == LEARNERS
        evidence = []
        for number, threshold in enumerate(KILL_AFTER, start=1):
            worker = db.start_lrs(
                "worker", "--chunk", str(CHUNK), "--poll", "0.2", log_name=f"worker{number}.log"
            )
            # Killed in the middle of a chunk: its transaction is open, learners half made.
            wait_for(
                lambda threshold=threshold: (
                    _count(db, "WHERE state = 'done'") >= threshold and db.writing()
                ),
                timeout=90,
                what=f"{threshold} rows done and a chunk in progress",
                # On SQLite a worker holds the write lock only for a chunk's writes (it
                # searches first), a few milliseconds at a time: look often.
                every=0.002,
            )
            worker.send_signal(signal.SIGKILL)
            assert worker.wait(timeout=10) == -signal.SIGKILL
            state = _assert_consistent(db)
            assert 0 < state["done"] < LEARNERS, "killed part-way through the batch"
            assert db.scalar("SELECT status FROM batches_batch WHERE id = ?", batch_id) == (
                "processing"
            )
            evidence.append(state["done"])

        db.lrs("worker", "--burst", "--chunk", "50", timeout=180)

        final = _assert_consistent(db)
        assert final == {"done": LEARNERS, "learners": LEARNERS}
        assert _count(db, "WHERE state = 'pending'") == 0
        codes = db.query("SELECT DISTINCT return_code FROM batches_batchrow")
        assert codes == [(rc.RC002,)]
        assert db.scalar("SELECT COUNT(DISTINCT uln) FROM batches_batchrow") == LEARNERS
        status, finished = db.query(
            "SELECT status, finished_at FROM batches_batch WHERE id = ?", batch_id
        )[0]
        assert status == "complete"
        assert finished is not None
        print(f"rows done when each worker was killed: {evidence}; final: {final}")
