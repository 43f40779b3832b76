"""Exceptions' candidates: the English "reasons" sentences become the evidence they were made of.

Until now a batch exception stored why each candidate matched as English sentences, which the
portal turned back into values with regular expressions to translate them. Candidates now
store the matching engine's evidence (field, verdict, and the two values compared for names and
the postcode), rendered in the reader's language by `lrs.learners.match_reasons`. This reads
the old sentences back into that evidence, once, with a frozen copy of their wording (the
wording of the release that wrote them). A sentence that matches none of them (there should be
none) is kept under "reasons", which nothing reads any more, rather than lost.

Reversible: going back writes the English sentences again from the evidence.
"""

import re

from django.db import migrations

# The English sentences the matching engine wrote, by (field, verdict), as of 2026-11-23.
SENTENCES = {
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
_VALUES = re.escape("{q}/{r}")


def _pattern(sentence):
    return re.compile(re.escape(sentence).replace(_VALUES, "(?P<q>.*?)/(?P<r>.*)"))


PATTERNS = [(key, _pattern(sentence)) for key, sentence in SENTENCES.items()]


def evidence_of(sentence):
    """The evidence an old sentence was written from, or None."""
    for (field, verdict), pattern in PATTERNS:
        found = pattern.fullmatch(sentence)
        if found is not None:
            values = found.groupdict()
            return {
                "field": field,
                "verdict": verdict,
                "searched": values.get("q") or "",
                "recorded": values.get("r") or "",
            }
    return None


def candidate_forwards(candidate):
    """A stored candidate with its sentences read back into evidence (unchanged if it has none)."""
    if not isinstance(candidate, dict) or "reasons" not in candidate:
        return candidate
    converted = {key: value for key, value in candidate.items() if key != "reasons"}
    evidence, unread = [], []
    for sentence in candidate["reasons"] or []:
        item = evidence_of(str(sentence))
        if item is None:
            unread.append(sentence)
        else:
            evidence.append(item)
    converted["evidence"] = evidence
    if unread:
        converted["reasons"] = unread
    return converted


def candidate_backwards(candidate):
    """A stored candidate with its evidence written as the old English sentences."""
    if not isinstance(candidate, dict) or "evidence" not in candidate:
        return candidate
    converted = {key: value for key, value in candidate.items() if key != "evidence"}
    reasons = []
    for item in candidate["evidence"] or []:
        sentence = SENTENCES.get((item.get("field"), item.get("verdict")))
        if sentence is not None:
            reasons.append(sentence.format(q=item.get("searched", ""), r=item.get("recorded", "")))
    converted["reasons"] = [*reasons, *candidate.get("reasons", [])]
    return converted


def _convert(apps, convert, chunk=500):
    BatchException = apps.get_model("batches", "BatchException")
    ids = list(BatchException.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        changed = []
        for exception in BatchException.objects.filter(pk__in=ids[start : start + chunk]):
            candidates = exception.candidates
            if not isinstance(candidates, list):
                continue
            converted = [convert(candidate) for candidate in candidates]
            if converted != candidates:
                exception.candidates = converted
                changed.append(exception)
        BatchException.objects.bulk_update(changed, ["candidates"])


def forwards(apps, schema_editor):
    _convert(apps, candidate_forwards)


def backwards(apps, schema_editor):
    _convert(apps, candidate_backwards)


class Migration(migrations.Migration):
    dependencies = [
        ("batches", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
