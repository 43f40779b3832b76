"""The duplicate finder: the matching engine run over the register itself.

Every learner (not merged away) is compared with its own blocking candidates, as a search for
it would be; pairs whose probability of being one person reaches the worklist threshold
become suspected duplicates for the service desk, ranked by score. A differing gender, UPN or
UCI, or a given name that differs with nothing to explain it (twins with other names), keeps
a pair off the list. A pair that could still be twins (`matching.twin_shaped`) is never put
above the merge threshold: a person checks it. Nor is a pair that another hard rule of the
engine blocks only for want of proof (`matching.reviewable`: twins-shaped with a nickname or
a middle name used as given name, a family name changed without the previous one recorded).
A run after the first compares only learners registered or changed since the previous run
started. A pair the service desk has decided ("not a duplicate", merged) keeps its decision.

Candidate generation is set-based, not a search per learner. A full run reads the whole
blocking-key table once into a map from key to the learners storing it (`Blocks`), leaving
out keys held by more than `MAX_BLOCK` learners, as a search's `MAX_CANDIDATES` would; an
incremental run reads only the rows of the keys its learners look up, a chunk at a time. Then
each learner's query keys (`matching.query_keys`, with the search tips' variants) are looked
up in that map, in chunks of learners in id order: the candidates are exactly those a search
for the learner would retrieve. Each pair is scored once, whichever side retrieved it first,
with the details of a chunk's candidates read in one statement per few thousand learners.

`lrs find-duplicates` queues a run as an RQ job (`request_duplicate_run`, on the batch
queue, run by `lrs worker --rq`); `--now` runs it inline (`find_duplicates`). Progress
(learners compared of the run's total) is saved after every chunk, so the service desk's
worklist page shows it while the job works.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from django.db import close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone

from lrs.challenges.choices import DuplicateRunState, SuspectStatus
from lrs.challenges.errors import ResolutionRefused
from lrs.challenges.models import DuplicateRun, SuspectedDuplicate
from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.roles import Permission
from lrs.learners.matching_adapter import (
    MATCH_CONFIG,
    MAX_CANDIDATES,
    people_of,
    register_people,
)
from lrs.learners.models import Learner, LearnerMatchKey
from lrs.matching import DEFAULT_PARAMETERS, Prepared, judge_reviewable_pair
from lrs.matching.blocking import prepared_query_keys
from lrs.matching.prepare import prepare_uncached

if TYPE_CHECKING:
    from rq import Queue

logger = logging.getLogger(__name__)

# The worklist takes pairs at least this likely to be one person (the search's "possible").
WORKLIST_PROBABILITY = MATCH_CONFIG.possible_probability
# A pair that a hard rule blocks (`matching.reviewable`) is listed only this likely or more:
# below it such pairs were mostly relatives or namesakes (at 100k, 1,700 of them above the
# worklist threshold against 20 planted duplicates).
REVIEW_PROBABILITY = 0.5
# Pairs at least this likely, and not blocked, are as sure as a search's exact match.
MERGE_PROBABILITY = MATCH_CONFIG.exact_probability
# A pair that could be twins (`matching.twin_shaped`), or that a hard rule of the engine
# blocks but a person may still check (`matching.reviewable`), stays below the merge threshold.
TWIN_SHAPED_CAP = 0.98
# Learners compared per transaction (and per progress report).
CHUNK = 2000
# A key stored by more learners than this is no use for blocking (the largest bucket of the
# synthetic register at a million learners holds 30); it is left out, as a search would
# retrieve at most MAX_CANDIDATES learners.
MAX_BLOCK = 500
# Learner ids per statement: SQLite allows 32,766 parameters.
_PER_STATEMENT = 5000
# Keys per statement of an incremental run: few enough that PostgreSQL reads them through the
# key index (at 46k learners it scanned the whole key table for 2,000 keys or more).
_KEYS_PER_STATEMENT = 1000
# An incremental run over more than this share of the register reads the whole key table
# once, as a full run does, rather than its learners' keys a chunk at a time.
_WHOLE_KEY_TABLE_SHARE = 0.1
# The RQ job of a queued run, and how long it may take.
JOB_FUNCTION = "lrs.challenges.duplicates.run_queued_duplicates"
JOB_TIMEOUT_SECONDS = 3 * 3600
# A running run whose progress has not moved for this long lost its worker.
STALLED_AFTER = datetime.timedelta(minutes=30)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FoundPair:
    low: int
    high: int
    score: float
    probability: float
    evidence: list[list[object]]


class Blocks:
    """The learners storing each blocking key, for the keys a run looks up.

    Keys are held by their hash: a full register's keys (about six a learner) then take a
    fraction of the memory their text would. Two keys sharing a hash only add a candidate,
    which scoring then judges like any other.
    """

    def __init__(self, members: dict[int, list[int]] | None = None) -> None:
        # None: read the rows of each key when first looked up (an incremental run).
        self._members = members
        self._fetched: dict[int, list[int]] = {}

    @classmethod
    def of_register(cls) -> Blocks:
        """One pass over the whole key table (a full run)."""
        members: dict[int, list[int]] = {}
        rows = LearnerMatchKey.objects.values_list("key", "learner_id").order_by()
        for key, learner_id in rows.iterator(chunk_size=20_000):
            members.setdefault(hash(key), []).append(learner_id)
        for key_hash in [h for h, ids in members.items() if len(ids) > MAX_BLOCK]:
            del members[key_hash]
        return cls(members)

    def prefetch(self, keys: Iterable[str]) -> None:
        """Read the rows of these keys not read yet (an incremental run, a chunk at a time)."""
        if self._members is not None:
            return
        wanted = sorted({key for key in keys if hash(key) not in self._fetched})
        for start in range(0, len(wanted), _KEYS_PER_STATEMENT):
            part = wanted[start : start + _KEYS_PER_STATEMENT]
            found: dict[int, list[int]] = {hash(key): [] for key in part}
            rows = LearnerMatchKey.objects.filter(key__in=part).values_list("key", "learner_id")
            for key, learner_id in rows.order_by():
                found[hash(key)].append(learner_id)
            self._fetched.update(
                (h, ids if len(ids) <= MAX_BLOCK else []) for h, ids in found.items()
            )

    def candidates(self, keys: Iterable[str]) -> set[int]:
        members = self._members if self._members is not None else self._fetched
        found: set[int] = set()
        for key in keys:
            found.update(members.get(hash(key), ()))
        return found


class People:
    """The learners of a run (not merged away), each prepared for the engine once a run.

    A full run reads the whole register in one pass (`of_register`); an incremental one
    reads the learners it needs a chunk at a time (`fetch`). A learner is compared with
    each of its candidates, so preparing it once rather than once per pair (and reading it
    once rather than once per chunk that retrieves it) is most of what a run saves.
    """

    def __init__(self, prepared: dict[int, Prepared] | None = None) -> None:
        # None: read each learner when first needed (an incremental run).
        self._complete = prepared is not None
        self._prepared: dict[int, Prepared] = prepared or {}
        self._absent: set[int] = set()

    @classmethod
    def of_register(cls) -> People:
        """Every learner not merged away (a full run)."""
        return cls({pk: prepare_uncached(person) for pk, person in register_people()})

    def fetch(self, learner_ids: Iterable[int]) -> None:
        """Read the learners not read yet (an incremental run), a few thousand a statement."""
        if self._complete:
            return
        known, absent = self._prepared, self._absent
        ids = sorted({pk for pk in learner_ids if pk not in known and pk not in absent})
        for start in range(0, len(ids), _PER_STATEMENT):
            part = ids[start : start + _PER_STATEMENT]
            found = dict(people_of(part))
            known.update((pk, prepare_uncached(person)) for pk, person in found.items())
            absent.update(pk for pk in part if pk not in found)

    def get(self, learner_id: int) -> Prepared | None:
        """The learner, prepared; None when merged away (or gone)."""
        return self._prepared.get(learner_id)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _found(pair: tuple[int, int], first: Prepared, other: Prepared) -> FoundPair | None:
    """The pair scored by the engine, if it belongs on the worklist.

    `matching.judge_reviewable_pair` scores as `matching.score_pair` does, and tells the
    pairs that are blocked and not reviewable (never listed: most pairs of strangers)
    without scoring them; the other hard rules and the evidence are worked out only for a
    pair likely enough to be listed (a few in a hundred).
    """
    judged = judge_reviewable_pair(first, other)
    if judged is None:
        return None  # blocked and not reviewable
    probability = DEFAULT_PARAMETERS.probability(judged.score)
    if probability < WORKLIST_PROBABILITY and probability < REVIEW_PROBABILITY:
        return None  # not listed, blocked or not
    blocked = judged.blocked()
    if blocked and not judged.reviewable():
        return None
    if probability < (REVIEW_PROBABILITY if blocked else WORKLIST_PROBABILITY):
        return None
    if blocked or judged.twin_shaped():
        probability = min(probability, TWIN_SHAPED_CAP)
    result = judged.scored(pair[1])
    return FoundPair(
        low=min(pair),
        high=max(pair),
        score=result.score,
        probability=probability,
        evidence=[[item.field, item.verdict, round(item.weight, 2)] for item in result.evidence],
    )


class PairFinder:
    """Scores each learner of a run against its blocking candidates, each pair once.

    Blocking is asymmetric (a learner's query keys against the others' stored keys), so a
    pair may be retrieved from either side. Learners are taken in id order; a pair retrieved
    by the lower id is remembered under the higher one until that one's turn, and skipped
    then.
    """

    def __init__(self, blocks: Blocks, people: People) -> None:
        self.blocks = blocks
        self.people = people
        self._pending: dict[int, set[int]] = {}

    def pairs_in(self, chunk_ids: list[int]) -> list[FoundPair]:
        people = self.people
        people.fetch(chunk_ids)
        chunk = {pk: person for pk in chunk_ids if (person := people.get(pk)) is not None}
        keys_of = {pk: prepared_query_keys(person) for pk, person in chunk.items()}
        self.blocks.prefetch(key for keys in keys_of.values() for key in keys)
        wanted: dict[int, list[int]] = {}
        pending = self._pending
        for pk in sorted(chunk):
            done = pending.pop(pk, set())
            candidates = sorted(self.blocks.candidates(keys_of[pk]) - {pk})[:MAX_CANDIDATES]
            others = [other for other in candidates if other not in done]
            for other in others:
                if other > pk:
                    pending.setdefault(other, set()).add(pk)
            wanted[pk] = others
        people.fetch(other for others in wanted.values() for other in others)
        found: list[FoundPair] = []
        for pk, others in wanted.items():
            first = chunk[pk]
            for other in others:
                person = people.get(other)  # None: merged away
                if person is None:
                    continue
                pair = _found((pk, other), first, person)
                if pair is not None:
                    found.append(pair)
        return found


def _store(run: DuplicateRun, pairs: list[FoundPair]) -> None:
    """Record a chunk's pairs: new ones open, open ones rescored, decided ones left alone."""
    now = timezone.now()
    existing = {
        (row.low_id, row.high_id): row
        for row in SuspectedDuplicate.objects.filter(
            low_id__in={pair.low for pair in pairs}, high_id__in={pair.high for pair in pairs}
        ).order_by()
    }
    new, changed = [], []
    for pair in pairs:
        row = existing.get((pair.low, pair.high))
        if row is None:
            new.append(
                SuspectedDuplicate(
                    low_id=pair.low,
                    high_id=pair.high,
                    score=pair.score,
                    probability=pair.probability,
                    evidence=pair.evidence,
                    found_at=now,
                    run=run,
                )
            )
        elif row.status == SuspectStatus.OPEN:
            row.score, row.probability, row.evidence, row.run = (
                pair.score,
                pair.probability,
                pair.evidence,
                run,
            )
            changed.append(row)
    SuspectedDuplicate.objects.bulk_create(new, batch_size=1000)
    SuspectedDuplicate.objects.bulk_update(
        changed, ["score", "probability", "evidence", "run"], batch_size=1000
    )


def _drop_stale(run: DuplicateRun) -> None:
    """Open pairs of the learners compared that this run did not find again are dropped."""
    stale = SuspectedDuplicate.objects.filter(status=SuspectStatus.OPEN).exclude(run=run)
    if run.changed_since is not None:
        since = run.changed_since
        stale = stale.filter(Q(low__updated_at__gt=since) | Q(high__updated_at__gt=since))
    stale.delete()


def _last_finished() -> DuplicateRun | None:
    return (
        DuplicateRun.objects.filter(state=DuplicateRunState.FINISHED)
        .exclude(finished_at=None)
        .order_by("-started_at", "-id")
        .first()
    )


def _learner_ids(since: datetime.datetime | None) -> list[int]:
    learners = Learner.objects.filter(master__isnull=True)
    if since is not None:
        learners = learners.filter(updated_at__gt=since)
    return list(learners.order_by("pk").values_list("pk", flat=True))


def _register_size() -> int:
    return Learner.objects.filter(master__isnull=True).count()


def _execute(run: DuplicateRun, *, progress: Progress | None) -> DuplicateRun:
    """Compare the run's learners and record the pairs; the run is saved as it goes."""
    last = None if run.full else _last_finished()
    run.changed_since = None if last is None else last.started_at
    run.started_at = run.progress_at = timezone.now()
    run.state = DuplicateRunState.RUNNING
    ids = _learner_ids(run.changed_since)
    run.total = len(ids)
    run.save(update_fields=["changed_since", "started_at", "progress_at", "state", "total"])
    clock = time.monotonic()
    # A full run reads the whole key table once; an incremental one only its learners' keys,
    # unless they are a good share of the register.
    whole = run.changed_since is None or len(ids) > _WHOLE_KEY_TABLE_SHARE * _register_size()
    blocks, people = (Blocks.of_register(), People.of_register()) if whole else (Blocks(), People())
    finder = PairFinder(blocks, people)
    for chunk_ids in _chunks(ids):
        pairs = finder.pairs_in(chunk_ids)
        with transaction.atomic():
            _store(run, pairs)
            run.processed += len(chunk_ids)
            run.pairs_found += len(pairs)
            run.progress_at = timezone.now()
            run.save(update_fields=["processed", "pairs_found", "progress_at"])
        if progress is not None:
            progress(run.processed, run.total)
    with transaction.atomic():
        _drop_stale(run)
        run.finished_at = run.progress_at = timezone.now()
        run.state = DuplicateRunState.FINISHED
        run.save(update_fields=["finished_at", "progress_at", "state"])
    seconds = round(time.monotonic() - clock, 1)
    logger.info(
        "duplicate run %s: %d learners, %d pairs in %.1f s",
        run.pk,
        run.processed,
        run.pairs_found,
        seconds,
    )
    return run


def _audit_run(run: DuplicateRun, actor: Actor) -> None:
    record_audit(
        actor=actor,
        action=AuditAction.DUPLICATES_FOUND,
        details={
            "run": run.pk,
            "learners": run.processed,
            "pairs": run.pairs_found,
            "seconds": round((run.finished_at - run.started_at).total_seconds(), 1)
            if run.finished_at and run.started_at
            else None,
            "incremental": run.changed_since is not None,
            "requested_by": run.requested_by,
        },
    )


def find_duplicates(
    *, actor: Actor, full: bool = False, progress: Progress | None = None
) -> DuplicateRun:
    """Run the finder now, in this process: over the whole register the first time (or with
    `full`), else over the learners changed since the last run started. Each chunk commits on
    its own, so the run's progress shows while it works."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    run = DuplicateRun.objects.create(
        state=DuplicateRunState.QUEUED,
        full=full,
        requested_by=actor.user.username,
        queued_at=timezone.now(),
    )
    _execute(run, progress=progress)
    _audit_run(run, actor)
    return run


def active_run() -> DuplicateRun | None:
    """The run queued or running now, if any (a running one whose progress stalled for
    `STALLED_AFTER` lost its worker and does not count)."""
    stalled = timezone.now() - STALLED_AFTER
    return (
        DuplicateRun.objects.filter(
            Q(state=DuplicateRunState.QUEUED)
            | Q(state=DuplicateRunState.RUNNING, progress_at__gte=stalled)
        )
        .order_by("-id")
        .first()
    )


@transaction.atomic
def request_duplicate_run(*, actor: Actor, full: bool = False) -> tuple[DuplicateRun, bool]:
    """Queue a run of the finder as a worker job (`lrs worker --rq` runs it).

    Returns the run and whether it is new: while a run is queued or running, asking again
    queues nothing and returns that run. The job is queued when the transaction commits.
    """
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    current = active_run()
    if current is not None:
        return current, False
    run = DuplicateRun.objects.create(
        state=DuplicateRunState.QUEUED,
        full=full,
        requested_by=actor.user.username,
        queued_at=timezone.now(),
    )
    record_audit(
        actor=actor,
        action=AuditAction.DUPLICATES_QUEUED,
        details={"run": run.pk, "full": full},
    )
    # robust: Redis being down must not undo the request; `lrs worker --rq` queues the job
    # of a run left queued when it starts (`enqueue_lost_runs`).
    transaction.on_commit(partial(_dispatch_run, run.pk), robust=True)
    return run, True


def _dispatch_run(run_id: int) -> None:
    """Wake this process's polling worker (the embedded one of `lrs serve` / `lrs demo`, or
    `lrs worker`), which runs queued runs when it has no batch rows; with LRS_QUEUE=rq, also
    queue the RQ job. Whichever claims the run first runs it; the other finds nothing to do."""
    from lrs.batches.queue import QueueBackend, queue_backend, work_available

    work_available.set()
    if queue_backend() is QueueBackend.RQ:
        enqueue_duplicate_job(run_id)


def run_next_queued_duplicates() -> bool:
    """For a polling worker with no batch rows to do: run the oldest queued duplicate run, if
    any. True when one was run (or claimed by someone else meanwhile)."""
    run_id = (
        DuplicateRun.objects.filter(state=DuplicateRunState.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if run_id is None:
        return False
    run_queued_duplicates(run_id)
    return True


def enqueue_duplicate_job(run_id: int, *, queue: Queue | None = None) -> None:
    """Put the run's job on the RQ queue that `lrs worker --rq` works from."""
    from lrs.batches.queue import enqueue_run_job

    enqueue_run_job(
        JOB_FUNCTION,
        run_id,
        description=f"duplicate finder run {run_id}",
        timeout=JOB_TIMEOUT_SECONDS,
        queue=queue,
    )
    logger.info("duplicate run %s: job queued", run_id)


def enqueue_lost_runs(queue: Queue) -> list[int]:
    """Queue the job of every queued run that no queued or running job covers (its job was
    lost, or Redis was down when it was asked for); `lrs worker --rq` calls this as it starts.
    """
    from lrs.batches.queue import uncovered

    queued = set(
        DuplicateRun.objects.filter(state=DuplicateRunState.QUEUED).values_list("pk", flat=True)
    )
    lost = uncovered(queue, function=JOB_FUNCTION, argument="run_id", wanted=queued)
    for run_id in lost:
        enqueue_duplicate_job(run_id, queue=queue)
    return lost


def _release_connections() -> None:
    # A long-lived worker must not keep a connection the database dropped; a test's
    # transaction keeps its own.
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


def run_queued_duplicates(run_id: int) -> int:
    """RQ job: run a queued duplicate run. Returns the learners compared.

    The run is claimed by moving it from queued to running, so a job queued twice runs it
    once. A run that fails is marked failed (the error is in the worker's log) and the
    service desk queues another.
    """
    from lrs.organisations.services import service_desk_system_actor

    _release_connections()
    try:
        claimed = DuplicateRun.objects.filter(pk=run_id, state=DuplicateRunState.QUEUED).update(
            state=DuplicateRunState.RUNNING, progress_at=timezone.now()
        )
        if not claimed:
            logger.info("duplicate run %s: not queued any more, nothing to do", run_id)
            return 0
        run = DuplicateRun.objects.get(pk=run_id)
        try:
            _execute(run, progress=None)
        except Exception:
            DuplicateRun.objects.filter(pk=run_id).update(
                state=DuplicateRunState.FAILED, progress_at=timezone.now()
            )
            raise
        _audit_run(run, service_desk_system_actor(channel=Channel.CLI))
        return run.processed
    finally:
        _release_connections()


@transaction.atomic
def decide_suspect(*, suspect_id: int, status: str, actor: Actor) -> SuspectedDuplicate:
    """The service desk's decision on a pair: "not a duplicate" (remembered: later runs leave
    the pair alone) or "challenge raised"."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    if status not in (SuspectStatus.NOT_DUPLICATE, SuspectStatus.CHALLENGED, SuspectStatus.OPEN):
        raise ResolutionRefused()
    suspect = SuspectedDuplicate.objects.select_for_update().get(pk=suspect_id)
    suspect.status = status
    suspect.decided_by = actor.user.username
    suspect.decided_at = timezone.now()
    suspect.save(update_fields=["status", "decided_by", "decided_at"])
    record_audit(
        actor=actor,
        action=AuditAction.DUPLICATE_DISMISSED,
        details={"pair": [suspect.low_id, suspect.high_id], "status": status},
    )
    return suspect
