"""Scoring candidates and deciding the outcome of a search.

The model gives every candidate a probability; the decision adds rules that no probability may
override, because a false exact match discloses another learner's record. A candidate is only
ever an automatic (exact) match when:

* its posterior probability reaches ``MatchConfig.exact_probability``;
* no other candidate worth showing comes within ``MatchConfig.margin`` bits of it;
* its given name is the same; or the preferred name of one side, with the same postcode; or
  a known variant or one keying error away (gender known and agreeing), with the same postcode
  and the same middle names; a UPN or UCI in common stands in for either. So a twin, a sibling
  or anyone else with a different given name never qualifies, nor do twins whose names are
  variants of each other (Tom and Thomas) or who go by each other's names;
* its family name is the same, the Mac/Mc form, one part of a double-barrelled name, or the
  previous family name;
* its date of birth is the same, or has day and month swapped with everything else agreeing
  exactly (postcode included);
* something beyond name and birth date supports it: the same postcode, UPN, UCI, email or middle
  names for an exact given name, as above otherwise (so a namesake born the same day elsewhere
  never qualifies);
* neither gender, UPN, UCI nor (when both sides have them) middle names disagree.

Anything else worth showing is a possible match: a person then checks it with the learner.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from lrs.matching.compare import prepared_verdicts
from lrs.matching.model import DEFAULT_PARAMETERS, ModelParameters
from lrs.matching.normalise import normalise_gender
from lrs.matching.prepare import Prepared, prepared
from lrs.matching.types import (
    Candidate,
    FieldEvidence,
    MatchConfig,
    MatchKind,
    MatchOutcome,
    PersonDetails,
    ScoredCandidate,
)

__all__ = ["DEFAULT_CONFIG", "decide", "identity_key", "score_candidate"]

DEFAULT_CONFIG = MatchConfig()

_EXACT_GIVEN = frozenset({"exact", "nickname", "preferred_name", "typo"})
_EXACT_FAMILY = frozenset({"exact", "prefix", "part", "previous_family_name"})
_SUPPORT = frozenset(
    {
        ("postcode", "exact"),
        ("upn", "exact"),
        ("uci", "exact"),
        ("email", "exact"),
        ("middle_names", "exact"),
    }
)
# Identifiers that belong to one person: enough support on their own.
_IDENTIFIERS = frozenset({("upn", "exact"), ("uci", "exact")})
_POSTCODE = ("postcode", "exact")
_MIDDLE = ("middle_names", "exact")
# Explicit disagreement in a personal field: never automatic, whatever else agrees.
_VETO = frozenset(
    {
        ("gender", "disagree"),
        ("upn", "different"),
        ("uci", "different"),
        ("middle_names", "different"),
    }
)

# One short sentence per verdict worth telling a person; {q} and {r} are the searched and the
# recorded value of the field.
_REASONS: dict[tuple[str, str], str] = {
    ("given_name", "exact"): "Given name matches",
    ("given_name", "preferred_name"): "Given name matches a preferred given name ({q}/{r})",
    ("given_name", "nickname"): "Given name is a known nickname ({q}/{r})",
    ("given_name", "part"): "Given name partly matches ({q}/{r})",
    ("given_name", "middle_as_given"): "Given name matches a middle name ({q}/{r})",
    ("given_name", "typo"): "Given name differs by a typing slip ({q}/{r})",
    ("given_name", "phonetic"): "Given name sounds the same ({q}/{r})",
    ("given_name", "initial"): "Given name matches by initial ({q}/{r})",
    ("given_name", "similar"): "Given name is similar but different ({q}/{r})",
    ("given_name", "swapped_names"): "Given name and family name are swapped",
    ("given_name", "different"): "Given name differs ({q}/{r})",
    ("family_name", "exact"): "Family name matches",
    ("family_name", "prefix"): "Family name matches in its Mac/Mc form ({q}/{r})",
    ("family_name", "without_prefix"): "Family name matches without its prefix ({q}/{r})",
    ("family_name", "part"): "Family name matches part of a double-barrelled name ({q}/{r})",
    ("family_name", "previous_family_name"): "Family name matches a previous family name",
    ("family_name", "phonetic"): "Family name sounds the same ({q}/{r})",
    ("family_name", "typo"): "Family name differs by a typing slip ({q}/{r})",
    ("family_name", "different"): "Family name differs ({q}/{r})",
    ("date_of_birth", "exact"): "Date of birth matches",
    ("date_of_birth", "swapped_day_month"): "Day and month of birth swapped",
    ("date_of_birth", "first_of_month"): "Date of birth matches the first of the month",
    ("date_of_birth", "same_month_year"): "Month and year of birth match, the day differs",
    ("date_of_birth", "year_off_by_one"): "Day and month of birth match, the year differs by one",
    ("date_of_birth", "different"): "Date of birth differs",
    ("gender", "agree"): "Gender matches",
    ("gender", "disagree"): "Gender differs",
    ("postcode", "exact"): "Postcode matches",
    ("postcode", "same_sector"): "Postcode is in the same sector ({q}/{r})",
    ("postcode", "same_district"): "Postcode is in the same district ({q}/{r})",
    ("postcode", "default_postcode"): "Default postcode ZZ99 used, so postcode not compared",
    ("postcode", "different"): "Postcode differs ({q}/{r})",
    ("middle_names", "exact"): "Middle names match",
    ("middle_names", "reordered"): "Same names in another order",
    ("middle_names", "part"): "Middle names partly match",
    ("middle_names", "different"): "Middle names differ",
    ("previous_family_name", "exact"): "Previous family name matches",
    ("previous_family_name", "different"): "Previous family name differs",
    ("place_of_birth", "exact"): "Place of birth matches",
    ("place_of_birth", "similar"): "Place of birth is similar",
    ("place_of_birth", "different"): "Place of birth differs",
    ("email", "exact"): "Email address matches",
    ("email", "different"): "Email address differs",
    ("upn", "exact"): "UPN matches",
    ("upn", "different"): "UPN differs",
    ("uci", "exact"): "UCI matches",
    ("uci", "different"): "UCI differs",
}

_REASON_VALUES: dict[str, str] = {
    "given_name": "given_name",
    "family_name": "family_name",
    "postcode": "postcode",
}


def _reasons(
    evidence: tuple[FieldEvidence, ...], query: PersonDetails, record: PersonDetails
) -> tuple[str, ...]:
    reasons: list[str] = []
    for item in evidence:
        if item.field == "family_name" and item.verdict == "swapped_names":
            continue  # already told once, under the given name
        template = _REASONS.get((item.field, item.verdict))
        if template is None:
            continue
        attribute = _REASON_VALUES.get(item.field)
        if attribute is None:
            reasons.append(template)
            continue
        reasons.append(template.format(q=getattr(query, attribute), r=getattr(record, attribute)))
    return tuple(reasons)


def score_candidate(
    query: PersonDetails,
    candidate: Candidate,
    params: ModelParameters = DEFAULT_PARAMETERS,
) -> ScoredCandidate:
    """Compare every field of ``query`` with ``candidate`` and total the evidence."""
    scored = _score(prepared(query), candidate, params)
    return _with_reasons(scored, query, candidate.details)


def _score(query: Prepared, candidate: Candidate, params: ModelParameters) -> ScoredCandidate:
    """Score without reasons: most candidates of a search are dropped before anyone reads them."""
    evidence = []
    score = 0.0
    for field, verdict, row in prepared_verdicts(query, prepared(candidate.details)):
        item = params.evidence(row, verdict, field)
        evidence.append(item)
        score += item.weight
    return ScoredCandidate(
        key=candidate.key,
        score=score,
        probability=params.probability(score),
        evidence=tuple(evidence),
        reasons=(),
    )


def _with_reasons(
    scored: ScoredCandidate, query: PersonDetails, record: PersonDetails
) -> ScoredCandidate:
    return dataclasses.replace(scored, reasons=_reasons(scored.evidence, query, record))


def _supported(given: str, verdicts: dict[str, str]) -> bool:
    """Whether something beyond name and birth date backs the candidate, by given-name verdict.

    Twins share family name, birthday, address, often a middle name and a parent's email; some
    are called Tom and Thomas, or one goes by the other's name. So the nearer the given name is
    to merely similar, the more personal the support must be.
    """
    items = set(verdicts.items())
    if items & _IDENTIFIERS:
        return True
    if given == "exact":
        return bool(items & _SUPPORT)
    if given == "preferred_name":
        return _POSTCODE in items
    # A nickname or a keying slip: the household and the middle names must both agree.
    return _POSTCODE in items and _MIDDLE in items


def _safe_for_exact(candidate: ScoredCandidate) -> bool:
    """Apply the rules of the module docstring that do not depend on other candidates."""
    verdicts = {item.field: item.verdict for item in candidate.evidence}
    if any((field, verdict) in _VETO for field, verdict in verdicts.items()):
        return False
    given = verdicts.get("given_name")
    family = verdicts.get("family_name")
    if given not in _EXACT_GIVEN or family not in _EXACT_FAMILY:
        return False
    if given == "typo" and verdicts.get("gender") != "agree":
        return False
    if not _supported(given, verdicts):
        return False
    date_of_birth = verdicts.get("date_of_birth")
    if date_of_birth == "exact":
        return True
    if date_of_birth == "swapped_day_month":
        return (
            given == "exact"
            and family in {"exact", "prefix"}
            and verdicts.get("postcode") == "exact"
        )
    return False


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
    scored = [_score(query_prepared, candidate, params) for candidate in unique.values()]
    kept = sorted(
        (item for item in scored if item.probability >= config.possible_probability),
        key=lambda item: (-item.score, item.key),
    )
    considered = len(scored)
    if not kept:
        return MatchOutcome(MatchKind.NONE, (), considered)
    if len(kept) > config.max_results:
        return MatchOutcome(MatchKind.TOO_MANY, (), considered)
    best = kept[0]
    clear_lead = len(kept) == 1 or best.score - kept[1].score > config.margin
    if best.probability >= config.exact_probability and clear_lead and _safe_for_exact(best):
        kept = [best]
        kind = MatchKind.EXACT
    else:
        kind = MatchKind.POSSIBLE
    shown = tuple(_with_reasons(item, query, unique[item.key].details) for item in kept)
    return MatchOutcome(kind, shown, considered)


def identity_key(details: PersonDetails) -> str:
    """Return the canonical form of the five key fields, for the "identical learner" check.

    Two learners with the same key would be indistinguishable to a search, so registering or
    updating into an existing key is refused. Case, accents, apostrophes, hyphens and spaces are
    ignored; Mac/Mc and nicknames are not, because those are different key information.
    """
    person = prepared(details)
    postcode = person.postcode.replace(" ", "")
    return "|".join(
        (
            person.given,
            person.family_plain,
            person.date_of_birth.isoformat(),
            normalise_gender(details.gender),
            postcode,
        )
    )
