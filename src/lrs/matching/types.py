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
    """How one field compared, and what that comparison is worth."""

    field: str
    verdict: str
    weight: float  # log2(m / u): positive supports a match, negative opposes it


@dataclass(frozen=True, slots=True)
class ScoredCandidate:
    """A candidate with its total weight, posterior probability and the evidence behind them."""

    key: int
    score: float  # sum of the field weights, in bits (log2 likelihood ratio), prior excluded
    probability: float  # posterior probability of being the same person, prior included
    evidence: tuple[FieldEvidence, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """The single answer to a search."""

    kind: MatchKind
    candidates: tuple[ScoredCandidate, ...]  # best first; empty for NONE and TOO_MANY
    considered: int  # how many candidates were scored


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Decision thresholds; passed in by the caller rather than read from settings."""

    # Posterior needed before an automatic match is even considered. At the default prior
    # (one in a million) this asks for about 27 bits of evidence. All five key fields agreeing
    # give about 31 (less than the sum of their separate weights, because a shared postcode and
    # birthday count for less within a family), and a nickname or Mac/Mc form still qualifies;
    # the rules in ``decide`` carry the protection against twins and namesakes.
    exact_probability: float = 0.99
    # Lowest posterior still worth showing a person. Low on purpose: a provider who sees a
    # possible match checks it, whereas a missed learner gets a duplicate ULN.
    possible_probability: float = 0.05
    # Bits by which the best must beat the runner-up for an automatic match. Six bits is a
    # likelihood ratio of 64: close enough rivals (a duplicate record, twins searched by a shared
    # nickname) leave the decision to a person.
    margin: float = 6.0
    # The real service never returns more than ten learners (user guide section 4.2.2.2).
    max_results: int = 10
