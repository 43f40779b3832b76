"""Do the names given with a ULN belong to the learner of that ULN? Field by field.

One comparison for every look-up by ULN and names: find-by-ULN accepts the names when neither
verdict is DIFFERENT, and verify learner reports the verdicts (WSVRC001 when both are EXACT,
WSVRC003 when one is a VARIANT). The variants accepted, no more: the given name may be the
preferred given name or a known variant of the given name (Bob for Robert, `lrs.matching`);
the family name may be the previous family name. Case, accents and punctuation never count.
"""

from __future__ import annotations

import enum
from typing import Protocol

from lrs.matching import are_name_variants, normalise_name


class NamedLearner(Protocol):
    """The names of a learner record (`lrs.learners.models.Learner` has them)."""

    given_name: str
    preferred_given_name: str
    family_name: str
    previous_family_name: str


class NameVerdict(enum.StrEnum):
    EXACT = "exact"
    VARIANT = "variant"
    DIFFERENT = "different"


def given_name_verdict(learner: NamedLearner, given_name: str) -> NameVerdict:
    given = normalise_name(given_name)
    if not given:
        return NameVerdict.DIFFERENT
    if given == normalise_name(learner.given_name):
        return NameVerdict.EXACT
    if given == normalise_name(learner.preferred_given_name) or are_name_variants(
        given_name, learner.given_name
    ):
        return NameVerdict.VARIANT
    return NameVerdict.DIFFERENT


def family_name_verdict(learner: NamedLearner, family_name: str) -> NameVerdict:
    family = normalise_name(family_name)
    if not family:
        return NameVerdict.DIFFERENT
    if family == normalise_name(learner.family_name):
        return NameVerdict.EXACT
    if family == normalise_name(learner.previous_family_name):
        return NameVerdict.VARIANT
    return NameVerdict.DIFFERENT


def names_agree(learner: NamedLearner, given_name: str, family_name: str) -> bool:
    """The names given with a ULN are the learner's (allowing the known variants)."""
    return (
        given_name_verdict(learner, given_name) != NameVerdict.DIFFERENT
        and family_name_verdict(learner, family_name) != NameVerdict.DIFFERENT
    )
