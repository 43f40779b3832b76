"""Scoring candidates and deciding the outcome of a search.

Every candidate is scored by the Fellegi-Sunter model (``model``). The decision rests on one
calibrated quantity, the posterior that the best candidate is the learner searched for with
every other candidate considered: at most one of them is that learner, so with prior odds r
per candidate and likelihood ratios L_j the best one's posterior is r L_b / (1 + r sum_j L_j).
A runner-up that is itself plausible (a duplicate record, a twin searched by a shared nickname)
takes its share and leaves the decision to a person. The best candidate is an automatic (exact)
match when

* that posterior reaches ``MatchConfig.exact_probability``;
* no other candidate worth showing comes within ``MatchConfig.margin`` bits of it; and
* no hard rule blocks it. Each rule stands for a risk that no weight of other evidence may
  outvote, because a false exact match discloses another learner's record:

  - gender known on both sides and different;
  - a UPN or UCI on both sides and different;
  - twins: family name shared, same date of birth and postcode, and a given name that is not
    the same name (exact, the preferred name, names swapped, or a keying slip, gender not
    differing, that does not turn one recognised name into another), unless middle names,
    email, UPN or UCI agree. Twins called Tom and Thomas, Harry and Harrison, or one named
    after the other's middle name exist; the generated data shows such twins scoring above
    the threshold, and nothing but a personal field tells them apart;
  - a key field that differs with nothing to explain it: the given name, the family name or
    the date of birth compared "different" (no nickname, preferred or middle name, prefix,
    double-barrelled part, previous family name, swap, keying slip or date slip accounts for
    it), unless middle names, email, UPN or UCI agree. Prevents issue 13's false match: Alys
    Totallydifferent, searched with the birthday, gender and postcode of Alys Pritchard, was
    certain to be her (the same-address-and-birthday row weighs the given name at 13 bits),
    with "Family name differs" among the reasons. A learner who changed name without the
    previous one recorded, or whose birth date was keyed wholly wrong, goes to a person. The
    postcode is not among these fields: moving house explains a different postcode.

  An email address made of the given and family names alone (``jack.hargreaves@...``)
  corroborates nothing in these rules: a namesake at the same college may have it too.

Anything else worth showing is a possible match: a person then checks it with the learner.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import NamedTuple

from lrs.matching.compare import (
    adjusted,
    email_from_names,
    gender_verdict,
    middle_names_verdict,
    name_verdicts,
    prepared_verdicts,
    term_frequency_bits,
    verdicts_after_names,
)
from lrs.matching.model import DEFAULT_PARAMETERS, ModelParameters
from lrs.matching.prepare import Prepared, prepare_uncached, prepared
from lrs.matching.types import (
    Candidate,
    FieldEvidence,
    MatchConfig,
    MatchKind,
    MatchOutcome,
    PersonDetails,
    ScoredCandidate,
)

__all__ = [
    "DEFAULT_CONFIG",
    "QUOTED_FIELDS",
    "PairJudgement",
    "decide",
    "identities_differ",
    "identity_key",
    "judge_pair",
    "judge_reviewable_pair",
    "posterior_of_best",
    "prepared_identity_key",
    "reviewable",
    "score_candidate",
    "score_pair",
    "twin_shaped",
]

DEFAULT_CONFIG = MatchConfig()

# Family verdicts of relatives (as in ``compare``): with the same birthday and postcode, twins.
_FAMILY_SHARED = frozenset(
    {"exact", "prefix", "without_prefix", "part", "previous_family_name", "swapped_names"}
)
# Given-name verdicts that name the same person even within a household.
_SAME_GIVEN = frozenset({"exact", "preferred_name", "swapped_names"})
# Fields personal to one learner, which twins do not usually share.
_PERSONAL = ("middle_names", "email", "upn", "uci")
_PERSONAL_AGREES = frozenset({"exact", "reordered"})
# Key fields, and the verdict of each that nothing recognised explains (see the module docstring).
# A family name merely "similar" by Jaro-Winkler (no slip of one or two keys, no recognised
# variant) explains nothing either: Pritchard is not Pritchett's typing error.
_UNEXPLAINED = (
    ("given_name", "different"),
    ("family_name", "different"),
    ("family_name", "similar"),
    ("date_of_birth", "different"),
)
# Given-name slips that may name the same person within a household (see ``_same_given_name``).
_GIVEN_SLIPS = frozenset({"typo", "one_edit"})

# Fields whose two compared values go with the evidence of the candidates shown: a person
# checks a name or a postcode at a glance; the other fields' values are on the record itself.
QUOTED_FIELDS = frozenset({"given_name", "family_name", "postcode"})


def _explained(
    scored: ScoredCandidate, query: PersonDetails, record: PersonDetails
) -> ScoredCandidate:
    """The candidate with the compared values of ``QUOTED_FIELDS`` in its evidence.

    Built with the constructors rather than ``dataclasses.replace``, which costs several
    times more and is called for every field of every candidate shown.
    """
    evidence = tuple(
        FieldEvidence(
            item.field,
            item.verdict,
            item.weight,
            str(getattr(query, item.field)),
            str(getattr(record, item.field)),
        )
        if item.field in QUOTED_FIELDS
        else item
        for item in scored.evidence
    )
    return ScoredCandidate(scored.key, scored.score, scored.probability, evidence)


def score_candidate(
    query: PersonDetails,
    candidate: Candidate,
    params: ModelParameters = DEFAULT_PARAMETERS,
) -> ScoredCandidate:
    """Compare every field of ``query`` with ``candidate`` and total the evidence."""
    scored = _score(prepared(query), candidate, params)
    return _explained(scored, query, candidate.details)


def _score(query: Prepared, candidate: Candidate, params: ModelParameters) -> ScoredCandidate:
    """Score without the compared values: most candidates of a search are dropped unread."""
    record = prepared(candidate.details)
    verdicts = prepared_verdicts(query, record)
    return _scored(candidate.key, verdicts, params, term_frequency_bits(params, record, verdicts))


def _scored(
    key: int,
    verdicts: list[tuple[str, str, str]],
    params: ModelParameters,
    adjust: dict[str, float],
    score: float | None = None,
) -> ScoredCandidate:
    """The scored candidate, evidence included; ``score`` is ``params.total(verdicts) +
    sum(adjust.values())`` when the caller has it already (``decide``)."""
    evidence_of = params.evidence
    if adjust:
        evidence = tuple(
            adjusted(evidence_of(row, verdict, field), adjust) for field, verdict, row in verdicts
        )
    else:
        evidence = tuple(evidence_of(row, verdict, field) for field, verdict, row in verdicts)
    if score is None:
        score = params.total(verdicts) + sum(adjust.values())
    return ScoredCandidate(
        key=key, score=score, probability=params.probability(score), evidence=evidence
    )


def posterior_of_best(
    best: ScoredCandidate, scored: Iterable[ScoredCandidate], prior_bits: float
) -> float:
    """Return the posterior that ``best`` is the learner searched for, ``scored`` considered.

    ``scored`` holds every candidate of the search (``best`` included); ``prior_bits`` is
    log2 of the prior odds per candidate. Likelihood ratios are taken relative to the best
    one, so no score is too large to exponentiate.
    """
    return _posterior(best.score, (item.score for item in scored), prior_bits)


def _posterior(best: float, scores: Iterable[float], prior_bits: float) -> float:
    total = math.pow(2.0, max(-1000.0, min(1000.0, -(best + prior_bits))))
    for score in scores:
        gap = score - best
        if gap > -100.0:
            total += math.pow(2.0, gap)
    return 1.0 / total


def _verdicts_of(candidate: ScoredCandidate) -> dict[str, str]:
    return {item.field: item.verdict for item in candidate.evidence}


def _blocked(candidate: ScoredCandidate, query: Prepared, record: Prepared) -> bool:
    """Apply the hard rules of the module docstring."""
    return _blocked_verdicts(_verdicts_of(candidate), query, record)


def _blocked_verdicts(verdicts: dict[str, str], query: Prepared, record: Prepared) -> bool:
    """``_blocked`` on the verdict of each field compared."""
    if verdicts.get("gender") == "disagree":
        return True
    if "different" in (verdicts.get("upn"), verdicts.get("uci")):
        return True
    corroborated = _personal_agrees(verdicts, query)
    if not corroborated and any(verdicts.get(name) == verdict for name, verdict in _UNEXPLAINED):
        return True
    twin_shaped = (
        verdicts.get("family_name") in _FAMILY_SHARED
        and verdicts.get("date_of_birth") == "exact"
        and verdicts.get("postcode") == "exact"
    )
    if not twin_shaped or _same_given_name(verdicts, query, record):
        return False
    return not corroborated


def _personal_agrees(verdicts: dict[str, str], query: Prepared) -> bool:
    """Whether a personal field agrees: middle names, UPN, UCI, or an email address that is not
    made of the names alone (a namesake at the same college may have jack.hargreaves@ too: on
    100,000 synthetic learners such an address let a different Jack Hargreaves, born two years
    apart, be certain)."""
    return any(
        verdicts.get(name) in _PERSONAL_AGREES and not (name == "email" and email_from_names(query))
        for name in _PERSONAL
    )


def reviewable(candidate: ScoredCandidate) -> bool:
    """Whether a pair that a hard rule blocks may still go to a person to check (the
    duplicate finder's worklist, always below its merge threshold).

    The rules stop an automatic match; some of what they stop is a duplicate that a person
    can tell at a glance. So a pair is worth showing when it is blocked only by

    * the twins rule, with given names that something explains (a nickname, a middle name
      used as given name, a keying slip): twins named Tom and Thomas exist, and so does the
      same Thomas registered again as Tom; or
    * a family name or date of birth that differs unexplained, with the given name not
      different: a name changed without the previous one recorded, a birth date keyed wrong.

    Never when the gender, UPN or UCI differs, or the given name differs unexplained (twins
    with other names, the commonest pair of relatives sharing a birthday and an address).
    """
    return _reviewable_verdicts(_verdicts_of(candidate))


def _reviewable_verdicts(verdicts: dict[str, str]) -> bool:
    if verdicts.get("gender") == "disagree" or "different" in (
        verdicts.get("upn"),
        verdicts.get("uci"),
    ):
        return False
    return verdicts.get("given_name") != "different"


def twin_shaped(candidate: ScoredCandidate) -> bool:
    """Whether two records could be twins: family name, birthday and postcode shared, and the
    given names not exactly the same (a nickname, a keying slip, another name).

    The duplicate finder never puts such a pair above its merge threshold, whatever the other
    fields say: a shared middle name or a nickname (Harry and Henry) is not proof between
    twins, and merging twins would give one of them the other's record.
    """
    return _twin_shaped_verdicts(_verdicts_of(candidate))


def _twin_shaped_verdicts(verdicts: dict[str, str]) -> bool:
    return (
        verdicts.get("family_name") in _FAMILY_SHARED
        and verdicts.get("date_of_birth") == "exact"
        and verdicts.get("postcode") == "exact"
        and verdicts.get("given_name") != "exact"
    )


def _same_given_name(verdicts: dict[str, str], query: Prepared, record: Prepared) -> bool:
    """Whether the given names name one person even between twins.

    A keying slip ("typo", or "one_edit": one key off in a short name or the first letter)
    counts only when the two spellings are not two recognised names (Albie and
    Alfie, Alexander and Alexandra are twins' names, not slips); a gender that differs blocks
    on its own, and one not known (FEBRL records have none) no longer blocks a slip such as
    Nahan/Nathan, which no twin pair is named.
    """
    given = verdicts.get("given_name")
    if given not in _GIVEN_SLIPS:
        return given in _SAME_GIVEN
    two_names = bool(query.given_groups) and bool(record.given_groups)
    return verdicts.get("gender") != "disagree" and not two_names


def score_pair(
    first: Prepared,
    second: Candidate,
    params: ModelParameters = DEFAULT_PARAMETERS,
) -> tuple[ScoredCandidate, bool]:
    """Score two records of the register against each other, for the duplicate finder.

    ``first`` is prepared once by the caller (``prepared``) and compared with each of its
    candidates. Returns the score and whether a hard rule (the twins rule, a gender, UPN or
    UCI that differs) forbids ever treating them as one learner automatically.
    """
    record = prepare_uncached(second.details)
    verdicts = prepared_verdicts(first, record)
    scored = _scored(second.key, verdicts, params, term_frequency_bits(params, record, verdicts))
    return scored, _blocked(scored, first, record)


class PairJudgement(NamedTuple):
    """Two records of the register compared (``judge_pair``): the score of ``score_pair``,
    with the hard rules and the evidence worked out only when asked for."""

    score: float
    rows: list[tuple[str, str, str]]  # (field, verdict, model row), as prepared_verdicts
    adjust: dict[str, float]  # term-frequency bits by field
    first: Prepared
    second: Prepared

    def verdicts(self) -> dict[str, str]:
        """The verdict of each field compared."""
        return {field: verdict for field, verdict, _row in self.rows}

    def blocked(self) -> bool:
        """The second value ``score_pair`` returns: whether a hard rule forbids the match."""
        return _blocked_verdicts(self.verdicts(), self.first, self.second)

    def reviewable(self) -> bool:
        """``reviewable`` of the pair's scored candidate."""
        return _reviewable_verdicts(self.verdicts())

    def twin_shaped(self) -> bool:
        """``twin_shaped`` of the pair's scored candidate."""
        return _twin_shaped_verdicts(self.verdicts())

    def scored(self, key: int, params: ModelParameters = DEFAULT_PARAMETERS) -> ScoredCandidate:
        """The scored candidate ``score_pair`` returns, evidence included (``params`` must be
        those the pair was judged with)."""
        return _scored(key, self.rows, params, self.adjust)


def identities_differ(first: Prepared, second: Prepared) -> bool:
    """Whether a known gender, a UPN or a UCI differs: hard rules that block a pair and
    leave it not ``reviewable`` whatever its names. The duplicate finder drops such a pair
    before comparing the names, which is most of the cost of scoring it."""
    return (
        gender_verdict(first, second) == "disagree"
        or bool(first.upn and second.upn and first.upn != second.upn)
        or bool(first.uci and second.uci and first.uci != second.uci)
    )


def judge_pair(
    first: Prepared, second: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> PairJudgement:
    """``score_pair`` for two prepared records, the evidence left to be spelt out.

    The duplicate finder compares millions of pairs and lists a few thousand: it prepares
    each learner once, and works out the hard rules and the evidence (``PairJudgement``'s
    methods) only for the pairs whose score could put them on its worklist. The score, the
    rules' answer and the evidence are those of ``score_pair``.
    """
    rows = prepared_verdicts(first, second)
    adjust = term_frequency_bits(params, second, rows)
    return PairJudgement(params.total(rows) + sum(adjust.values()), rows, adjust, first, second)


def judge_reviewable_pair(
    first: Prepared, second: Prepared, params: ModelParameters = DEFAULT_PARAMETERS
) -> PairJudgement | None:
    """``judge_pair``, or None for a pair that a hard rule blocks and that is not
    ``reviewable``: its gender, UPN or UCI differs (``identities_differ``), or its given
    name differs unexplained with no personal field agreeing. The duplicate finder never
    lists such a pair, and most pairs of strangers are one; they are told without
    comparing the other fields."""
    if identities_differ(first, second):
        return None
    given, family = name_verdicts(first, second)
    if given == "different" and not _corroborated(first, second):
        return None
    rows = verdicts_after_names(first, second, given, family)
    adjust = term_frequency_bits(params, second, rows)
    return PairJudgement(params.total(rows) + sum(adjust.values()), rows, adjust, first, second)


def _corroborated(first: Prepared, second: Prepared) -> bool:
    """Whether a personal field agrees (``_blocked``'s "corroborated")."""
    return (
        middle_names_verdict(first, second) in _PERSONAL_AGREES
        or bool(first.email and first.email == second.email and not email_from_names(first))
        or bool(first.upn and first.upn == second.upn)
        or bool(first.uci and first.uci == second.uci)
    )


def decide(
    query: PersonDetails,
    candidates: Iterable[Candidate],
    config: MatchConfig = DEFAULT_CONFIG,
    params: ModelParameters = DEFAULT_PARAMETERS,
) -> MatchOutcome:
    """Score the candidates retrieved for ``query`` and return one outcome.

    Candidates repeated under the same key are scored once. Those below
    ``config.possible_probability`` are dropped; more than ``config.max_results`` left is
    TOO_MANY, returned without any learner's data. EXACT returns the one learner only, never
    the runners-up (a twin, say); POSSIBLE returns every kept candidate, best first.
    """
    unique: dict[int, Candidate] = {}
    for candidate in candidates:
        unique.setdefault(candidate.key, candidate)
    query_prepared = prepared(query)
    # Every candidate's score counts in the posterior, but only those kept are shown, so only
    # they get their evidence spelt out (most of a search's candidates are strangers).
    # Candidates are prepared through the cache (``prepared``): a learner retrieved by an
    # earlier search, or prepared when an in-memory index was built, is not prepared again.
    scores: list[float] = []
    worth_showing: list[
        tuple[float, int, list[tuple[str, str, str]], Prepared, dict[str, float]]
    ] = []
    total = params.total
    probability = params.probability
    possible = config.possible_probability
    # The score from which a candidate is worth showing, for telling most candidates without
    # the logistic function: only a score within a millionth of a bit of it (far beyond the
    # rounding error of either) is looked at with ``probability`` itself, so the candidates
    # kept are those ``probability(score) >= possible`` keeps.
    below, above = _possible_band(possible, params.prior_bits)
    frequencies = bool(params.term_frequencies)
    for key, candidate in unique.items():
        record = prepared(candidate.details)
        verdicts = prepared_verdicts(query_prepared, record)
        if frequencies:
            # Exact name agreements weighed by how common the name is in the register (a
            # fitted model only).
            adjust = term_frequency_bits(params, record, verdicts)
            score = total(verdicts) + sum(adjust.values())
        else:
            adjust = {}
            score = total(verdicts)
        scores.append(score)
        if score >= above or (score > below and probability(score) >= possible):
            worth_showing.append((score, key, verdicts, record, adjust))
            if len(worth_showing) > config.max_results:
                # TOO_MANY whatever the rest score: stop scoring (at national density a search
                # on a common family name and date finds dozens of plausible namesakes).
                return MatchOutcome(MatchKind.TOO_MANY, (), len(unique))
    considered = len(scores)
    if not worth_showing:
        return MatchOutcome(MatchKind.NONE, (), considered)
    worth_showing.sort(key=lambda item: (-item[0], item[1]))
    best_score, _key, best_verdicts, best_record, _adjust = worth_showing[0]
    clear_lead = len(worth_showing) == 1 or best_score - worth_showing[1][0] > config.margin
    if (
        clear_lead
        and _posterior(best_score, scores, params.prior_bits) >= config.exact_probability
        and not _blocked_verdicts(
            {field: verdict for field, verdict, _row in best_verdicts}, query_prepared, best_record
        )
    ):
        kind = MatchKind.EXACT
        del worth_showing[1:]
    else:
        kind = MatchKind.POSSIBLE
    # Only the candidates shown get their evidence spelt out, the compared values quoted.
    shown = tuple(
        _explained(_scored(key, verdicts, params, adjust, score), query, unique[key].details)
        for score, key, verdicts, _record, adjust in worth_showing
    )
    return MatchOutcome(kind, shown, considered)


@functools.lru_cache(maxsize=64)
def _possible_band(possible: float, prior_bits: float) -> tuple[float, float]:
    """Scores (below, above) between which ``decide`` asks the logistic function whether a
    candidate reaches ``possible``: every score at or under ``below`` falls short of it, every
    score at or over ``above`` reaches it."""
    if not 0.0 < possible < 1.0:
        return -math.inf, math.inf
    log_odds = math.log2(possible / (1.0 - possible))
    if abs(log_odds) > 900.0:
        # Near the bounds at which ``probability_from_score`` clamps: always ask it.
        return -math.inf, math.inf
    cutoff = log_odds - prior_bits
    return cutoff - 1e-6, cutoff + 1e-6


def identity_key(details: PersonDetails) -> str:
    """Return the canonical form of the five key fields, for the "identical learner" check.

    Two learners with the same key would be indistinguishable to a search, so registering or
    updating into an existing key is refused. Case, accents, apostrophes, hyphens and spaces are
    ignored; Mac/Mc and nicknames are not, because those are different key information.
    """
    return prepared_identity_key(prepared(details))


def prepared_identity_key(person: Prepared) -> str:
    """``identity_key`` of a person already prepared (a bulk import prepares each row once for
    its identity and its blocking keys)."""
    return "|".join(
        (
            person.given,
            person.family_plain,
            person.date_of_birth.isoformat(),
            person.gender,  # normalise_gender of the details' gender
            person.postcode.replace(" ", ""),
        )
    )
