"""A small register with the crowding of a large one: the proxy behind `bench/register.py
--density-of`.

A register of ten million learners aged mostly 14 to 25 holds about ten times as many learners
per date of birth, per birth month and per unit postcode as one of a million, so blocks keyed
on a date or a postcode hold about ten times as many learners. Loading ten million takes more
than an hour; :func:`denser_register` gives ``n`` learners that crowding instead, by packing
their dates of birth into ``1 / factor`` of the span and their unit postcodes into
``1 / factor`` of each postcode sector:

* dates: the number of days before the latest date of birth (a learner turning 14 on the
  reference date) is divided by ``factor``, so each new date of birth gathers the learners of
  ``factor`` neighbouring ones, and each birth month those of ``factor`` months, with the shape
  of the age profile kept (squeezed). Ages shrink to 14 to about 19, which nothing in matching
  looks at. A date's neighbours in the query variants (day and month swapped, the first of the
  month) fall in the same year, inside the crowded span, as on a large register;
* postcodes: the two letters of the inward code (20 x 20 = 400 units a sector) are mapped onto
  every ``factor``-th pair, so a unit postcode gathers the households of ``factor`` units. The
  default postcode is left alone.

Names are drawn as for ``n`` learners: a register ``factor`` times larger would use more of the
long tail of rare names, which keep small blocks anyway; the common names that make the large
blocks have the same shares at any size.

:func:`denser_queries` maps queries made from the packed register: re-keyed learners already
carry packed dates (their variants are worked out from them) and only their postcodes are
mapped (a moved postcode is drawn afresh); a new learner's date of birth, drawn afresh, is
packed like the register's. A new sibling's date is a packed sibling's date plus a real gap of
320 to 2,600 days, so it may fall outside the crowded span (about 1 in 100 queries).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Iterator

from lrs.identifiers import DEFAULT_POSTCODE
from lrs.synthetic.people import (
    _INWARD_LETTERS,
    DEFAULT_REFERENCE_DATE,
    MIN_AGE,
    SyntheticLearner,
    years_before,
)
from lrs.synthetic.queries import Query, Variation

__all__ = ["denser_queries", "denser_register", "pack_date", "pack_postcode"]


def pack_date(
    date_of_birth: datetime.date,
    factor: float,
    reference_date: datetime.date = DEFAULT_REFERENCE_DATE,
) -> datetime.date:
    """The date of birth ``factor`` times as crowded: days before the latest date divided."""
    latest = years_before(reference_date, MIN_AGE)
    days = (latest - date_of_birth).days
    return latest - datetime.timedelta(days=int(days / factor))


def pack_postcode(postcode: str, factor: float) -> str:
    """The unit postcode whose inward letters gather ``factor`` units of its sector; the same
    for a postcode already packed (so it can be applied to every postcode of a query)."""
    if postcode == DEFAULT_POSTCODE or " " not in postcode or factor <= 1:
        return postcode
    outward, inward = postcode.split(" ", 1)
    letters = len(_INWARD_LETTERS)
    if len(inward) != 3 or not all(letter in _INWARD_LETTERS for letter in inward[1:]):
        return postcode
    index = _INWARD_LETTERS.index(inward[1]) * letters + _INWARD_LETTERS.index(inward[2])
    step = max(1, round(factor))
    packed = index - index % step
    return (
        f"{outward} {inward[0]}{_INWARD_LETTERS[packed // letters]}"
        + (_INWARD_LETTERS[packed % letters])
    )


def denser_register(
    learners: Iterable[SyntheticLearner],
    factor: float,
    reference_date: datetime.date = DEFAULT_REFERENCE_DATE,
) -> Iterator[SyntheticLearner]:
    """The learners with dates of birth and postcodes ``factor`` times as crowded."""
    if factor <= 1:
        yield from learners
        return
    for learner in learners:
        yield dataclasses.replace(
            learner,
            date_of_birth=pack_date(learner.date_of_birth, factor, reference_date),
            last_known_postcode=pack_postcode(learner.last_known_postcode, factor),
        )


def denser_queries(
    queries: Iterable[Query],
    factor: float,
    reference_date: datetime.date = DEFAULT_REFERENCE_DATE,
) -> list[Query]:
    """Queries made from a `denser_register` register, crowded the same way (see above)."""
    if factor <= 1:
        return list(queries)
    packed = []
    for query in queries:
        date_of_birth = query.date_of_birth
        if query.variations == (Variation.NEW_LEARNER,):
            date_of_birth = pack_date(date_of_birth, factor, reference_date)
        packed.append(
            dataclasses.replace(
                query,
                date_of_birth=date_of_birth,
                last_known_postcode=pack_postcode(query.last_known_postcode, factor),
            )
        )
    return packed
