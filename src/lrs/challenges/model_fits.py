"""The matching fit as a worker job with progress (issue 13 items 1 and 4).

`lrs fit-matching --queue` asks for a run (`request_fit_run`): a `MatchingFitRun` row,
"queued", and on commit a wake-up for the polling worker (the embedded one of `lrs serve` /
`lrs demo`, or `lrs worker`) and, with LRS_QUEUE=rq, an RQ job on the batch queue that
`lrs worker --rq` works from. Whichever claims the run first (queued -> running) runs it; the
other finds nothing to do. The run records its phase and the learners paired as it goes, and
ends with a new, inactive `MatchingModel` version: nothing switches searches to it but an
operator (`lrs fit-matching --use V`), after reading its report. Without `--queue` the
command runs the same thing in its own process (`fit_now`).

With `with_decisions` the service's own decisions are gathered first
(`labelled_pairs.labelled_pairs`) and the fit counts them as labelled pairs. The same shape as
the duplicate finder's runs (`lrs.challenges.duplicates`), run by the same workers, after the
duplicate finder's when both wait: a school's batch first, then the desk's worklist, then this.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from django.db import close_old_connections, connections, transaction
from django.db.models import Q
from django.utils import timezone

from lrs.challenges.choices import DuplicateRunState, FitRunPhase
from lrs.challenges.labelled_pairs import labelled_pairs
from lrs.challenges.models import MatchingFitRun
from lrs.core.actor import Actor, Channel, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.roles import Permission
from lrs.learners.matching_fit import activate, fit_matching_model
from lrs.learners.models import MatchingModel

if TYPE_CHECKING:
    from rq import Queue

logger = logging.getLogger(__name__)

# The RQ job of a queued run, and how long it may take (a million learners: minutes).
JOB_FUNCTION = "lrs.challenges.model_fits.run_queued_fit"
JOB_TIMEOUT_SECONDS = 3 * 3600
# A running run whose progress has not moved for this long lost its worker.
STALLED_AFTER = datetime.timedelta(minutes=30)

State = DuplicateRunState
Progress = Callable[[int, int], None]


def active_fit_run() -> MatchingFitRun | None:
    """The run queued or running now, if any (one whose progress stalled does not count)."""
    stalled = timezone.now() - STALLED_AFTER
    return (
        MatchingFitRun.objects.filter(
            Q(state=State.QUEUED) | Q(state=State.RUNNING, progress_at__gte=stalled)
        )
        .order_by("-id")
        .first()
    )


def _new_run(
    actor: Actor, *, with_decisions: bool, sample: int | None, seed: int
) -> MatchingFitRun:
    return MatchingFitRun.objects.create(
        state=State.QUEUED,
        with_decisions=with_decisions,
        sample=sample,
        seed=seed,
        requested_by=actor.user.username,
        queued_at=timezone.now(),
    )


@transaction.atomic
def request_fit_run(
    *, actor: Actor, with_decisions: bool = False, sample: int | None = None, seed: int = 0
) -> tuple[MatchingFitRun, bool]:
    """Queue a fit of the matching model as a worker job. Returns the run and whether it is
    new: while a run is queued or running, asking again queues nothing and returns that run.
    The job is queued when the transaction commits."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    current = active_fit_run()
    if current is not None:
        return current, False
    run = _new_run(actor, with_decisions=with_decisions, sample=sample, seed=seed)
    record_audit(
        actor=actor,
        action=AuditAction.MATCHING_FIT_QUEUED,
        details={"run": run.pk, "with_decisions": with_decisions, "sample": sample},
    )
    # robust: Redis being down must not undo the request; `lrs worker --rq` queues the job of
    # a run left queued when it starts (`enqueue_lost_fit_runs`).
    transaction.on_commit(partial(_dispatch_run, run.pk), robust=True)
    return run, True


def fit_now(
    *,
    actor: Actor,
    with_decisions: bool = False,
    sample: int | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    jobs: int = 1,
) -> MatchingFitRun:
    """Run a fit in this process (`lrs fit-matching` without --queue), recorded as a run;
    `jobs` worker processes pair the learners (`fit_matching_model`)."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    run = _new_run(actor, with_decisions=with_decisions, sample=sample, seed=seed)
    MatchingFitRun.objects.filter(pk=run.pk).update(state=State.RUNNING, progress_at=timezone.now())
    run.refresh_from_db()
    _execute_or_fail(run, actor, progress, jobs)
    return run


class NoSuchModelVersion(LookupError):
    """No stored matching model has that version."""


@transaction.atomic
def switch_matching_model(*, actor: Actor, version: int | None) -> MatchingModel | None:
    """Make searches use a stored version from their next look-up (None: the shipped
    defaults). Only the service desk switches, after reading the version's report; every
    switch is audited with the version it replaced."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    if version is not None and not MatchingModel.objects.filter(pk=version).exists():
        raise NoSuchModelVersion(version)
    previous = MatchingModel.objects.filter(active=True).values_list("pk", flat=True).first()
    model = activate(version)
    record_audit(
        actor=actor,
        action=AuditAction.MATCHING_MODEL_SWITCHED,
        details={"version": version, "previous": previous},
    )
    return model


def _dispatch_run(run_id: int) -> None:
    """Wake this process's polling worker; with LRS_QUEUE=rq, also queue the RQ job."""
    from lrs.batches.queue import QueueBackend, queue_backend, work_available

    work_available.set()
    if queue_backend() is QueueBackend.RQ:
        enqueue_fit_job(run_id)


def enqueue_fit_job(run_id: int, *, queue: Queue | None = None) -> None:
    """Put the run's job on the RQ queue that `lrs worker --rq` works from."""
    from lrs.batches.queue import enqueue_run_job

    enqueue_run_job(
        JOB_FUNCTION,
        run_id,
        description=f"matching fit run {run_id}",
        timeout=JOB_TIMEOUT_SECONDS,
        queue=queue,
    )
    logger.info("matching fit run %s: job queued", run_id)


def enqueue_lost_fit_runs(queue: Queue) -> list[int]:
    """Queue the job of every queued run that no queued or running job covers;
    `lrs worker --rq` calls this as it starts."""
    from lrs.batches.queue import uncovered

    queued = set(MatchingFitRun.objects.filter(state=State.QUEUED).values_list("pk", flat=True))
    lost = uncovered(queue, function=JOB_FUNCTION, argument="run_id", wanted=queued)
    for run_id in lost:
        enqueue_fit_job(run_id, queue=queue)
    return lost


def run_next_queued_fit() -> bool:
    """For a polling worker with nothing else to do: run the oldest queued fit, if any. True
    when one was run (or claimed by someone else meanwhile)."""
    run_id = (
        MatchingFitRun.objects.filter(state=State.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )
    if run_id is None:
        return False
    run_queued_fit(run_id)
    return True


def _release_connections() -> None:
    # A long-lived worker must not keep a connection the database dropped; a test's
    # transaction keeps its own.
    if not any(conn.in_atomic_block for conn in connections.all(initialized_only=True)):
        close_old_connections()


def run_queued_fit(run_id: int) -> int | None:
    """RQ job (and the polling worker's): run a queued fit. Returns the version it stored.

    The run is claimed by moving it from queued to running, so a job queued twice runs it
    once. A run that fails is marked failed (the error is in the worker's log); asking again
    queues a new one.
    """
    from lrs.organisations.services import service_desk_system_actor

    _release_connections()
    try:
        claimed = MatchingFitRun.objects.filter(pk=run_id, state=State.QUEUED).update(
            state=State.RUNNING, progress_at=timezone.now()
        )
        if not claimed:
            logger.info("matching fit run %s: not queued any more, nothing to do", run_id)
            return None
        run = MatchingFitRun.objects.get(pk=run_id)
        _execute_or_fail(run, service_desk_system_actor(channel=Channel.CLI), None)
        return run.model_id
    finally:
        _release_connections()


def _execute_or_fail(
    run: MatchingFitRun, actor: Actor, progress: Progress | None, jobs: int = 1
) -> None:
    try:
        _execute(run, progress, jobs)
    except Exception:
        MatchingFitRun.objects.filter(pk=run.pk).update(
            state=State.FAILED, progress_at=timezone.now()
        )
        raise
    record_audit(
        actor=actor,
        action=AuditAction.MATCHING_FITTED,
        details={
            "run": run.pk,
            "version": run.model_id,
            "with_decisions": run.with_decisions,
            "labelled_pairs": run.labelled_pairs,
            "learners": run.processed,
            "requested_by": run.requested_by,
        },
    )


def _save(run: MatchingFitRun, *fields: str) -> None:
    run.progress_at = run.finished_at or timezone.now()
    run.save(update_fields=[*fields, "progress_at"])


def _execute(run: MatchingFitRun, progress: Progress | None, jobs: int = 1) -> None:
    """Gather the decisions (if asked), pair the learners, estimate, store the version; the
    run is saved after each phase and each chunk of learners paired."""
    run.started_at = timezone.now()
    run.phase = FitRunPhase.GATHERING if run.with_decisions else FitRunPhase.PAIRING
    _save(run, "started_at", "phase")
    labelled = labelled_pairs() if run.with_decisions else None
    run.labelled_pairs = len(labelled or ())
    run.phase = FitRunPhase.PAIRING
    _save(run, "labelled_pairs", "phase")

    def paired(done: int, total: int) -> None:
        run.processed, run.total = done, total
        run.phase = FitRunPhase.ESTIMATING if done >= total else FitRunPhase.PAIRING
        _save(run, "processed", "total", "phase")
        if progress is not None:
            progress(done, total)

    model = fit_matching_model(
        sample=run.sample, seed=run.seed, progress=paired, labelled=labelled, jobs=jobs
    )
    run.model = model
    run.state = State.FINISHED
    run.phase = FitRunPhase.DONE
    run.finished_at = timezone.now()
    _save(run, "model", "state", "phase", "finished_at")
    logger.info(
        "matching fit run %s: version %s from %d learners and %d labelled pairs",
        run.pk,
        model.pk,
        run.processed,
        run.labelled_pairs,
    )
