"""Verify files through the batch machinery: the upload kind "verify" (role verify learner).

The real service's verify batch (`submitVerifyBatch`, `MIAPBatchLearnerToVerify`): up to 5,000
learners, each verified as a single look-up is (`lrs.learners.verify`), with an output file of
each row's answer (`MIAPVerifiedBatchLearner`). Uploaded like any batch file
(`batches.services.submit_upload(kind="verify")`: the portal's verify files page or the API);
the workers give each chunk of rows to `process_verify_rows`, which verifies them with
`verify_learners` (one read, one audit write per chunk) and stores each row's answer;
`write_verify_output` writes the output file.

Layout (CSV; header names as the real `MIAPBatchLearnerToVerify`, order free, unknown columns
refused): required `ULN, GivenName, FamilyName, DateOfBirth, Gender`; optional
`MISIdentifier, Postcode`. UTF-8 (with or without BOM) or Windows-1252; dates YYYY-MM-DD or
DD/MM/YYYY; gender 0, 1, 2 or 9. At most 5,000 rows (`parsed.MAX_ROWS`) and 10 MB.

A row's stored outcome: `return_code` VR001-VR006 for WSVRC001-WSVRC006 (the batch row keeps
five characters; the output file says the real code), RC011 for a row that could not be looked
up, RC010 for a repeated MISIdentifier (as in every batch file); `uln` the ULN verified (the
master's for a linked ULN); `message` the failure flags and each detail's verdict as JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lrs.batches import return_codes as rc
from lrs.batches.csv_safety import safe_cell
from lrs.batches.models import Batch, BatchRow, FileFormat, RowState, SubmissionType
from lrs.batches.parsed import MAX_ROWS, ParsedBatch
from lrs.batches.services.rows import _write_rows
from lrs.core.actor import Actor, Channel
from lrs.core.errors import ValidationFailed
from lrs.learners.columns import parse_date
from lrs.learners.response_codes import FailureFlag, VerifyResponseCode
from lrs.learners.verify import (
    RESPONSE_MESSAGES,
    VERIFIED_CODES,
    VERIFIED_FIELDS,
    VerifyRequest,
    VerifyResult,
    verify_learners,
)

KIND = "verify"
REQUIRED = ("ULN", "GivenName", "FamilyName", "DateOfBirth", "Gender")
OPTIONAL = ("MISIdentifier", "Postcode")
COLUMNS = REQUIRED + OPTIONAL
OUTPUT_COLUMNS = (
    "Row",
    "MISIdentifier",
    "SearchedULN",
    "SearchedFamilyName",
    "SearchedGivenName",
    "SearchedDateOfBirth",
    "SearchedGender",
    "SearchedPostcode",
    "ResponseCode",
    "ULN",
    "FailureFlag",
    "DifferingFields",
    "PostcodeResult",
    "Message",
)
# The stored code (five characters) of each answer, and back.
STORED_CODES = {code: "VR" + code.value[-3:] for code in VerifyResponseCode}
_CODE_OF = {stored: code for code, stored in STORED_CODES.items()}
# The output file's names of the details (the real service's field names).
_FIELD_NAMES = {
    "given_name": "GivenName",
    "family_name": "FamilyName",
    "date_of_birth": "DateOfBirth",
    "gender": "Gender",
    "postcode": "Postcode",
}
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:
        raise ValidationFailed(
            _("The file is neither UTF-8 nor Windows-1252 text. Save the file as UTF-8.")
        ) from None


def read_verify_file(content: bytes) -> list[dict[str, str]]:
    """The file's rows by column name, or ValidationFailed saying why the file is unusable."""
    if b"\x00" in content:
        raise ValidationFailed(
            _("The file contains a NUL byte: it is not a CSV text file. Save it as UTF-8.")
        )
    reader = csv.DictReader(io.StringIO(_decode(content), newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [column for column in REQUIRED if column not in header]
    unknown = [column for column in header if column not in COLUMNS]
    problems = []
    if missing:
        problems.append(_("missing column(s): %(cols)s") % {"cols": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown column(s): %(cols)s") % {"cols": ", ".join(unknown)})
    if problems:
        raise ValidationFailed(_("The file's header is not usable: %s.") % "; ".join(problems))
    rows = []
    for row in reader:
        values = {column: (row.get(column) or "").strip() for column in COLUMNS}
        if any(values.values()):
            rows.append(values)
        if len(rows) > MAX_ROWS:
            break
    if not rows:
        raise ValidationFailed(_("The verify file has no learners."))
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(
            _("A verify file may have at most %(max)d learners.") % {"max": MAX_ROWS}
        )
    return rows


def read_upload(
    *, file_name: str, content: bytes, uploader_ukprn: str, submission_type: str | None
) -> ParsedBatch:
    """A verify file as a batch's rows (refused whole when its header is unusable)."""
    chosen = (submission_type or "").strip().upper()
    if chosen and chosen != SubmissionType.CHECK:
        raise ValidationFailed(
            _("A verify file only checks learners: leave the submission type out or send CHK.")
        )
    return ParsedBatch(
        file_name=file_name,
        file_format=FileFormat.CSV,
        submission_type=SubmissionType.CHECK,
        rows=read_verify_file(content),
    )


def _request(values: Mapping[str, Any]) -> VerifyRequest | ValidationFailed:
    raw_date = str(values.get("DateOfBirth", ""))
    date_of_birth = parse_date(raw_date)
    if raw_date and date_of_birth is None:
        text = _("Write dates as YYYY-MM-DD or DD/MM/YYYY.")
        return ValidationFailed(text, field_errors={"date_of_birth": [text]})
    return VerifyRequest(
        uln=str(values.get("ULN", "")),
        given_name=str(values.get("GivenName", "")),
        family_name=str(values.get("FamilyName", "")),
        date_of_birth=date_of_birth,
        gender=str(values.get("Gender", "")),
        postcode=str(values.get("Postcode", "")),
    )


def _stored(result: VerifyResult | ValidationFailed) -> tuple[str, str, str]:
    """(return code, ULN, message) of a row's answer."""
    if isinstance(result, ValidationFailed):
        errors = {
            _FIELD_NAMES.get(name, name.upper() if name == "uln" else name): messages
            for name, messages in result.field_errors.items()
        }
        return rc.RC011, "", json.dumps({"errors": errors}, ensure_ascii=False)
    details = {
        "flags": [flag.value for flag in result.failure_flags],
        "fields": {name: verdict.value for name, verdict in result.fields.items()},
        "searched": {"uln": result.searched.uln, "postcode": result.searched.postcode},
    }
    return STORED_CODES[result.response_code], result.uln, json.dumps(details)


def process_verify_rows(batch: Batch, rows: Sequence[BatchRow]) -> None:
    """Verify a chunk's rows as the submitting user (channel batch) and store their answers.

    Runs inside the chunk's transaction: the audit rows and the rows' answers are committed
    together. A row whose details can't be read is answered RC011 with its reasons.
    """
    actor = Actor(user=batch.submitted_by, channel=Channel.BATCH)  # type: ignore[arg-type]
    requests = [_request(row.submitted) for row in rows]
    looked_up = iter(
        verify_learners(actor=actor, requests=[r for r in requests if isinstance(r, VerifyRequest)])
    )
    now = timezone.now()
    for row, request in zip(rows, requests, strict=True):
        answer = request if isinstance(request, ValidationFailed) else next(looked_up)
        row.return_code, row.uln, row.message = _stored(answer)
        row.state = RowState.DONE
        row.processed_at = now
    # One prepared UPDATE per row, as the learner batches write theirs (bulk_update's CASE
    # expressions cost far more than the verifying).
    _write_rows(list(rows))


def _details(row: BatchRow) -> dict[str, Any]:
    try:
        details = json.loads(row.message or "{}")
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}


@dataclass(frozen=True)
class RowAnswer:
    """A processed row's answer as the web service gives it (`MIAPVerifiedBatchLearner`)."""

    response_code: str  # WSVRC001-006, or the batch return code (RC011, RC010)
    uln: str  # the ULN verified; "" unless verified
    failure_flags: tuple[str, ...]


def row_answer(row: BatchRow) -> RowAnswer:
    details = _details(row)
    code = _CODE_OF.get(row.return_code)
    known_flags = {flag.value for flag in FailureFlag}
    return RowAnswer(
        response_code=code.value if code is not None else row.return_code,
        uln=row.uln if code in VERIFIED_CODES else "",
        failure_flags=tuple(flag for flag in details.get("flags", []) if flag in known_flags),
    )


def _output_line(row: BatchRow) -> list[Any]:
    submitted = row.submitted
    details = _details(row)
    code = _CODE_OF.get(row.return_code)
    searched = details.get("searched", {})
    fields = details.get("fields", {})
    if code is not None:
        response_code = code.value
        message = str(RESPONSE_MESSAGES[code])
    else:
        response_code = row.return_code
        errors = details.get("errors")
        if isinstance(errors, dict):
            message = " ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        elif row.return_code in rc.TABLE:
            message = str(rc.TABLE[row.return_code].meaning)
        else:
            message = row.message
    known_flags = {flag.value for flag in FailureFlag}
    flags = [flag for flag in details.get("flags", []) if flag in known_flags]
    differing = [
        _FIELD_NAMES[name]
        for name in VERIFIED_FIELDS
        if name != "postcode" and fields.get(name) == "differs"
    ]
    return [
        row.position,
        safe_cell(str(submitted.get("MISIdentifier", ""))),
        safe_cell(str(searched.get("uln") or submitted.get("ULN", ""))),
        safe_cell(str(submitted.get("FamilyName", ""))),
        safe_cell(str(submitted.get("GivenName", ""))),
        safe_cell(str(submitted.get("DateOfBirth", ""))),
        safe_cell(str(submitted.get("Gender", ""))),
        safe_cell(str(searched.get("postcode") or submitted.get("Postcode", ""))),
        response_code,
        row.uln if code in VERIFIED_CODES else "",
        ";".join(flags),
        ";".join(differing),
        fields.get("postcode", ""),
        safe_cell(message),
    ]


def write_verify_output(batch: Batch, rows: Sequence[BatchRow]) -> tuple[bytes, str, str]:
    """Each row's answer (`OUTPUT_COLUMNS`); named after the file sent."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(OUTPUT_COLUMNS)
    for row in rows:
        writer.writerow(_output_line(row))
    stem = batch.file_name.rsplit(".", 1)[0] or "verify"
    return buffer.getvalue().encode("utf-8"), f"{stem}_VERIFIED.CSV", CSV_CONTENT_TYPE


@dataclass(frozen=True)
class VerifyCounts:
    total: int
    done: int
    verified: int
    not_matched: int
    not_found: int
    rejected: int

    @property
    def percent_done(self) -> int:
        return 100 if self.total == 0 else int(100 * self.done / self.total)


def verify_counts(batch: Batch) -> VerifyCounts:
    codes: dict[str, int] = dict(
        BatchRow.objects.filter(batch=batch, state=RowState.DONE)
        .values_list("return_code")
        .annotate(n=Count("id"))
    )
    verified = sum(codes.get(STORED_CODES[code], 0) for code in VERIFIED_CODES)
    not_matched = codes.get(STORED_CODES[VerifyResponseCode.LEARNER_DOES_NOT_MATCH], 0)
    not_found = codes.get(STORED_CODES[VerifyResponseCode.ULN_NOT_FOUND], 0)
    done = sum(codes.values())
    return VerifyCounts(
        total=batch.row_count,
        done=done,
        verified=verified,
        not_matched=not_matched,
        not_found=not_found,
        rejected=done - verified - not_matched - not_found,
    )


def progress_text(counts: VerifyCounts) -> str:
    return ngettext(
        "%(done)d of %(total)d row processed (%(percent)d%%)",
        "%(done)d of %(total)d rows processed (%(percent)d%%)",
        counts.total,
    ) % {
        "done": counts.done,
        "total": counts.total,
        "percent": counts.percent_done,
    }
