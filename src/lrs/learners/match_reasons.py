"""Why a learner matched: the one wording of the matching engine's evidence, in every language.

The engine (`lrs.matching`) reports each field it compared as a `FieldEvidence`: the field, its
verdict and, for the names and the postcode, the two values compared. Pages, the API and the
batch exceptions all say why a learner matched with `match_reasons`, in the active language
(English or Welsh). What is stored (the portal's session, a batch exception's candidates) is the
evidence as data (`evidence_data`), never the sentences.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# One sentence per verdict worth telling a person. %(searched)s and %(recorded)s are the value
# searched for and the learner's, for the fields whose evidence carries them.
MATCH_REASONS: dict[tuple[str, str], Promise] = {
    ("given_name", "exact"): _("Given name matches"),
    ("given_name", "preferred_name"): _(
        "Given name matches a preferred given name (%(searched)s/%(recorded)s)"
    ),
    ("given_name", "nickname"): _("Given name is a known nickname (%(searched)s/%(recorded)s)"),
    ("given_name", "part"): _("Given name partly matches (%(searched)s/%(recorded)s)"),
    ("given_name", "middle_as_given"): _(
        "Given name matches a middle name (%(searched)s/%(recorded)s)"
    ),
    ("given_name", "typo"): _("Given name differs by a typing slip (%(searched)s/%(recorded)s)"),
    ("given_name", "one_edit"): _(
        "Given name differs by one character (%(searched)s/%(recorded)s)"
    ),
    ("given_name", "two_edits"): _(
        "Given name differs by two characters (%(searched)s/%(recorded)s)"
    ),
    ("given_name", "partly_swapped"): _(
        "Given name matches the family name (%(searched)s/%(recorded)s)"
    ),
    ("given_name", "phonetic"): _("Given name sounds the same (%(searched)s/%(recorded)s)"),
    ("given_name", "initial"): _("Given name matches by initial (%(searched)s/%(recorded)s)"),
    ("given_name", "similar"): _("Given name is similar but different (%(searched)s/%(recorded)s)"),
    ("given_name", "swapped_names"): _("Given name and family name are swapped"),
    ("given_name", "different"): _("Given name differs (%(searched)s/%(recorded)s)"),
    ("family_name", "exact"): _("Family name matches"),
    ("family_name", "prefix"): _(
        "Family name matches in its Mac/Mc form (%(searched)s/%(recorded)s)"
    ),
    ("family_name", "without_prefix"): _(
        "Family name matches without its prefix (%(searched)s/%(recorded)s)"
    ),
    ("family_name", "part"): _(
        "Family name matches part of a double-barrelled name (%(searched)s/%(recorded)s)"
    ),
    ("family_name", "previous_family_name"): _("Family name matches a previous family name"),
    ("family_name", "phonetic"): _("Family name sounds the same (%(searched)s/%(recorded)s)"),
    ("family_name", "typo"): _("Family name differs by a typing slip (%(searched)s/%(recorded)s)"),
    ("family_name", "one_edit"): _(
        "Family name differs by one character (%(searched)s/%(recorded)s)"
    ),
    ("family_name", "two_edits"): _(
        "Family name differs by two characters (%(searched)s/%(recorded)s)"
    ),
    ("family_name", "similar"): _(
        "Family name is similar but different (%(searched)s/%(recorded)s)"
    ),
    ("family_name", "partly_swapped"): _(
        "Family name matches the given name (%(searched)s/%(recorded)s)"
    ),
    ("family_name", "different"): _("Family name differs (%(searched)s/%(recorded)s)"),
    ("date_of_birth", "exact"): _("Date of birth matches"),
    ("date_of_birth", "swapped_day_month"): _("Day and month of birth swapped"),
    ("date_of_birth", "first_of_month"): _("Date of birth matches the first of the month"),
    ("date_of_birth", "same_month_year"): _("Month and year of birth match, the day differs"),
    ("date_of_birth", "year_off_by_one"): _(
        "Day and month of birth match, the year differs by one"
    ),
    ("date_of_birth", "one_digit"): _("Date of birth differs by one digit"),
    ("date_of_birth", "different"): _("Date of birth differs"),
    ("gender", "agree"): _("Gender matches"),
    ("gender", "disagree"): _("Gender differs"),
    ("postcode", "exact"): _("Postcode matches"),
    ("postcode", "same_sector"): _("Postcode is in the same sector (%(searched)s/%(recorded)s)"),
    ("postcode", "same_district"): _(
        "Postcode is in the same district (%(searched)s/%(recorded)s)"
    ),
    ("postcode", "one_character"): _(
        "Postcode differs by one character (%(searched)s/%(recorded)s)"
    ),
    ("postcode", "default_postcode"): _("Default postcode ZZ99 used, so postcode not compared"),
    ("postcode", "different"): _("Postcode differs (%(searched)s/%(recorded)s)"),
    ("middle_names", "exact"): _("Middle names match"),
    ("middle_names", "reordered"): _("Same names in another order"),
    ("middle_names", "part"): _("Middle names partly match"),
    ("middle_names", "different"): _("Middle names differ"),
    ("previous_family_name", "exact"): _("Previous family name matches"),
    ("previous_family_name", "different"): _("Previous family name differs"),
    ("place_of_birth", "exact"): _("Place of birth matches"),
    ("place_of_birth", "similar"): _("Place of birth is similar"),
    ("place_of_birth", "different"): _("Place of birth differs"),
    ("email", "exact"): _("Email address matches"),
    ("email", "different"): _("Email address differs"),
    ("upn", "exact"): _("UPN matches"),
    ("upn", "different"): _("UPN differs"),
    ("uci", "exact"): _("UCI matches"),
    ("uci", "different"): _("UCI differs"),
}

# Verdicts with no sentence of their own: a swap of given and family names is told once, under
# the given name; a field that was not compared (verdict "missing") says nothing.
SILENT: frozenset[tuple[str, str]] = frozenset({("family_name", "swapped_names")})
NOT_COMPARED = "missing"


class Evidence(Protocol):
    """What a reason needs of a piece of evidence (`lrs.matching.FieldEvidence` has it)."""

    @property
    def field(self) -> str: ...

    @property
    def verdict(self) -> str: ...

    @property
    def searched(self) -> str: ...

    @property
    def recorded(self) -> str: ...


@dataclass(frozen=True)
class StoredEvidence:
    """Evidence read back from where it was stored (`evidence_from_data`)."""

    field: str
    verdict: str
    searched: str = ""
    recorded: str = ""


def match_reasons(evidence: Iterable[Evidence]) -> list[str]:
    """Why the learner matched, one sentence per telling verdict, in the active language."""
    reasons = []
    for item in evidence:
        template = MATCH_REASONS.get((item.field, item.verdict))
        if template is not None:
            reasons.append(str(template) % {"searched": item.searched, "recorded": item.recorded})
    return reasons


def evidence_data(evidence: Iterable[Evidence]) -> list[dict[str, str]]:
    """The evidence as JSON-ready data, for a session or a database row."""
    return [
        {
            "field": item.field,
            "verdict": item.verdict,
            "searched": item.searched,
            "recorded": item.recorded,
        }
        for item in evidence
    ]


def evidence_from_data(data: object) -> list[StoredEvidence]:
    """Evidence stored by `evidence_data`; anything else stored there gives none."""
    if not isinstance(data, list):
        return []
    return [
        StoredEvidence(
            field=str(item.get("field", "")),
            verdict=str(item.get("verdict", "")),
            searched=str(item.get("searched", "")),
            recorded=str(item.get("recorded", "")),
        )
        for item in data
        if isinstance(item, dict)
    ]


# How sure a match is, in words (issue 19 item 21): the posterior probability that the learner
# is the one searched for. People read "strong" or "weak" with the reasons beside it; the API
# keeps the number too.
STRONG_MATCH_PROBABILITY = 0.5


MatchStrength = Literal["strong", "weak"]


def match_strength(probability: float | None) -> MatchStrength:
    """ "strong" when the learner is more likely than not the one searched for, else "weak"."""
    return "strong" if (probability or 0.0) >= STRONG_MATCH_PROBABILITY else "weak"


MATCH_STRENGTH_LABELS: dict[str, Promise] = {
    "strong": _("Strong possible match"),
    "weak": _("Weak possible match"),
}
MATCH_STRENGTH_HINTS: dict[str, Promise] = {
    "strong": _("More likely than not to be the same learner: still check the details below."),
    "weak": _("Less likely than not to be the same learner: only some details agree."),
}


def match_strength_words(probability: float | None) -> dict[str, str]:
    """A possible match's strength ("strong"/"weak"), its label and what it means, in the
    active language."""
    strength = match_strength(probability)
    return {
        "strength": strength,
        "label": str(MATCH_STRENGTH_LABELS[strength]),
        "hint": str(MATCH_STRENGTH_HINTS[strength]),
    }
