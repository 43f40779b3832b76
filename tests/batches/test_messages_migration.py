"""Rows stored before messages were stored as problems read as the new ones do afterwards."""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.utils import translation

from lrs.batches import return_codes as rc
from lrs.batches.messages import details_of
from lrs.batches.models import BatchRow
from lrs.batches.services import process_until_done
from lrs.core.actor import Actor

from .conftest import MakeRow, SubmitRows

migration = importlib.import_module("lrs.batches.migrations.0005_row_messages_as_problems")


def test_the_meanings_it_knows_are_the_codes_english_meanings() -> None:
    with translation.override("en"):
        meanings = {
            str(rc.TABLE[code].meaning) for code in (rc.RC005, rc.RC006, rc.RC007, rc.RC008)
        }
    assert meanings == migration.MEANINGS


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (
            "upn: UPN invalid (wrong check letter at character 1)",
            [["upn", "UPN invalid (wrong check letter at character 1)"]],
        ),
        (
            "date_of_birth: Write dates as YYYY-MM-DD or DD/MM/YYYY. last_known_postcode: "
            "Enter the learner's last known postcode, or ZZ99 9ZZ if it cannot be obtained.",
            [
                ["date_of_birth", "Write dates as YYYY-MM-DD or DD/MM/YYYY."],
                [
                    "last_known_postcode",
                    "Enter the learner's last known postcode, or ZZ99 9ZZ if it cannot be "
                    "obtained.",
                ],
            ],
        ),
    ],
)
def test_field_messages_become_problems(old: str, new: list[list[str]]) -> None:
    converted = migration._converted(old)
    assert converted is not None
    assert json.loads(converted) == {"errors": new}


def test_a_meaning_becomes_nothing_and_other_text_is_left() -> None:
    assert migration._converted(next(iter(migration.MEANINGS))) == ""
    assert migration._converted("This row could not be processed.") is None
    assert migration._converted("Something: else") is None


@pytest.mark.django_db
def test_a_stored_row_reads_in_welsh_after_the_migration(
    batch_actor: Actor, make_row: MakeRow, submit_rows: SubmitRows
) -> None:
    batch = submit_rows(batch_actor, [make_row("A1", DateOfBirth="31/02/2008")])
    process_until_done(batch_id=batch.pk)
    row = batch.rows.get()
    BatchRow.objects.filter(pk=row.pk).update(
        message="date_of_birth: This date does not exist: check the day and the month."
    )
    migration.forwards(apps, None)
    row.refresh_from_db()
    with translation.override("cy"):
        assert details_of(row).startswith("DateOfBirth: Nid yw'r dyddiad")
