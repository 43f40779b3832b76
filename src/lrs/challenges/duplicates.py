"""The duplicate finder: the matching engine run over the register itself.

Every learner (not merged away) is compared with its own blocking candidates, as a search for
it would be; pairs whose probability of being one person reaches the worklist threshold, and
that no hard rule of the engine forbids (twins, a differing gender, UPN or UCI), become
suspected duplicates for the service desk, ranked by score. A pair that could still be twins
(`matching.twin_shaped`) is never put above the merge threshold: a person checks it. A run
after the first compares only learners registered or changed since the previous run started.
A pair the service desk has decided ("not a duplicate", merged) keeps its decision.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lrs.challenges.choices import SuspectStatus
from lrs.challenges.errors import ResolutionRefused
from lrs.challenges.models import DuplicateRun, SuspectedDuplicate
from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.roles import Permission
from lrs.learners.matching_adapter import MATCH_CONFIG, candidates_for, people_of
from lrs.learners.models import Learner
from lrs.matching import DEFAULT_PARAMETERS, PersonDetails, score_pair, twin_shaped
from lrs.matching.prepare import prepare_uncached

# The worklist takes pairs at least this likely to be one person (the search's "possible").
WORKLIST_PROBABILITY = MATCH_CONFIG.possible_probability
# Pairs at least this likely, and not blocked, are as sure as a search's exact match.
MERGE_PROBABILITY = MATCH_CONFIG.exact_probability
# A pair that could be twins (`matching.twin_shaped`) stays below the merge threshold.
TWIN_SHAPED_CAP = 0.98
CHUNK = 1000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FoundPair:
    low: int
    high: int
    score: float
    probability: float
    evidence: list[list[object]]


def _learners(since: object | None) -> Iterator[list[tuple[int, PersonDetails]]]:
    """The learners to compare, a chunk at a time, as the engine's plain values."""
    learners = Learner.objects.filter(master__isnull=True)
    if since is not None:
        learners = learners.filter(updated_at__gt=since)
    ids = list(learners.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        yield people_of(ids[start : start + CHUNK])


def pairs_in(
    learners: list[tuple[int, PersonDetails]], scored: set[tuple[int, int]]
) -> list[FoundPair]:
    """The suspected pairs of these learners with their blocking candidates.

    Blocking is asymmetric (a learner's search keys against the others' stored keys), so a
    pair may be retrieved from either side; `scored` holds the pairs this run has scored
    already, and each is scored once.
    """
    people = [person for _pk, person in learners]
    found: list[FoundPair] = []
    for (pk, person), candidates in zip(learners, candidates_for(people), strict=True):
        first = prepare_uncached(person)
        for candidate in candidates:
            other = candidate.key
            if other == pk:
                continue
            pair = (min(pk, other), max(pk, other))
            if pair in scored:
                continue
            scored.add(pair)
            result, blocked = score_pair(first, candidate)
            if blocked:
                continue
            probability = DEFAULT_PARAMETERS.probability(result.score)
            if probability < WORKLIST_PROBABILITY:
                continue
            if twin_shaped(result):
                probability = min(probability, TWIN_SHAPED_CAP)
            found.append(
                FoundPair(
                    low=pair[0],
                    high=pair[1],
                    score=result.score,
                    probability=probability,
                    evidence=[
                        [item.field, item.verdict, round(item.weight, 2)]
                        for item in result.evidence
                    ],
                )
            )
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


def find_duplicates(
    *, actor: Actor, full: bool = False, progress: Progress | None = None
) -> DuplicateRun:
    """Run the finder: over the whole register the first time (or with `full`), else over
    the learners changed since the last run started. Each chunk commits on its own, so the
    run's progress shows while it works."""
    ensure_can(actor, Permission.RESOLVE_CHALLENGE)
    last = DuplicateRun.objects.exclude(finished_at=None).order_by("-started_at").first()
    since = None if full or last is None else last.started_at
    started = timezone.now()
    learners = Learner.objects.filter(master__isnull=True)
    if since is not None:
        learners = learners.filter(updated_at__gt=since)
    run = DuplicateRun.objects.create(
        started_at=started, changed_since=since, total=learners.count()
    )
    clock = time.monotonic()
    scored: set[tuple[int, int]] = set()
    for chunk in _learners(since):
        pairs = pairs_in(chunk, scored)
        with transaction.atomic():
            _store(run, pairs)
            run.processed += len(chunk)
            run.pairs_found += len(pairs)
            run.save(update_fields=["processed", "pairs_found"])
        if progress is not None:
            progress(run.processed, run.total)
    with transaction.atomic():
        _drop_stale(run)
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
    record_audit(
        actor=actor,
        action=AuditAction.DUPLICATES_FOUND,
        details={
            "run": run.pk,
            "learners": run.processed,
            "pairs": run.pairs_found,
            "seconds": round(time.monotonic() - clock, 1),
            "incremental": since is not None,
        },
    )
    return run


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
