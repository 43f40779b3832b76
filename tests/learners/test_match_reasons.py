"""Why a learner matched: one wording for every verdict of the engine, in English and Welsh."""

from __future__ import annotations

import importlib

import pytest
from django.utils import translation

from lrs.learners.match_reasons import (
    MATCH_REASONS,
    NOT_COMPARED,
    SILENT,
    StoredEvidence,
    evidence_data,
    evidence_from_data,
    match_reasons,
)
from lrs.matching import FieldEvidence
from lrs.matching.decide import QUOTED_FIELDS
from lrs.matching.model import FIELD_VERDICTS, MISSING

# What the engine said in English before the wording moved here (frozen in the migration that
# read old exceptions back into evidence): the API's reasons must read the same.
ENGINE_ENGLISH = importlib.import_module(
    "lrs.batches.migrations.0002_candidate_reasons_as_evidence"
).SENTENCES


def _engine_verdicts() -> set[tuple[str, str]]:
    """Every (field, verdict) the engine can report: each row of the model's table (a context
    row such as "postcode|same_family" reports its field), and "missing" for any field."""
    verdicts = {
        (row.partition("|")[0], verdict)
        for row, row_verdicts in FIELD_VERDICTS.items()
        for verdict in row_verdicts
    }
    return verdicts | {(field, MISSING) for field, _verdict in verdicts}


def _evidence(field: str, verdict: str) -> FieldEvidence:
    return FieldEvidence(field, verdict, 0.0, searched="Bob", recorded="Robert")


def test_every_verdict_the_engine_can_give_has_a_wording_or_is_silent_on_purpose() -> None:
    engine = _engine_verdicts()
    assert len(engine) > 40
    unworded = sorted(
        key
        for key in engine
        if key not in MATCH_REASONS and key not in SILENT and key[1] != MISSING
    )
    assert unworded == [], "add their sentence to lrs.learners.match_reasons"
    assert NOT_COMPARED == MISSING
    stale = sorted(set(MATCH_REASONS) - engine)
    assert stale == [], "wording for verdicts the engine no longer gives"


@pytest.mark.parametrize(("field", "verdict"), sorted(set(MATCH_REASONS) & set(ENGINE_ENGLISH)))
def test_each_verdict_reads_in_english_as_the_engine_said_it(field: str, verdict: str) -> None:
    quoted = field in QUOTED_FIELDS
    evidence = _evidence(field, verdict) if quoted else FieldEvidence(field, verdict, 1.0)
    expected = ENGINE_ENGLISH[(field, verdict)].format(q="Bob", r="Robert")
    assert match_reasons([evidence]) == [expected]


def test_a_verdict_added_since_quotes_the_values_compared() -> None:
    """Verdicts the engine gained after the wording moved here (issue 13's postcode slip)."""
    reasons = match_reasons([_evidence("postcode", "one_character")])
    assert reasons == ["Postcode differs by one character (Bob/Robert)"]


@pytest.mark.parametrize(("field", "verdict"), sorted(MATCH_REASONS))
def test_each_verdict_reads_in_welsh(field: str, verdict: str) -> None:
    english = match_reasons([_evidence(field, verdict)])[0]
    with translation.override("cy"):
        (welsh,) = match_reasons([_evidence(field, verdict)])
    assert welsh != english, "translated in src/lrs/locale/cy"
    assert welsh.strip()
    assert "%(" not in welsh
    if "(Bob/Robert)" in english:
        assert "Bob" in welsh
        assert "Robert" in welsh


def test_a_swap_of_names_is_told_once_and_a_field_not_compared_says_nothing() -> None:
    evidence = [
        FieldEvidence("given_name", "swapped_names", 5.0, "Jones", "Robert"),
        FieldEvidence("family_name", "swapped_names", 0.0, "Robert", "Jones"),
        FieldEvidence("gender", MISSING, 0.0),
        FieldEvidence("postcode", "exact", 6.0, "CF10 1AA", "CF10 1AA"),
    ]
    assert match_reasons(evidence) == ["Given name and family name are swapped", "Postcode matches"]


def test_evidence_is_stored_as_data_and_reads_back_the_same() -> None:
    evidence = [
        FieldEvidence("given_name", "nickname", 3.2, "Bob", "Robert"),
        FieldEvidence("date_of_birth", "exact", 4.0),
    ]
    data = evidence_data(evidence)
    assert data == [
        {"field": "given_name", "verdict": "nickname", "searched": "Bob", "recorded": "Robert"},
        {"field": "date_of_birth", "verdict": "exact", "searched": "", "recorded": ""},
    ]
    assert evidence_from_data(data) == [
        StoredEvidence("given_name", "nickname", "Bob", "Robert"),
        StoredEvidence("date_of_birth", "exact"),
    ]
    assert match_reasons(evidence_from_data(data)) == match_reasons(evidence)
    assert evidence_from_data(None) == []
    assert evidence_from_data(["Given name matches"]) == []
