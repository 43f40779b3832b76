"""Learner batch rows' messages stored as what was wrong (`lrs.batches.messages`).

Rows stored before kept a sentence in the worker's language: the return code's meaning again
(now nothing: the meaning is shown from the code), or ``field: message ...`` with the
register's field names (now the JSON `messages.encode_errors` writes, so that pages show the
file's field names in the reader's language). Any other text is left as it was (shown as
stored). Achievement batches keep their own messages.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import migrations

LEARNER_KINDS = ("batch", "ctf")
# LearnerDetails' fields and the identifiers, as row validation named them.
FIELDS = (
    "given_name family_name date_of_birth gender last_known_postcode title middle_other_name "
    "preferred_given_name previous_family_name family_name_at_16 school_at_16 "
    "last_known_address_line1 last_known_address_line2 last_known_address_town "
    "last_known_address_county_or_city date_of_address_capture place_of_birth email_address "
    "nationality scottish_candidate_number upn uci uln verification_type "
    "other_verification_description ability_to_share notes"
).split()
_FIELD_AT = re.compile(r"(?:^| )(" + "|".join(sorted(FIELDS, key=len, reverse=True)) + r"): ")
# The return codes' meanings as rows stored them (English, the service's default language).
MEANINGS = {
    "Possible match: choose the learner, or register a new one, in the portal.",
    "Too many matches: more than 10 learners match. Check the details.",
    "The ULN supplied does not match the learner's details.",
    "Learner not found (check only: nothing was registered).",
}


def _converted(message: str) -> str | None:
    """The message as now stored, or None to leave it."""
    if message in MEANINGS:
        return ""
    starts = list(_FIELD_AT.finditer(message))
    if not starts or starts[0].start() != 0:
        return None
    problems = []
    for here, after in zip(starts, [*starts[1:], None], strict=True):
        end = after.start() if after is not None else len(message)
        problems.append([here.group(1), message[here.end() : end].strip()])
    return json.dumps({"errors": problems}, ensure_ascii=False)


def forwards(apps: Any, schema_editor: Any) -> None:
    BatchRow = apps.get_model("batches", "BatchRow")
    rows = (
        BatchRow.objects.filter(batch__kind__in=LEARNER_KINDS)
        .exclude(message="")
        .exclude(message__startswith="{")
        .only("pk", "message")
    )
    changed = []
    for row in rows.iterator(chunk_size=2000):
        message = _converted(row.message)
        if message is not None:
            row.message = message
            changed.append(row)
        if len(changed) >= 2000:
            BatchRow.objects.bulk_update(changed, ["message"])
            changed = []
    if changed:
        BatchRow.objects.bulk_update(changed, ["message"])


class Migration(migrations.Migration):
    dependencies = [("batches", "0004_shared_exceptions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
