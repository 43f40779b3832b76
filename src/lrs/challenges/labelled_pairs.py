"""The service's own decisions as labelled pairs for the matching fit (issue 13 item 4).

Every time a person decides whether two records are one learner, the matching model can
learn from it (`lrs fit-matching --with-decisions`):

* a batch exception resolved by **choosing** an offered learner: the row's details and that
  learner are one person (a match), and the row and each other learner offered are two people
  (non-matches: the user looked at them and chose another). An offered learner that a merge
  still in force has since made one with the chosen learner is no such non-match: the user
  was offered two records of one person and picked one;
* a batch exception resolved by **registering** a new learner: the row's details and each
  learner offered are different people (non-matches). The new learner is on the register
  with the row's details, so these pairs are register pairs too (`LabelledPair.keys`);
* a service-desk **merge** still in force: the duplicate and its master are one person; a
  merge that was undone (de-merged) is left out, as the desk took its decision back;
* a pair on the duplicate finder's worklist marked **not a duplicate**: two people. One that
  was later merged anyway counts as the merge.

The learners are compared with their details as they are now (a merged duplicate's never
change; a master's or a chosen learner's may have been updated since the decision). A
selector here rather than in `learners` because the decisions are kept by `batches` and
`challenges` (DESIGN 2's layers); `lrs.learners.matching_fit` takes the pairs as plain data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from lrs.batches.models import BatchException, ExceptionStatus
from lrs.challenges.choices import SuspectStatus
from lrs.challenges.models import SuspectedDuplicate, UlnMerge
from lrs.learners.imports import details_from_row
from lrs.learners.matching_adapter import person_from
from lrs.learners.models import Learner
from lrs.matching import PersonDetails
from lrs.matching.estimate import LabelledPair

__all__ = [
    "CHOSEN",
    "MERGED",
    "NOT_CHOSEN",
    "NOT_DUPLICATE",
    "REGISTERED_INSTEAD",
    "labelled_pairs",
]

# The sources of labelled pairs, as the fit's report names them.
CHOSEN = "exception_chosen"
NOT_CHOSEN = "exception_not_chosen"
REGISTERED_INSTEAD = "exception_registered"
MERGED = "merge"
NOT_DUPLICATE = "not_duplicate"

# Learners read per statement.
_PER_STATEMENT = 2000


def _people(ids: Iterable[int]) -> dict[int, PersonDetails]:
    wanted = sorted(set(ids))
    found: dict[int, PersonDetails] = {}
    for start in range(0, len(wanted), _PER_STATEMENT):
        learners = Learner.objects.in_bulk(wanted[start : start + _PER_STATEMENT])
        found.update((pk, person_from(learner)) for pk, learner in learners.items())
    return found


def _row_person(submitted: dict[str, str]) -> PersonDetails | None:
    """The row's details as the search saw them; None if they do not make a search."""
    details, errors = details_from_row(submitted)
    if errors or details.date_of_birth is None:
        return None
    return person_from(details)


def _one_learner(merges: Iterable[tuple[int, int]]) -> Callable[[int, int], bool]:
    """Whether two learners are one person by the merges still in force (master chains too)."""
    master_of = dict(merges)

    def root(pk: int) -> int:
        seen = {pk}
        while pk in master_of and master_of[pk] not in seen:
            pk = master_of[pk]
            seen.add(pk)
        return pk

    return lambda first, second: root(first) == root(second)


def _exception_pairs(
    one_learner: Callable[[int, int], bool],
) -> Iterable[tuple[PersonDetails, int, bool, str, int | None]]:
    """(row's person, learner id, same, source, the row's own learner id if registered)."""
    exceptions = (
        BatchException.objects.filter(
            status__in=(ExceptionStatus.MATCHED, ExceptionStatus.REGISTERED),
            learner__isnull=False,
        )
        .order_by("pk")
        .values_list("status", "learner_id", "candidates", "row__submitted")
    )
    for status, learner_id, candidates, submitted in exceptions.iterator(chunk_size=2000):
        person = _row_person(submitted)
        if person is None:
            continue
        if status == ExceptionStatus.MATCHED:
            yield person, learner_id, True, CHOSEN, None
            for candidate in candidates:
                other = int(candidate["learner_id"])
                if not one_learner(other, learner_id):
                    yield person, other, False, NOT_CHOSEN, None
            continue
        for candidate in candidates:
            other = int(candidate["learner_id"])
            if other != learner_id:
                yield person, other, False, REGISTERED_INSTEAD, learner_id


def labelled_pairs() -> list[LabelledPair]:
    """Every pair a person has decided, oldest decision first within each source."""
    merges = list(
        UlnMerge.objects.filter(demerged_at=None)
        .order_by("pk")
        .values_list("duplicate_id", "master_id")
    )
    exception_pairs = list(_exception_pairs(_one_learner(merges)))
    merged = {frozenset(pair) for pair in merges}
    not_duplicates = [
        (low, high)
        for low, high in SuspectedDuplicate.objects.filter(status=SuspectStatus.NOT_DUPLICATE)
        .order_by("pk")
        .values_list("low_id", "high_id")
        if frozenset((low, high)) not in merged
    ]
    people = _people(
        [
            *(learner_id for _person, learner_id, *_rest in exception_pairs),
            *(pk for pair in merges for pk in pair),
            *(pk for pair in not_duplicates for pk in pair),
        ]
    )
    pairs: list[LabelledPair] = []
    for person, learner_id, same, source, own in exception_pairs:
        record = people.get(learner_id)
        if record is not None:
            keys = (own, learner_id) if own is not None else None
            pairs.append(LabelledPair(person, record, same, source, keys))
    for duplicate_id, master_id in merges:
        if duplicate_id in people and master_id in people:
            pairs.append(LabelledPair(people[duplicate_id], people[master_id], True, MERGED))
    for low, high in not_duplicates:
        if low in people and high in people:
            pairs.append(LabelledPair(people[low], people[high], False, NOT_DUPLICATE, (low, high)))
    return pairs
