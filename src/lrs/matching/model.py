"""The scoring model, in one reviewed place.

Fellegi-Sunter record linkage: every field comparison ends in a verdict, and each verdict has

* m = P(verdict | the two records are the same person), and
* u = P(verdict | the two records are different people).

Its weight is log2(m / u) bits; the weights of all compared fields add up to the score, and the
posterior probability of a match is the logistic function of score + log2(prior odds).

The u values here are for two learners drawn at random from the register, so the prior is the
chance that a random learner is the one searched for: one in the register's size. Conditioning
on "retrieved by blocking" instead would count the same agreement twice, because the blocking
keys are built from the very fields that are scored. ``estimate_parameters`` can refit all of
it from labelled pairs; pairs sampled from blocking output then give within-block u values and a
within-block prior, which is equally consistent.

The default values are judgement from published British frequencies, for a register of about a
million learners born over about 15 years, and from typical data-entry error rates. Each row
says where its numbers come from. A verdict of "missing" always weighs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lrs.matching.types import FieldEvidence, PersonDetails

__all__ = [
    "DEFAULT_PARAMETERS",
    "FIELD_VERDICTS",
    "MISSING",
    "ModelParameters",
    "estimate_parameters",
    "probability_from_score",
]

MISSING = "missing"

# (m, u) per field and verdict; m values of a field sum to about 1, as do u values.
_DEFAULT_TABLE: dict[str, dict[str, tuple[float, float]]] = {
    "given_name": {
        # Same spelling after normalisation. Popular given names are 1-3% of a birth cohort, so
        # two random learners share one about 1.2% of the time (sum of squared frequencies).
        "exact": (0.86, 0.012),
        # The record holds the name given as the other side's preferred name: rare, deliberate.
        "preferred_name": (0.02, 0.0005),
        # One is a known short form of the other (Bob/Robert): the commonest honest variation.
        "nickname": (0.03, 0.004),
        # Same first word, extra words on one side ("Mary" / "Mary Ann").
        "part": (0.01, 0.002),
        # One side's given name is the other's middle name: a handful of percent of searches.
        "middle_as_given": (0.015, 0.003),
        # One edit apart with the same first letter (Jonathon/Jonathan): keying errors run at
        # 1-3% of names; random names rarely land that close.
        "typo": (0.025, 0.002),
        # Same Metaphone code (Sian/Shaun, Jon/Joan): a weak hint, common among random pairs.
        "phonetic": (0.01, 0.006),
        # Just an initial on one side, and it agrees.
        "initial": (0.003, 0.0004),
        # Close by Jaro-Winkler but none of the above (Mason/Jason): slightly against.
        "similar": (0.004, 0.02),
        # Given and family names entered the wrong way round; the family side carries the rest.
        "swapped_names": (0.004, 0.00002),
        # Genuinely different: a wholly other name is rare for the same person.
        "different": (0.0185, 0.9505),
    },
    "family_name": {
        # UK surnames: the commonest (Smith) is 1.3%, sum of squared frequencies about 0.1%.
        "exact": (0.87, 0.001),
        # Mac and Mc forms of one name (McDonald/MacDonald).
        "prefix": (0.006, 0.00005),
        # With and without a prefix (O'Brien/Brien): rarer, and random pairs do it sometimes.
        "without_prefix": (0.003, 0.0002),
        # One part of a double-barrelled name (Smith-Jones/Jones).
        "part": (0.02, 0.0005),
        # One side's family name is the other's previous family name: a name change recorded.
        "previous_family_name": (0.03, 0.0003),
        # Sounds the same (Stephenson/Stevenson): surname codes collide more than spellings.
        "phonetic": (0.012, 0.002),
        # One or two keying errors.
        "typo": (0.025, 0.002),
        # Counterpart of the given-name row; the evidence is split between the two fields.
        "swapped_names": (0.004, 0.00002),
        # A name change with no previous name recorded, or a wholly wrong entry.
        "different": (0.03, 0.99393),
    },
    "date_of_birth": {
        # About 5,500 birth dates across 15 years: 1 in 5,000 once clustering (September births,
        # 1 January stand-ins) is allowed for.
        "exact": (0.94, 0.0002),
        # Day and month swapped (US order, or a keying slip); possible for dates with day <= 12.
        "swapped_day_month": (0.01, 0.00007),
        # One side on the first of the month, the other on the true day of the same month.
        "first_of_month": (0.008, 0.0004),
        # Same month and year, different day: a keying error, but 1 in 180 random pairs too.
        "same_month_year": (0.015, 0.0053),
        # Same day and month, year one apart.
        "year_off_by_one": (0.008, 0.0004),
        # Nothing in common.
        "different": (0.019, 0.9940),
    },
    # The date of birth when family name and postcode agree: the other person is nearly always
    # a brother or sister, and about 3% of sibling pairs are twins (1 birth in 65 is a twin
    # birth). m is unchanged: the same person's errors do not depend on the household.
    "date_of_birth|same_household": {
        "exact": (0.94, 0.03),
        # Siblings are rarely born on each other's swapped date, but these rows are kept below
        # the exact row so that a slip never outscores a correct date.
        "swapped_day_month": (0.01, 0.001),
        "first_of_month": (0.008, 0.002),
        "same_month_year": (0.015, 0.002),
        "year_off_by_one": (0.008, 0.003),
        "different": (0.019, 0.9617),
    },
    "gender": {
        # Both known and equal: half of random pairs agree.
        "agree": (0.97, 0.5),
        # Both known and different: a keying error or a recorded change, about 2%.
        "disagree": (0.02, 0.5),
    },
    "postcode": {
        # Same postcode. A unit holds about 15 households; with a million learners spread over
        # 1.7 million postcodes two random learners share one about 1 in 50,000 (with
        # clustering). The same person keeps it about two searches in three.
        "exact": (0.65, 0.00002),
        # Same sector (about 3,000 addresses): moved nearby.
        "same_sector": (0.05, 0.0002),
        # Same district (about 3,000 districts in the UK).
        "same_district": (0.07, 0.0015),
        # One side on a ZZ99 pseudo-postcode: says nothing either way.
        "default_postcode": (0.02, 0.02),
        # Moved further, or searched with a parent's postcode.
        "different": (0.21, 0.97778),
    },
    # The postcode when the family names agree: different people sharing a surname are mostly
    # relatives, and about 0.8 siblings live with each learner among the ~1,000 learners who
    # share a typical surname in a million, so u(exact) is about 1 in 1,250, not 1 in 50,000.
    # Without this row a twin at the searched address outranks the learner who moved away.
    "postcode|same_family": {
        "exact": (0.65, 0.0008),
        "same_sector": (0.05, 0.003),
        "same_district": (0.07, 0.01),
        "default_postcode": (0.02, 0.02),
        "different": (0.21, 0.9662),
    },
    "middle_names": {
        # Both sides have middle names (otherwise the field is not compared).
        "exact": (0.8, 0.01),
        # Same set of first names in another order ("John Paul" / "Paul John").
        "reordered": (0.03, 0.0005),
        # Some middle names or their initials agree.
        "part": (0.1, 0.02),
        # A namesake's middle name usually differs; the same person's rarely does.
        "different": (0.07, 0.9695),
    },
    "previous_family_name": {
        # Both sides have a previous family name.
        "exact": (0.8, 0.002),
        "different": (0.2, 0.998),
    },
    "place_of_birth": {
        # Big towns make random agreement common (London alone is about 13% of births).
        "exact": (0.85, 0.03),
        "similar": (0.05, 0.01),
        "different": (0.1, 0.96),
    },
    "email": {
        # Shared family addresses make agreement less than unique; people change address often.
        "exact": (0.6, 0.00005),
        "different": (0.4, 0.99995),
    },
    "upn": {
        # Unique Pupil Number: unique per pupil; a mismatch is a temporary UPN or a typo.
        "exact": (0.97, 0.0000001),
        "different": (0.03, 0.9999999),
    },
    "uci": {
        # Unique Candidate Identifier: unique per candidate, as for the UPN.
        "exact": (0.97, 0.0000001),
        "different": (0.03, 0.9999999),
    },
}

# The verdicts of each table row, missing excluded; used for smoothing when estimating. A row is
# a field name, or "field|context" for a field weighed differently in a context (see compare).
FIELD_VERDICTS: Mapping[str, tuple[str, ...]] = {
    name: tuple(rows) for name, rows in _DEFAULT_TABLE.items()
}

# A random learner is the one searched for about once in a million-learner register.
_DEFAULT_PRIOR = 1e-6


@dataclass(frozen=True, slots=True, eq=False)
class ModelParameters:
    """m and u probabilities per field and verdict, and the prior probability of a match."""

    m: Mapping[str, Mapping[str, float]]
    u: Mapping[str, Mapping[str, float]]
    prior: float = _DEFAULT_PRIOR
    _weights: dict[tuple[str, str], float] = field(init=False, repr=False)
    _prior_bits: float = field(init=False, repr=False)
    _evidence: dict[tuple[str, str, str], FieldEvidence] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        weights: dict[tuple[str, str], float] = {}
        for field_name, rows in self.m.items():
            for verdict, m in rows.items():
                u = self.u[field_name][verdict]
                weights[(field_name, verdict)] = math.log2(m / u)
        object.__setattr__(self, "_weights", weights)
        object.__setattr__(self, "_evidence", {})
        object.__setattr__(self, "_prior_bits", math.log2(self.prior / (1.0 - self.prior)))

    @classmethod
    def from_table(
        cls, table: Mapping[str, Mapping[str, tuple[float, float]]], prior: float
    ) -> ModelParameters:
        """Build parameters from a {field: {verdict: (m, u)}} table."""
        return cls(
            m={name: {v: mu[0] for v, mu in rows.items()} for name, rows in table.items()},
            u={name: {v: mu[1] for v, mu in rows.items()} for name, rows in table.items()},
            prior=prior,
        )

    @property
    def prior_bits(self) -> float:
        """log2 of the prior odds of a match."""
        return self._prior_bits

    def weight(self, field_name: str, verdict: str) -> float:
        """Return log2(m / u) for a verdict; 0 for "missing" or a verdict without a row."""
        return self._weights.get((field_name, verdict), 0.0)

    def evidence(self, row: str, verdict: str, field_name: str = "") -> FieldEvidence:
        """Return the ``FieldEvidence`` of a verdict, weighed by the table row ``row``.

        ``field_name`` defaults to the row; it differs for context rows ("postcode|same_family"
        is reported as "postcode").
        """
        key = (row, verdict, field_name)
        found = self._evidence.get(key)
        if found is None:
            weight = self._weights.get((row, verdict), 0.0)
            found = FieldEvidence(field_name or row, verdict, weight)
            # Evidence objects are immutable and few (rows x verdicts), so they are shared.
            self._evidence[key] = found
        return found

    def probability(self, score: float) -> float:
        """Return the posterior match probability for a total weight ``score``."""
        return probability_from_score(score + self._prior_bits)


def probability_from_score(log2_odds: float) -> float:
    """Logistic function in base 2, safe for any magnitude."""
    bounded = max(-1000.0, min(1000.0, log2_odds))
    if bounded >= 0:
        return 1.0 / (1.0 + 2.0**-bounded)
    odds = 2.0**bounded
    return odds / (1.0 + odds)


DEFAULT_PARAMETERS = ModelParameters.from_table(_DEFAULT_TABLE, prior=_DEFAULT_PRIOR)


def estimate_parameters(
    pairs: Iterable[tuple[PersonDetails, PersonDetails, bool]],
) -> ModelParameters:
    """Re-estimate m, u and the prior from labelled pairs ``(query, record, same_person)``.

    Each table row's verdict frequencies are counted among matching pairs (m) and non-matching
    pairs (u), with add-one (Laplace) smoothing over the row's verdicts so no weight is
    infinite. Pairs where a field was not compared do not count for that row. The prior is the
    smoothed share of matching pairs, so sample the pairs the way the prior is meant: random
    pairs for a register-wide prior, pairs from blocking output for a within-block one.
    """
    # Imported here because comparison builds evidence with these parameters.
    from lrs.matching.compare import prepared_verdicts
    from lrs.matching.prepare import prepared

    counts: dict[bool, dict[str, dict[str, int]]] = {
        same: {name: dict.fromkeys(verdicts, 0) for name, verdicts in FIELD_VERDICTS.items()}
        for same in (True, False)
    }
    totals = {True: 0, False: 0}
    for query, record, same in pairs:
        totals[same] += 1
        for _, verdict, row in prepared_verdicts(prepared(query), prepared(record)):
            rows = counts[same].get(row)
            if rows is not None and verdict in rows:
                rows[verdict] += 1

    def smoothed(counted: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
        result: dict[str, dict[str, float]] = {}
        for name, rows in counted.items():
            seen = sum(rows.values())
            result[name] = {
                verdict: (count + 1) / (seen + len(rows)) for verdict, count in rows.items()
            }
        return result

    prior = (totals[True] + 1) / (totals[True] + totals[False] + 2)
    return ModelParameters(m=smoothed(counts[True]), u=smoothed(counts[False]), prior=prior)
