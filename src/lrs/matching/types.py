"""Plain data types that go in and out of the matching package.

Everything here is a frozen dataclass or an enum, so the Django adapter can build them from rows
and the portal, API, batch and SOAP layers can render the outcome their own way.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PersonDetails:
    """The details of one person, either as searched for or as held on the register."""

    given_name: str
    family_name: str
    date_of_birth: datetime.date
    gender: str = "0"  # "0" not known, "1" male, "2" female, "9" not specified
    postcode: str = ""
    middle_names: str = ""
    preferred_given_name: str = ""
    previous_family_name: str = ""
    place_of_birth: str = ""
    email: str = ""
    upn: str = ""
    uci: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A registered learner offered for scoring; ``key`` is opaque to this package."""

    key: int
    details: PersonDetails


class MatchKind(enum.Enum):
    """The four outcomes of a search by personal details (DESIGN.md section 3.3)."""

    EXACT = "exact"
    POSSIBLE = "possible"
    NONE = "none"
    TOO_MANY = "too_many"


@dataclass(frozen=True, slots=True)
class FieldEvidence:
    """How one field compared, and what that comparison is worth.

    For the candidates a search returns, the names and the postcode also carry the two values
    compared (``decide.QUOTED_FIELDS``), so that an explanation can quote them ("Given name is
    a known nickname (Bob/Robert)"). The wording of explanations is the caller's: this package
    gives the evidence, never sentences.
    """

    field: str
    verdict: str
    weight: float  # log2(m / u): positive supports a match, negative opposes it
    searched: str = ""  # the value searched for, as given
    recorded: str = ""  # the candidate's value, as recorded


@dataclass(frozen=True, slots=True)
class ScoredCandidate:
    """A candidate with its total weight, posterior probability and the evidence behind them."""

    key: int
    score: float  # sum of the field weights, in bits (log2 likelihood ratio), prior excluded
    probability: float  # posterior probability of being the same person, prior included
    evidence: tuple[FieldEvidence, ...]


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """The single answer to a search."""

    kind: MatchKind
    candidates: tuple[ScoredCandidate, ...]  # best first; empty for NONE and TOO_MANY
    considered: int  # how many candidates were scored


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Decision thresholds; passed in by the caller rather than read from settings."""

    # Posterior the best candidate needs, every other candidate considered (``decide``), for an
    # automatic match: one wrong automatic match per hundred would cost more than a hundred
    # reviews. The model is fitted to the candidates blocking retrieves (``model``), so the
    # posterior is calibrated on them: on generated data, candidates at 0.99 and above were the
    # wrong learner far less than once in a hundred. A namesake born the same day elsewhere with
    # the same middle name scores just under it, as does a learner who moved, on purpose.
    exact_probability: float = 0.99
    # Lowest posterior (this candidate alone against the prior) still worth showing a person:
    # one chance in 500. Low on purpose: a provider who sees a possible match checks it in a
    # minute, whereas a missed learner gets a duplicate ULN that takes a data challenge to
    # merge. The model is fitted to searches with at most two slips, so a learner searched
    # with three (a nickname, swapped day and month and a new postcode) scores about 0.003.
    # On generated data this shows about one search in 70 more to a person than 0.05 did and
    # halves the learners missed.
    possible_probability: float = 0.002
    # Bits by which the best must beat the runner-up for an automatic match. Six bits is a
    # likelihood ratio of 64: close enough rivals (a duplicate record, twins searched by a shared
    # nickname) leave the decision to a person, whatever the posterior.
    margin: float = 6.0
    # The real service never returns more than ten learners (user guide section 4.2.2.2).
    max_results: int = 10
