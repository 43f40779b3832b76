"""Duplicate records planted in a synthetic register: the same person given a second ULN.

A duplicate is a learner of the register re-keyed the way enrolment data arrives (a typo, a
nickname, a moved postcode, a new family name ... :func:`lrs.synthetic.generate_queries`)
and registered again under a fresh ULN, as happens when a provider does not find the learner
and registers them. Exact copies are left out: the register refuses key information
identical to a registered learner's, so such a copy could never have been registered.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from lrs.identifiers import generate_uln
from lrs.matching import PersonDetails, identity_key
from lrs.synthetic.people import SyntheticLearner
from lrs.synthetic.queries import Variation, generate_queries

__all__ = ["PlantedDuplicate", "plant_duplicates"]


@dataclass(frozen=True, slots=True)
class PlantedDuplicate:
    learner: SyntheticLearner  # the second record, with its own ULN
    original_uln: str
    variations: tuple[Variation, ...]


def plant_duplicates(
    register: Sequence[SyntheticLearner], count: int, *, seed: int = 7
) -> list[PlantedDuplicate]:
    """Return ``count`` duplicates of learners of ``register`` (at most one per learner),
    the same ones for the same register and seed."""
    if count < 0:
        raise ValueError(f"count must be zero or more, not {count}")
    by_uln = {learner.uln: learner for learner in register}
    taken = set(by_uln)
    rng = random.Random(f"lrs.synthetic.duplicates:{seed}")  # noqa: S311 - synthetic data
    planted: list[PlantedDuplicate] = []
    used: set[str] = set()
    attempt = 0
    while len(planted) < count and attempt < 5:
        wanted = (count - len(planted)) * 2
        queries = generate_queries(register, wanted, seed=seed + attempt, new_share=0.0)
        attempt += 1
        for query in queries:
            if len(planted) == count:
                break
            if query.variations == (Variation.EXACT_COPY,) or query.true_uln is None:
                continue
            if query.true_uln in used:
                continue
            original = by_uln[query.true_uln]
            if _key(query) == _key(original):
                continue  # the register would refuse it as identical key information
            uln = generate_uln(rng)
            while uln in taken:
                uln = generate_uln(rng)
            taken.add(uln)
            used.add(query.true_uln)
            planted.append(
                PlantedDuplicate(
                    learner=SyntheticLearner(
                        uln=uln,
                        given_name=query.given_name,
                        middle_other_name=query.middle_other_name,
                        family_name=query.family_name,
                        preferred_given_name=query.preferred_given_name,
                        previous_family_name=query.previous_family_name,
                        date_of_birth=query.date_of_birth,
                        gender=query.gender,
                        last_known_postcode=query.last_known_postcode,
                        place_of_birth=original.place_of_birth,
                        email_address=query.email_address,
                        household_id=original.household_id,
                        twin_of=None,
                    ),
                    original_uln=original.uln,
                    variations=query.variations,
                )
            )
    return planted


def _key(person: SyntheticLearner | object) -> str:
    return identity_key(
        PersonDetails(
            given_name=getattr(person, "given_name"),  # noqa: B009 - Query or learner
            family_name=getattr(person, "family_name"),  # noqa: B009
            date_of_birth=getattr(person, "date_of_birth"),  # noqa: B009
            gender=getattr(person, "gender"),  # noqa: B009
            postcode=getattr(person, "last_known_postcode"),  # noqa: B009
        )
    )
