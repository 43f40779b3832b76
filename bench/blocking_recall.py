"""Blocking at national density, in memory: candidates per search and how often the learner
looked for is among them, by kind of search.

    .venv/bin/python bench/blocking_recall.py [--learners 300000] [--density-of 10000000]
        [--per-scenario 2000] [--seed 7]

Generates a register (the long tail of names) with dates of birth and postcodes packed as a
register of ``--density-of`` learners would hold them (`lrs.synthetic.density`), stores every
learner's keys in a dictionary (key -> learners), and runs searches through the keys and
`select_candidates` exactly as the database does (`lrs.learners.matching_adapter`), without a
database. Searches are of two sorts:

* the query generator's re-keyed learners (`lrs.synthetic.queries`: exact copies, one change or
  two), for the mix a provider sends;
* scenarios built here from registered learners, each with the same changes for every search:
  the hard cases the keys are designed around (a day of birth mistyped, a move to another
  area, a slip in the given name, a gender recorded differently), alone and together.

For each it prints the searches, the share that reached the learner looked for (the learner was
among the candidates: the decision step can do nothing for one that is not), and the candidates
per search p50/p95/mean, which is what a search at that density fetches and scores. Run it on two
checkouts (PYTHONPATH) to compare key schemes; the register and searches depend only on the seed.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

# Run as a file: the repository's root, for `bench.matching`.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.matching.fit import learner_person, query_details
from bench.matching.ours import KeyIndex
from lrs.matching.types import PersonDetails
from lrs.synthetic import generate_register
from lrs.synthetic.density import denser_register, pack_postcode
from lrs.synthetic.people import (
    DEFAULT_REFERENCE_DATE,
    FEMALE,
    GENDER_NOT_KNOWN,
    MALE,
    PersonMaker,
)
from lrs.synthetic.queries import generate_queries, make_typo

Edit = Callable[[PersonDetails, random.Random], PersonDetails | None]


def _percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# -- Changes a scenario applies to a registered learner ---------------------------------------


def _day_typo(person: PersonDetails, rng: random.Random) -> PersonDetails | None:
    """One digit of the day keyed wrongly (12 for 13, 21 for 11), in the same month."""
    dob = person.date_of_birth
    day = f"{dob.day:02d}"
    options = []
    for position in (0, 1):
        for digit in "0123456789":
            if digit == day[position]:
                continue
            typed = int(day[:position] + digit + day[position + 1 :])
            try:
                options.append(dob.replace(day=typed))
            except ValueError:
                continue
    options = [option for option in options if option.day != 1]  # not the first-of-month tip
    if not options:
        return None
    return dataclasses.replace(person, date_of_birth=rng.choice(options))


def _first_of_month(person: PersonDetails, rng: random.Random) -> PersonDetails | None:
    dob = person.date_of_birth
    if dob.day == 1:
        return None
    return dataclasses.replace(person, date_of_birth=dob.replace(day=1))


def _swapped_day_month(person: PersonDetails, rng: random.Random) -> PersonDetails | None:
    dob = person.date_of_birth
    if dob.day > 12 or dob.day == dob.month:
        return None
    return dataclasses.replace(person, date_of_birth=datetime.date(dob.year, dob.day, dob.month))


def _given_slip(person: PersonDetails, rng: random.Random) -> PersonDetails | None:
    typed = make_typo(person.given_name, rng)
    return None if typed is None else dataclasses.replace(person, given_name=typed)


def _middle_as_given(person: PersonDetails, rng: random.Random) -> PersonDetails | None:
    middle = person.middle_names.split()
    if not middle:
        return None
    return dataclasses.replace(person, given_name=middle[0], middle_names="")


def _family_slip(person: PersonDetails, rng: random.Random) -> PersonDetails | None:
    typed = make_typo(person.family_name, rng)
    return None if typed is None else dataclasses.replace(person, family_name=typed)


def _gender_unknown(person: PersonDetails, rng: random.Random) -> PersonDetails | None:
    if person.gender not in (MALE, FEMALE):
        return None
    return dataclasses.replace(person, gender=GENDER_NOT_KNOWN)


def _gender_other(person: PersonDetails, rng: random.Random) -> PersonDetails | None:
    """The other gender recorded (a keying slip, or a learner's gender changed)."""
    if person.gender not in (MALE, FEMALE):
        return None
    return dataclasses.replace(person, gender=FEMALE if person.gender == MALE else MALE)


def _mover(factor: float) -> Edit:
    def moved(person: PersonDetails, rng: random.Random) -> PersonDetails | None:
        """A postcode in another district, packed as the register's are."""
        maker = PersonMaker(rng, DEFAULT_REFERENCE_DATE)
        outward = person.postcode.split(" ")[0]
        postcode = pack_postcode(maker.postcode(maker.area(avoid_outward=outward).outward), factor)
        return dataclasses.replace(person, postcode=postcode)

    return moved


def _renamer(people: list[PersonDetails]) -> Edit:
    def renamed(person: PersonDetails, rng: random.Random) -> PersonDetails | None:
        """Another family name (another learner's), the previous one not recorded."""
        family = rng.choice(people).family_name
        if family.casefold() == person.family_name.casefold():
            return None
        return dataclasses.replace(person, family_name=family, previous_family_name="")

    return renamed


def _scenarios(factor: float, people: list[PersonDetails]) -> dict[str, tuple[Edit, ...]]:
    moved = _mover(factor)
    renamed = _renamer(people)
    return {
        "as registered": (),
        "day mistyped": (_day_typo,),
        "day mistyped, moved": (_day_typo, moved),
        "day mistyped, moved, given slip": (_day_typo, moved, _given_slip),
        "first of month, moved": (_first_of_month, moved),
        "day and month swapped, moved": (_swapped_day_month, moved),
        "given slip, moved": (_given_slip, moved),
        "middle name as given, moved": (_middle_as_given, moved),
        "family slip, moved": (_family_slip, moved),
        "family name changed": (renamed,),
        "family name changed, day and month swapped": (renamed, _swapped_day_month),
        "family name changed, first of month": (renamed, _first_of_month),
        "family name changed, given slip": (renamed, _given_slip),
        "family name changed, moved": (renamed, moved),
        "family name changed, day and month swapped, moved": (renamed, _swapped_day_month, moved),
        "given slip, day and month swapped": (_given_slip, _swapped_day_month),
        "given slip, day and month swapped, moved": (_given_slip, _swapped_day_month, moved),
        "family slip, first of month": (_family_slip, _first_of_month),
        "family slip, first of month, moved": (_family_slip, _first_of_month, moved),
        "gender unknown, day mistyped, moved": (_gender_unknown, _day_typo, moved),
        "gender other": (_gender_other,),
        "gender other, moved": (_gender_other, moved),
        "gender other, day mistyped": (_gender_other, _day_typo),
        "gender other, middle name as given, moved": (_gender_other, _middle_as_given, moved),
    }


def _apply(
    person: PersonDetails, edits: Iterable[Edit], rng: random.Random
) -> PersonDetails | None:
    for edit in edits:
        changed = edit(person, rng)
        if changed is None:
            return None
        person = changed
    return person


def _report(name: str, index: KeyIndex, searches: list[tuple[PersonDetails, int]]) -> None:
    counts: list[int] = []
    reached = 0
    for query, number in searches:
        found = index.positions(query)
        counts.append(len(found))
        reached += number in found
    share = reached / len(searches) if searches else 0.0
    print(
        f"  {name:50} {len(searches):>6,} {reached:>6,} {share:>8.2%} "
        f"{_percentile(counts, 0.5):>5} {_percentile(counts, 0.95):>5} "
        f"{statistics.fmean(counts):>7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=300_000)
    parser.add_argument("--density-of", type=int, default=10_000_000)
    parser.add_argument("--per-scenario", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.process_time()
    factor = max(1.0, args.density_of / args.learners)
    register = list(
        denser_register(generate_register(args.learners, seed=args.seed, long_tail=True), factor)
    )
    people = [learner_person(learner) for learner in register]
    index = KeyIndex(people)
    print(
        f"{args.learners:,} learners at the density of {max(args.density_of, args.learners):,}, "
        f"seed {args.seed}: {sum(map(len, index.index.values())):,} keys stored "
        f"(CPU {time.process_time() - started:.0f} s)"
    )
    print(
        f"  {'search':50} {'count':>6} {'found':>6} {'share':>8} {'p50':>5} {'p95':>5} {'mean':>7}"
    )

    number_of = {learner.uln: number for number, learner in enumerate(register)}
    mix = [
        (query_details(query), number_of[query.true_uln])
        for query in generate_queries(register, args.per_scenario, seed=args.seed, long_tail=True)
        if query.true_uln is not None
    ]
    _report("query generator's re-keyed learners", index, mix)

    rng = random.Random(f"bench.blocking_recall:{args.seed}")
    for name, edits in _scenarios(factor, people).items():
        searches: list[tuple[PersonDetails, int]] = []
        attempts = 0
        while len(searches) < args.per_scenario and attempts < 20 * args.per_scenario:
            attempts += 1
            number = rng.randrange(len(people))
            query = _apply(people[number], edits, rng)
            if query is not None:
                searches.append((query, number))
        _report(name, index, searches)
    print(f"CPU {time.process_time() - started:.0f} s")


if __name__ == "__main__":
    main()
