"""Exceptions stored before the evidence: their English reasons are read back into evidence."""

from __future__ import annotations

import copy
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from lrs.batches.models import BatchException
from lrs.batches.services import process_until_done
from lrs.learners.match_reasons import evidence_from_data, match_reasons

if TYPE_CHECKING:
    from lrs.core.actor import Actor
    from lrs.organisations.models import Organisation
    from tests.batches.conftest import MakeRow, Register, SubmitRows
    from tests.conftest import ApiClient

migration = importlib.import_module("lrs.batches.migrations.0002_candidate_reasons_as_evidence")


def _old_candidate(*reasons: str) -> dict[str, Any]:
    return {"learner_id": 7, "uln": "1000000004", "probability": 0.42, "reasons": list(reasons)}


def test_every_sentence_the_engine_wrote_is_read_back_into_its_evidence() -> None:
    for (field, verdict), sentence in migration.SENTENCES.items():
        written = sentence.format(q="Bob", r="Robert")
        (item,) = migration.candidate_forwards(_old_candidate(written))["evidence"]
        assert (item["field"], item["verdict"]) == (field, verdict)
        quoted = "{q}" in sentence
        assert (item["searched"], item["recorded"]) == (("Bob", "Robert") if quoted else ("", ""))
        assert match_reasons(evidence_from_data([item])) == [written]


def test_a_candidate_keeps_its_other_keys_and_the_conversion_reverses() -> None:
    old = _old_candidate(
        "Given name is a known nickname (Bob/Robert)",
        "Family name matches",
        "Postcode is in the same district (CF10 1AA/CF14 2DD)",
    )
    new = migration.candidate_forwards(copy.deepcopy(old))
    assert set(new) == {"learner_id", "uln", "probability", "evidence"}
    assert [(item["field"], item["verdict"]) for item in new["evidence"]] == [
        ("given_name", "nickname"),
        ("family_name", "exact"),
        ("postcode", "same_district"),
    ]
    assert migration.candidate_backwards(new) == old
    assert migration.candidate_forwards(new) == new, "a converted candidate is left alone"


def test_a_sentence_of_no_known_wording_is_kept_not_lost() -> None:
    new = migration.candidate_forwards(_old_candidate("Gender matches", "Shoe size matches"))
    assert [item["verdict"] for item in new["evidence"]] == ["agree"]
    assert new["reasons"] == ["Shoe size matches"]


@pytest.mark.django_db
def test_an_open_exception_stored_with_english_reasons_reads_the_same_after_the_migration(
    batch_actor: Actor,
    online_actor: Actor,
    college: Organisation,
    register: Register,
    make_row: MakeRow,
    submit_rows: SubmitRows,
    api_as: Callable[..., ApiClient],
) -> None:
    register(online_actor, given_name="Alys")
    batch = submit_rows(batch_actor, [make_row("P1", GivenName="Elin", MiddleOtherName="")])
    process_until_done(batch_id=batch.pk)
    exception = BatchException.objects.get(row__batch=batch)
    api = api_as(college, ["batch"])
    url = reverse("api-v1:batch_exception", args=[exception.pk])
    before = api.get(url).json()["candidates"]
    assert before[0]["reasons"]

    # As a release before this one stored it: English sentences, no evidence.
    old = [migration.candidate_backwards(candidate) for candidate in exception.candidates]
    BatchException.objects.filter(pk=exception.pk).update(candidates=old)
    assert "evidence" not in old[0]

    migration.forwards(apps, None)

    exception.refresh_from_db()
    assert "reasons" not in exception.candidates[0]
    assert api.get(url).json()["candidates"] == before
    with translation.override("cy"):
        welsh = match_reasons(evidence_from_data(exception.candidates[0]["evidence"]))
    assert welsh
    assert welsh != before[0]["reasons"]
