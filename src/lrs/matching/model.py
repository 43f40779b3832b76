"""The scoring model, in one reviewed place.

Fellegi-Sunter record linkage: every field comparison ends in a verdict, and each verdict has

* m = P(verdict | the two records are the same person), and
* u = P(verdict | the two records are different people).

Its weight is log2(m / u) bits; the weights of all compared fields add up to the score, and the
posterior probability of a match is the logistic function of score + log2(prior odds).

Two tables live here:

* ``_JUDGEMENT_TABLE``: judgement from published British frequencies and typical data-entry
  error rates, for two learners drawn at random from a register of about a million (prior: one
  in the register's size). Each row says where its numbers come from. It is the starting point
  of fitting and keeps the rows that data cannot exercise (UPN, UCI, place of birth).
* ``_FITTED_TABLE``: the defaults. ``python -m bench.matching.fit`` (``estimate_parameters``)
  counts verdicts among labelled candidate pairs retrieved by blocking on a generated register
  (the true learner of each search is a match, every other candidate retrieved a non-match),
  so its u values and its prior are conditioned on "retrieved by the blocking keys", which is
  exactly what ``decide`` weighs: within one search, the prior odds per candidate and the
  likelihood ratios are of the same population, and the agreement the keys guarantee is not
  counted twice.

Fields are not independent, least of all among candidates that blocking retrieved because they
share some of them. Where that matters a field has context rows, "field|context", chosen by
the verdicts of fields earlier in a fixed order, so the factorisation stays a valid chain rule:
the family name first, then the postcode ("postcode|same_family": siblings share an address),
then the date of birth ("date_of_birth|same_household": within a household a shared birthday
is a twin's), then the given name by who shares the birthday ("given_name|..._birthday": a
twin, a namesake elsewhere, a neighbour under another family name), so no weight depends on
a field that depends on it. The family name of swapped names weighs nothing
("family_name|names_swapped"): the given name already told that story. An email address made
of the names alone ("email|from_names") says less than another, for the same reason.
A verdict of "missing" always weighs nothing.

A fitted model may also carry the register's term frequencies (``TermFrequencies``) of names,
dates of birth and postcode districts: an exact given or family name, date of birth or postcode
in a plain row then weighs more for a rare value and less for a common one (docs/adr/0008).
The shipped defaults carry none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lrs.matching.types import FieldEvidence

__all__ = [
    "CAPPED_ROWS",
    "DEFAULT_PARAMETERS",
    "FIELD_VERDICTS",
    "JUDGEMENT_PARAMETERS",
    "MAX_RARITY_BITS",
    "MAX_RARITY_BITS_BY_TABLE",
    "MIN_TERM_FREQUENCY_VALUES",
    "MISSING",
    "PRIOR_SHARE",
    "TERM_FREQUENCY_FIELDS",
    "ModelParameters",
    "TermFrequencies",
    "probability_from_score",
]

MISSING = "missing"

# (m, u) per given-name verdict; shared by the plain row and the same-address row.
_GIVEN_NAME_JUDGEMENT: dict[str, tuple[float, float]] = {
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
    # Issue 13 levels, judged here and estimated by every fit (``estimate``). One edit apart
    # beyond the slips above (first letter mistyped, a short name one key off): keying errors
    # do this about as often as "typo" does, and random names land there more often.
    "one_edit": (0.01, 0.003),
    # Two edits apart, five letters or more on both sides: a double slip, or another name.
    "two_edits": (0.004, 0.006),
    # Only one crossing of a swap: the given-name field holds the other side's family name.
    "partly_swapped": (0.002, 0.0002),
}

# (m, u) per field and verdict; m values of a field sum to about 1, as do u values.
_JUDGEMENT_TABLE: dict[str, dict[str, tuple[float, float]]] = {
    "given_name": _GIVEN_NAME_JUDGEMENT,
    # The given name of someone with another family name who shares the postcode and the
    # birthday: nothing about the address or the birthday makes a name more alike, so the
    # judgement is the plain row's; data shows such neighbours rarely share a given name.
    "given_name|same_address_birthday": dict(_GIVEN_NAME_JUDGEMENT),
    # The given name of someone sharing family name, address and birthday: a twin. Same-named
    # twins do not exist, names alike (one initial for both, Tom/Thomas) do; siblings are not
    # in this row because their birthdays differ.
    "given_name|same_household_birthday": {
        "exact": (0.86, 0.0001),
        "preferred_name": (0.02, 0.001),
        "nickname": (0.03, 0.005),
        "part": (0.01, 0.002),
        "middle_as_given": (0.015, 0.01),
        "typo": (0.025, 0.005),
        "phonetic": (0.01, 0.01),
        "initial": (0.003, 0.002),
        "similar": (0.004, 0.05),
        "swapped_names": (0.004, 0.00002),
        "different": (0.0185, 0.91488),
        "one_edit": (0.01, 0.003),
        "two_edits": (0.004, 0.006),
        "partly_swapped": (0.002, 0.0002),
    },
    # The given name of someone sharing family name and birthday at another address: a stranger
    # with a common surname, or a namesake; judged like the plain row.
    "given_name|same_family_birthday": {
        "exact": (0.86, 0.012),
        "preferred_name": (0.02, 0.0005),
        "nickname": (0.03, 0.004),
        "part": (0.01, 0.002),
        "middle_as_given": (0.015, 0.003),
        "typo": (0.025, 0.002),
        "phonetic": (0.01, 0.006),
        "initial": (0.003, 0.0004),
        "similar": (0.004, 0.02),
        "swapped_names": (0.004, 0.00002),
        "different": (0.0185, 0.9505),
        "one_edit": (0.01, 0.003),
        "two_edits": (0.004, 0.006),
        "partly_swapped": (0.002, 0.0002),
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
        # A name change with no previous name recorded, or a wholly wrong entry.
        "different": (0.03, 0.99393),
        # Issue 13 levels, judged here and estimated by every fit: one edit beyond "typo" (a
        # short name), two edits (five letters or more), Jaro-Winkler >= 0.85 beyond those,
        # and the family-name field holding the other side's given name.
        "one_edit": (0.005, 0.001),
        "two_edits": (0.006, 0.003),
        "similar": (0.003, 0.01),
        "partly_swapped": (0.002, 0.0002),
    },
    # The family name once the given name was found swapped with it: the family verdict is then
    # always "swapped_names", for the same person or not, so it weighs nothing.
    "family_name|names_swapped": {
        "swapped_names": (1.0, 1.0),
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
        # One digit of YYYYMMDD keyed wrongly, or two neighbours swapped, beyond the slips
        # above (1998-03-15 as 1988-03-15 or 1998-08-15): about 30 dates of 5,500 are that
        # close to any one, so 1 random pair in 200.
        "one_digit": (0.01, 0.005),
        # Nothing in common.
        "different": (0.009, 0.9890),
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
        "one_digit": (0.01, 0.005),
        "different": (0.009, 0.9567),
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
        # One character substituted, dropped, added or two swapped, outside the district: a
        # keying slip (1-3% of entries, as for names); random postcodes are rarely that close.
        "one_character": (0.02, 0.0005),
        # One side on a ZZ99 pseudo-postcode: says nothing either way.
        "default_postcode": (0.02, 0.02),
        # Moved further, or searched with a parent's postcode.
        "different": (0.19, 0.97728),
    },
    # The postcode when the family names agree: different people sharing a surname are mostly
    # relatives, and about 0.8 siblings live with each learner among the ~1,000 learners who
    # share a typical surname in a million, so u(exact) is about 1 in 1,250, not 1 in 50,000.
    # Without this row a twin at the searched address outranks the learner who moved away.
    "postcode|same_family": {
        "exact": (0.65, 0.0008),
        "same_sector": (0.05, 0.003),
        "same_district": (0.07, 0.01),
        "one_character": (0.02, 0.0005),
        "default_postcode": (0.02, 0.02),
        "different": (0.19, 0.9657),
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
    # An address made of the person's names only (robert.jones@...): a namesake may have chosen
    # the same one at the same provider, so agreement says less than for other addresses.
    "email|from_names": {
        "exact": (0.6, 0.0005),
        "different": (0.4, 0.9995),
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

# The defaults: the judgement table refitted to labelled pairs from blocking output on a generated
# register (``python -m bench.matching.fit``; see that module for how the pairs are made). The u
# values and the prior are therefore "among the candidates a search retrieves", which is what
# ``decide`` weighs. Regenerate with the command below after changing a comparator, a context
# row or the blocking keys, and review the difference like any other code change.
# Generated by: python -m bench.matching.fit --learners 100000 --queries 20000 --seed 101
_FITTED_TABLE: dict[str, dict[str, tuple[float, float]]] = {
    "given_name": {
        "exact": (0.6801, 0.09784),
        "preferred_name": (0.014, 0.006984),
        "nickname": (0.0187, 0.05256),
        "part": (9.906e-05, 1.979e-05),
        "middle_as_given": (0.009923, 0.05018),
        "typo": (0.01347, 0.003379),
        "phonetic": (0.003549, 0.02309),
        "initial": (2.972e-05, 3.959e-06),
        "similar": (0.002914, 0.004441),
        "swapped_names": (0.2553, 6.947e-05),
        "different": (0.001908, 0.7614),
        # Issue 13 levels: not in the generated fit, the judgement row's values until a
        # register's own fit estimates them.
        "one_edit": (0.01, 0.003),
        "two_edits": (0.004, 0.006),
        "partly_swapped": (0.002, 0.0002),
    },
    "given_name|same_address_birthday": {
        "exact": (0.8664, 0.0001188),
        "preferred_name": (0.04337, 4.948e-06),
        "nickname": (0.03387, 3.959e-05),
        "part": (9.906e-05, 1.979e-05),
        "middle_as_given": (0.009056, 2.969e-05),
        "typo": (0.02697, 1.979e-05),
        "phonetic": (0.009007, 5.938e-05),
        "initial": (2.972e-05, 3.959e-06),
        "similar": (0.011, 0.0001979),
        "swapped_names": (3.962e-05, 1.979e-07),
        "different": (0.0001833, 0.99950595),
        # Issue 13 levels: not in the generated fit, the judgement row's values until a
        # register's own fit estimates them.
        "one_edit": (0.01, 0.003),
        "two_edits": (0.004, 0.006),
        "partly_swapped": (0.002, 0.0002),
    },
    "given_name|same_household_birthday": {
        "exact": (0.7866, 0.001747),
        "preferred_name": (0.03152, 9.901e-06),
        "nickname": (0.05849, 0.005288),
        "part": (9.906e-05, 1.98e-05),
        "middle_as_given": (0.03582, 0.007084),
        "typo": (0.05718, 0.001796),
        "phonetic": (0.0118, 0.003591),
        "initial": (2.972e-05, 1.98e-05),
        "similar": (0.01415, 0.003987),
        "swapped_names": (3.962e-05, 1.98e-07),
        "different": (0.004243, 0.9765),
        # Issue 13 levels: not in the generated fit, the judgement row's values until a
        # register's own fit estimates them.
        "one_edit": (0.01, 0.003),
        "two_edits": (0.004, 0.006),
        "partly_swapped": (0.002, 0.0002),
    },
    "given_name|same_family_birthday": {
        "exact": (0.8855, 0.2053),
        "preferred_name": (0.01943, 0.0004472),
        "nickname": (0.03299, 0.004019),
        "part": (9.906e-05, 1.979e-05),
        "middle_as_given": (0.01861, 0.003567),
        "typo": (0.02833, 0.001346),
        "phonetic": (0.0051, 0.002713),
        "initial": (2.972e-05, 3.959e-06),
        "similar": (0.006579, 0.001525),
        "swapped_names": (3.962e-05, 1.979e-07),
        "different": (0.00326, 0.7811),
        # Issue 13 levels: not in the generated fit, the judgement row's values until a
        # register's own fit estimates them.
        "one_edit": (0.01, 0.003),
        "two_edits": (0.004, 0.006),
        "partly_swapped": (0.002, 0.0002),
    },
    "family_name": {
        "exact": (0.7974, 0.2781),
        "prefix": (0.03071, 0.006617),
        "without_prefix": (2.982e-05, 1.848e-05),
        "part": (0.03288, 0.01441),
        "previous_family_name": (0.02948, 0.01584),
        "phonetic": (0.02631, 0.0364),
        "typo": (0.04644, 0.004228),
        "different": (0.03681, 0.6444),
        # Issue 13 levels, as for the given name.
        "one_edit": (0.005, 0.001),
        "two_edits": (0.006, 0.003),
        "similar": (0.003, 0.01),
        "partly_swapped": (0.002, 0.0002),
    },
    "family_name|names_swapped": {
        "swapped_names": (1, 1),
    },
    "date_of_birth": {
        "exact": (0.9657, 0.3721),
        "swapped_day_month": (0.02443, 0.1381),
        "first_of_month": (0.009453, 0.3506),
        "same_month_year": (0.0001485, 0.08264),
        "year_off_by_one": (7.921e-05, 3.959e-06),
        # Not in the generated data (its date slips are the ones above): judged, and capped
        # at the exact date's weight like every date slip.
        "one_digit": (0.01, 0.005),
        "different": (0.0001881, 0.0565),
    },
    "date_of_birth|same_household": {
        "exact": (0.9192, 0.05766),
        "swapped_day_month": (0.05223, 0.0009205),
        "first_of_month": (0.0282, 0.0004245),
        "same_month_year": (0.0001485, 0.000121),
        "year_off_by_one": (7.921e-05, 0.0001309),
        "one_digit": (0.01, 0.005),
        "different": (0.0001881, 0.9407),
    },
    "gender": {
        "agree": (0.99979998, 0.6095),
        "disagree": (0.0002, 0.3905),
    },
    "postcode": {
        "exact": (0.876, 0.01503),
        "same_sector": (0.01961, 0.001139),
        "same_district": (0.0343, 0.002604),
        # Not in the generated data (no postcode slips): the judgement row's values.
        "one_character": (0.02, 0.0005),
        "default_postcode": (0.03148, 0.04949),
        "different": (0.03858, 0.9317),
    },
    "postcode|same_family": {
        "exact": (0.8074, 0.5076),
        "same_sector": (0.02727, 0.0008596),
        "same_district": (0.05549, 0.001966),
        # Within a family a slip must not outweigh the shared address: neutral.
        "one_character": (0.02, 0.02),
        "default_postcode": (0.05492, 0.02499),
        "different": (0.05493, 0.4646),
    },
    "middle_names": {
        "exact": (0.9651, 0.01659),
        "reordered": (0.03016, 0.0003395),
        "part": (0.004035, 0.009327),
        "different": (0.0006931, 0.9737),
    },
    "previous_family_name": {
        "exact": (0.9636, 0.5952),
        "different": (0.0364, 0.4048),
    },
    "place_of_birth": {
        "exact": (0.85, 0.03),
        "similar": (0.05, 0.01),
        "different": (0.1, 0.96),
    },
    "email": {
        "exact": (0.9960396, 0.005035),
        "different": (0.00396, 0.99496544),
    },
    "email|from_names": {
        "exact": (0.9960396, 0.02606),
        "different": (0.00396, 0.9739),
    },
    "upn": {
        "exact": (0.97, 1e-07),
        "different": (0.03, 0.9999999),
    },
    "uci": {
        "exact": (0.97, 1e-07),
        "different": (0.03, 0.9999999),
    },
}
_FITTED_PRIOR = 0.2104


# The verdicts of each table row, missing excluded; used for smoothing when estimating. A row is
# a field name, or "field|context" for a field weighed differently in a context (see compare).
FIELD_VERDICTS: Mapping[str, tuple[str, ...]] = {
    name: tuple(rows) for name, rows in _JUDGEMENT_TABLE.items()
}

# The share of a row's labelled pairs the judgement table counts for when the table is fitted
# to data (``estimate_parameters``): enough to keep a verdict the data never shows at its judged
# weight rather than at zero, too little to outweigh any rate the data measures.
PRIOR_SHARE = 0.01

# Fields where no verdict may weigh more than "exact" in the same row, nor less than "different"
# (a date slip is evidence for the same person next to a wholly different date, issue 13).
# Among retrieved candidates agreement on a field the blocking keys use is common, so a near
# miss can look rarer, and so stronger, than agreement; but a candidate whose date of birth is
# a slip of the one searched for must never outrank one whose date agrees, all else equal.
# Names are not capped: a keying slip of a name weighs at most about two bits more than the
# exact name among strangers (never enough to decide alone, given the margin), within a
# household its own row ranks the exact name far above, and capping them cost about one
# automatic match in a hundred.
CAPPED_ROWS: frozenset[str] = frozenset({"date_of_birth"})

# A random learner is the one searched for about once in a million-learner register.
_DEFAULT_PRIOR = 1e-6


# The most a rare value adds to an exact agreement's weight, in bits (a factor of 4 on u).
# A name seen once in the register says little about how rare it is among the people who
# will be searched for, and uncapped, a namesake born the same day elsewhere with a surname
# seen once in the generated register took +4 bits for it and became an automatic match.
# Common values are weighed down without a limit: that direction never makes a false match.
MAX_RARITY_BITS = 2.0

# Tables of values whose exact agreement is weighed by how common the agreeing value is (issue
# 13): the given and family names, the date of birth (ISO date) and the postcode district
# (outward code) of an exact postcode agreement.
TERM_FREQUENCY_FIELDS: tuple[str, ...] = (
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode_district",
)

# The most a rare date of birth or postcode district adds, in bits: nothing. Their counts are
# mostly sampling noise (a register's birthdays are near uniform, so a date seen once is not
# truly rarer than one seen six times), and with the names' 2 bits, 3 of 75 generated
# namesakes (the same names, born the same day elsewhere) became automatic matches (issue 13,
# bench/matching, 30,000 learners). A common value is still weighed down.
MAX_RARITY_BITS_BY_TABLE: Mapping[str, float] = {"date_of_birth": 0.0, "postcode_district": 0.0}

# A table counting fewer values than this adjusts nothing: the frequencies of a register of a
# few dozen learners are chance (the floor of a tiny register; MAX_RARITY_BITS caps the rest).
MIN_TERM_FREQUENCY_VALUES = 100


@dataclass(frozen=True, slots=True)
class TermFrequencies:
    """How often each value of one field occurs in the register: a term-frequency table.

    Agreement on a value is evidence in inverse proportion to how many learners share it: two
    records agreeing on "Smith" say less than two agreeing on "Pimershofer". As in Splink and
    fastLink, the u of an exact agreement on value v is scaled from the field's average (the
    chance two random records agree on any value, sum of tf^2 over values) to tf(v), so the
    weight changes by log2(sum tf^2 / tf(v)) bits: negative for a common value, positive for a
    rare one, zero on average. ``counts`` keeps the values seen at least twice (a register's
    names are mostly rare); any other value counts once.
    """

    total: int  # values counted (records with the field given)
    sum_of_squares: int  # sum over distinct values of count^2
    counts: Mapping[str, int]

    def bits(self, value: str) -> float:
        """log2(sum tf^2 / tf(value)): the change in an exact agreement's weight."""
        if self.total < MIN_TERM_FREQUENCY_VALUES or self.sum_of_squares <= 0:
            return 0.0
        count = max(self.counts.get(value, 1), 1)
        return min(math.log2(self.sum_of_squares / (self.total * count)), MAX_RARITY_BITS)

    @classmethod
    def of(cls, values: Iterable[str]) -> TermFrequencies:
        """Count the non-empty ``values`` of one field."""
        counted: dict[str, int] = {}
        for value in values:
            if value:
                counted[value] = counted.get(value, 0) + 1
        return cls(
            total=sum(counted.values()),
            sum_of_squares=sum(count * count for count in counted.values()),
            counts={value: count for value, count in counted.items() if count > 1},
        )

    def as_data(self) -> dict[str, object]:
        """A JSON-ready form (``from_data`` reads it back)."""
        return {
            "total": self.total,
            "sum_of_squares": self.sum_of_squares,
            "counts": dict(self.counts),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> TermFrequencies:
        counts = data.get("counts", {})
        total = data.get("total", 0)
        squares = data.get("sum_of_squares", 0)
        if not isinstance(counts, Mapping) or not isinstance(total, int):
            raise ValueError("term frequencies need total and counts")
        if not isinstance(squares, int):
            raise ValueError("term frequencies need sum_of_squares")
        return cls(total=total, sum_of_squares=squares, counts=dict(counts))


@dataclass(frozen=True, slots=True, eq=False)
class ModelParameters:
    """m and u probabilities per field and verdict, the prior probability of a match, and the
    register's term frequencies (none: exact agreements weigh the same for every value)."""

    m: Mapping[str, Mapping[str, float]]
    u: Mapping[str, Mapping[str, float]]
    prior: float = _DEFAULT_PRIOR
    term_frequencies: Mapping[str, TermFrequencies] = field(default_factory=dict)
    _weights: dict[tuple[str, str], float] = field(init=False, repr=False)
    _prior_bits: float = field(init=False, repr=False)
    _evidence: dict[tuple[str, str, str], FieldEvidence] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        weights: dict[tuple[str, str], float] = {}
        for field_name, rows in self.m.items():
            for verdict, m in rows.items():
                u = self.u[field_name][verdict]
                weights[(field_name, verdict)] = math.log2(m / u)
            # A slip never counts for more than the value agreeing, nor for less than a wholly
            # different value (see CAPPED_ROWS).
            ceiling = weights.get((field_name, "exact"))
            floor = weights.get((field_name, "different"))
            if ceiling is not None and field_name.partition("|")[0] in CAPPED_ROWS:
                for verdict in rows:
                    key = (field_name, verdict)
                    weights[key] = min(weights[key], ceiling)
                    if floor is not None and verdict != "different":
                        weights[key] = max(weights[key], floor)
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

    def term_frequency_bits(self, field_name: str, value: str) -> float:
        """The change in bits of an exact agreement on ``value`` (``TermFrequencies.bits``)."""
        table = self.term_frequencies.get(field_name)
        if table is None:
            return 0.0
        return min(table.bits(value), MAX_RARITY_BITS_BY_TABLE.get(field_name, MAX_RARITY_BITS))

    @property
    def prior_bits(self) -> float:
        """log2 of the prior odds of a match."""
        return self._prior_bits

    def weight(self, field_name: str, verdict: str) -> float:
        """Return log2(m / u) for a verdict; 0 for "missing" or a verdict without a row."""
        return self._weights.get((field_name, verdict), 0.0)

    def total(self, verdicts: Iterable[tuple[str, str, str]]) -> float:
        """Return the summed weight of (field, verdict, row) triples, as ``evidence`` weighs them.

        The sum is taken in the order given, so it equals adding up each ``evidence`` weight.
        """
        weights = self._weights
        score = 0.0
        for _field, verdict, row in verdicts:
            score += weights.get((row, verdict), 0.0)
        return score

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
        return 1.0 / (1.0 + math.pow(2.0, -bounded))
    odds = math.pow(2.0, bounded)
    return odds / (1.0 + odds)


JUDGEMENT_PARAMETERS = ModelParameters.from_table(_JUDGEMENT_TABLE, prior=_DEFAULT_PRIOR)
DEFAULT_PARAMETERS = ModelParameters.from_table(_FITTED_TABLE, prior=_FITTED_PRIOR)
