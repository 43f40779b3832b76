"""The output file of a submission: one line per row with its outcome (CSV, UTF-8)."""

from __future__ import annotations

import csv
import io

from lrs.batches.csv_safety import safe_cell
from lrs.plr.services import SubmissionReport

OUTCOME_COLUMNS = ("Row", "SourceRecordId", "ULN", "Outcome", "Code", "Message")


def outcomes_csv(report: SubmissionReport) -> bytes:
    """Each row's position, record id, ULN, outcome and (for a rejection) code and reason."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(OUTCOME_COLUMNS)
    for outcome in report.outcomes:
        writer.writerow(
            [
                outcome.position,
                safe_cell(outcome.source_record_id),
                outcome.uln,
                outcome.status,
                outcome.code,
                safe_cell(outcome.message),
            ]
        )
    return buffer.getvalue().encode("utf-8")
