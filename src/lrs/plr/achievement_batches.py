"""Achievement files through the batch machinery: the upload kind "achievements".

An awarding organisation's achievement file (layout: `achievement_file`) is uploaded like any
batch file (`batches.services.submit_upload`, portal, API or `lrs batch submit --kind
achievements`) and becomes a batch of pending rows; the batch workers give each chunk of rows
to `process_achievement_rows`, which sends them through `submit_achievements` (the one service
every channel uses) and writes each row's outcome back; the output file lists them.

Return codes of an achievement row (the batch row's `return_code`; the output file says them):
AC000 created, AC001 updated, AC002 unchanged, AC011-AC018 rejected (`REJECTION_CODES`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import ngettext

from lrs.batches.models import Batch, BatchRow, FileFormat, RowState, SubmissionType
from lrs.batches.parsed import ParsedBatch
from lrs.batches.uploads import UploadedContent
from lrs.core.actor import Actor, Channel
from lrs.plr.achievement_file import event_row as file_event_row
from lrs.plr.achievement_file import read_achievement_file
from lrs.plr.outcomes import outcomes_csv
from lrs.plr.services import (
    RejectionCode,
    RowOutcome,
    RowStatus,
    SubmissionReport,
    submit_achievements,
)

KIND = "achievements"
STATUS_CODES = {
    RowStatus.CREATED: "AC000",
    RowStatus.UPDATED: "AC001",
    RowStatus.UNCHANGED: "AC002",
}
REJECTION_CODES = {
    RejectionCode.INVALID: "AC011",
    RejectionCode.ULN_INVALID: "AC012",
    RejectionCode.ULN_UNKNOWN: "AC013",
    RejectionCode.UPN_UNKNOWN: "AC014",
    RejectionCode.LEARNER_MISMATCH: "AC015",
    RejectionCode.SUBJECT_UNKNOWN: "AC016",
    RejectionCode.NOT_OWNER: "AC017",
    RejectionCode.DUPLICATE_ROW: "AC018",
}
_STATUS_OF = {code: status for status, code in STATUS_CODES.items()}
_REJECTION_OF = {code: rejection for rejection, code in REJECTION_CODES.items()}
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def read_upload(
    *, file_name: str, content: bytes, uploader_ukprn: str, submission_type: str | None
) -> ParsedBatch:
    """An achievement file as a batch's rows (refused whole when its header is unusable)."""
    return ParsedBatch(
        file_name=file_name,
        file_format=FileFormat.CSV,
        submission_type=SubmissionType.FULL,
        rows=read_achievement_file(content),
    )


def looks_like_achievement_file(content: UploadedContent) -> bool:
    """A CSV whose first line names the achievement file's key columns."""
    start = content.tell()
    first = content.read(2048).split(b"\n", 1)[0]
    content.seek(start)
    return b"SourceRecordId" in first and b"SubjectCode" in first


def process_achievement_rows(batch: Batch, rows: Sequence[BatchRow]) -> None:
    """Record a chunk's rows as the submitting user (channel batch) and write their outcomes.

    Runs inside the chunk's transaction: the events, the audit row and the rows' outcomes are
    committed together.
    """
    actor = Actor(user=batch.submitted_by, channel=Channel.BATCH)  # type: ignore[arg-type]
    report = submit_achievements(actor=actor, rows=[file_event_row(row.submitted) for row in rows])
    now = timezone.now()
    for row, outcome in zip(rows, report.outcomes, strict=True):
        row.state = RowState.DONE
        row.processed_at = now
        row.uln = outcome.uln[:10]
        row.return_code = (
            REJECTION_CODES[outcome.code] if outcome.code else STATUS_CODES[outcome.status]
        )
        row.message = outcome.message
    BatchRow.objects.bulk_update(
        list(rows), ["state", "processed_at", "uln", "return_code", "message"]
    )


def _outcome(row: BatchRow) -> RowOutcome:
    status = _STATUS_OF.get(row.return_code, RowStatus.REJECTED)
    return RowOutcome(
        position=row.position,
        status=status,
        source_record_id=str(row.submitted.get("SourceRecordId", "")),
        uln=row.uln,
        code=_REJECTION_OF.get(row.return_code, ""),
        message=row.message,
    )


def write_achievement_output(batch: Batch, rows: Sequence[BatchRow]) -> tuple[bytes, str, str]:
    """Each row's outcome (`outcomes.OUTCOME_COLUMNS`); named after the file sent."""
    report = SubmissionReport([_outcome(row) for row in rows])
    stem = batch.file_name.rsplit(".", 1)[0] or "achievements"
    return outcomes_csv(report), f"{stem}_OUTCOMES.CSV", CSV_CONTENT_TYPE


@dataclass(frozen=True)
class AchievementCounts:
    total: int
    done: int
    created: int
    updated: int
    unchanged: int
    rejected: int

    @property
    def percent_done(self) -> int:
        return 100 if self.total == 0 else int(100 * self.done / self.total)


def achievement_counts(batch: Batch) -> AchievementCounts:
    codes = dict(
        BatchRow.objects.filter(batch=batch, state=RowState.DONE)
        .values_list("return_code")
        .annotate(n=Count("id"))
    )
    return AchievementCounts(
        total=batch.row_count,
        done=sum(codes.values()),
        created=codes.get("AC000", 0),
        updated=codes.get("AC001", 0),
        unchanged=codes.get("AC002", 0),
        rejected=sum(n for code, n in codes.items() if code in _REJECTION_OF),
    )


def progress_text(counts: AchievementCounts) -> str:
    return ngettext(
        "%(done)d of %(total)d row processed (%(percent)d%%)",
        "%(done)d of %(total)d rows processed (%(percent)d%%)",
        counts.total,
    ) % {
        "done": counts.done,
        "total": counts.total,
        "percent": counts.percent_done,
    }
