"""The output file of a batch: the file as submitted, with each learner's ULN and return code.

It has the upload's format (CSV or XML), encoded as UTF-8, and is named after the upload:
``LRB_<UKPRN>_<DDMMYYYYHHMM>_OUTPUT.CSV`` (or ``.XML``), with the UKPRN and date-time of the
submitted file's name (for a batch whose name does not follow the pattern, the date-time it
was submitted, in UK time).

Header
    The submitted header fields, names and values as in the file, with ``SubmissionType``
    set to the type the batch ran as (added when the file had none), then the totals of the
    real service's BatchOutputResp: NewLearnersCount, ExistsUpdatedLearnersCount,
    PossibleMatchLearnersCount, LearnersNotFoundCount, RejectedLearnersCount,
    JobStartedDateTime and JobFinishedDateTime (ISO 8601 in UK time with its offset, e.g.
    ``2025-03-15T10:30:00+00:00``; blank until the batch starts / finishes).

Learners
    The submitted columns in their order, with ``ULN`` first when the file had no ULN column,
    then ``ReturnMessage`` and ``ReturnCode`` last (OutputBatchLearner). ``ULN`` holds the ULN
    the service returned, or the one submitted when it returned none (rejected and exception
    rows); ``ReturnCode`` is blank for a row not processed yet. ``ReturnMessage`` says what the
    code means and, for a rejected row, what was wrong, naming the fields as the file does
    (``DateOfBirth: This date does not exist ...``), in the language of whoever downloads the
    file (`messages.full_message`). Other cells are as submitted.

CSV
    Row 1 the header field names (then the totals' names), row 2 their values, row 3 the
    learner column headings, then one row per learner; with a byte-order mark so that Excel
    reads it as UTF-8, and CRLF line ends. Every cell passes through `safe_cell`, so a value
    beginning with ``=``, ``+``, ``-``, ``@``, tab or CR starts with an apostrophe.

XML (the namespace of the upload, if it had one)::

    <BatchOutput xmlns="http://api.lrs.miap.gov.uk/learner">
      <FileVersion>3A</FileVersion> ... <SubmissionType>FUL</SubmissionType>
      <NewLearnersCount>1</NewLearnersCount> ... <JobFinishedDateTime>...</JobFinishedDateTime>
      <Learner><ULN>...</ULN><MISIdentifier>...</MISIdentifier>...<ReturnCode>RC002</ReturnCode>
      </Learner>
      ...
    </BatchOutput>
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET  # writing only: files are read with defusedxml

from django.utils import timezone

from lrs.batches.csv_safety import safe_cell
from lrs.batches.files import (
    BATCH_LEARNER_COLUMNS,
    COLUMNS_3A,
    FILE_NAME_RE,
    XML_LEARNER,
    header_field,
)
from lrs.batches.messages import full_message
from lrs.batches.models import Batch, BatchRow, FileFormat

if TYPE_CHECKING:
    from lrs.batches.selectors import BatchCounts  # selectors writes output files with this

XML_OUTPUT_ROOT = "BatchOutput"
MESSAGE_COLUMN = "ReturnMessage"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XML_CONTENT_TYPE = "application/xml; charset=utf-8"
TOTAL_FIELDS = (
    "NewLearnersCount",
    "ExistsUpdatedLearnersCount",
    "PossibleMatchLearnersCount",
    "LearnersNotFoundCount",
    "RejectedLearnersCount",
    "JobStartedDateTime",
    "JobFinishedDateTime",
)
_NOT_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def write_output(
    batch: Batch, rows: Iterable[BatchRow], counts: BatchCounts
) -> tuple[bytes, str, str]:
    """The output file of `batch` (rows: its BatchRows by position; counts: its totals):
    content, name, type."""
    rows = list(rows)
    header = _header(batch, counts)
    columns = _columns(batch, rows)
    table = [_learner_cells(row, columns) for row in rows]
    if batch.file_format == FileFormat.CSV:
        content = _csv(header, columns, table)
        return content, output_file_name(batch), CSV_CONTENT_TYPE
    if batch.file_format == FileFormat.XML:
        namespace = str(batch.header.get("namespace") or "")
        content = _xml(header, columns, table, namespace)
        return content, output_file_name(batch), XML_CONTENT_TYPE
    raise ValueError(f"write_output writes CSV and XML batches, not {batch.file_format!r}")


def output_file_name(batch: Batch) -> str:
    """``LRB_<UKPRN>_<DDMMYYYYHHMM>_OUTPUT.CSV|XML``, after the submitted file's name."""
    extension = "XML" if batch.file_format == FileFormat.XML else "CSV"
    match = FILE_NAME_RE.fullmatch(batch.file_name)
    if match is not None:
        ukprn, stamp = match["ukprn"], match["stamp"]
    else:
        ukprn = batch.organisation.ukprn
        stamp = timezone.localtime(batch.submitted_at).strftime("%d%m%Y%H%M")
    return f"LRB_{ukprn}_{stamp}_OUTPUT.{extension}"


# --- What both formats write ------------------------------------------------------------------


def _when(moment: datetime.datetime | None) -> str:
    return "" if moment is None else timezone.localtime(moment).isoformat(timespec="seconds")


def _header(batch: Batch, counts: BatchCounts) -> list[tuple[str, str]]:
    """The submitted header fields with the effective SubmissionType, then the totals."""
    stored = batch.header.get("fields") if isinstance(batch.header, dict) else None
    if stored:
        fields = [(str(name), str(value)) for name, value in stored]
    else:
        fields = [
            ("FileVersion", batch.file_version),
            ("FileName", batch.file_reference),
            ("UKPRN", batch.organisation.ukprn),
            ("Email", batch.contact_email),
        ]
    if any(header_field(name) == "SubmissionType" for name, _value in fields):
        fields = [
            (name, batch.submission_type if header_field(name) == "SubmissionType" else value)
            for name, value in fields
        ]
    else:
        fields.append(("SubmissionType", batch.submission_type))
    totals = (
        counts.new,
        counts.found,
        counts.possible,
        counts.not_found,
        counts.rejected,
        _when(batch.started_at),
        _when(batch.finished_at),
    )
    return fields + [(name, str(value)) for name, value in zip(TOTAL_FIELDS, totals, strict=True)]


def _columns(batch: Batch, rows: Sequence[BatchRow]) -> list[str]:
    """The submitted learner columns in file order, ULN first if absent, ReturnCode last."""
    stored = batch.header.get("columns") if isinstance(batch.header, dict) else None
    if stored:
        columns = [str(name) for name in stored]
    else:  # a batch stored without its layout: the columns its rows have, in BatchLearner order
        present = {name for row in rows for name in row.submitted}
        order = [*BATCH_LEARNER_COLUMNS, *COLUMNS_3A]
        columns = [name for name in order if name in present]
        columns += sorted(present - set(order))
    if "ULN" not in columns:
        columns.insert(0, "ULN")
    columns = [column for column in columns if column not in {MESSAGE_COLUMN, "ReturnCode"}]
    return [*columns, MESSAGE_COLUMN, "ReturnCode"]


def _learner_cells(row: BatchRow, columns: Sequence[str]) -> list[str]:
    cells = []
    for column in columns:
        if column == "ULN":
            value = row.uln or str(row.submitted.get("ULN") or "")
        elif column == "ReturnCode":
            value = row.return_code
        elif column == MESSAGE_COLUMN:
            value = full_message(row)
        else:
            value = str(row.submitted.get(column) or "")
        cells.append(value)
    return cells


# --- CSV ----------------------------------------------------------------------------------------


def _csv(
    header: Sequence[tuple[str, str]], columns: Sequence[str], table: list[list[str]]
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for cells in (
        [name for name, _value in header],
        [value for _name, value in header],
        columns,
        *table,
    ):
        writer.writerow([safe_cell(cell) for cell in cells])
    return buffer.getvalue().encode("utf-8-sig")


# --- XML ----------------------------------------------------------------------------------------


def _xml(
    header: Sequence[tuple[str, str]],
    columns: Sequence[str],
    table: list[list[str]],
    namespace: str,
) -> bytes:
    def tag(name: str) -> str:
        return f"{{{namespace}}}{name}" if namespace else name

    def add(parent: ET.Element, name: str, text: str) -> None:
        ET.SubElement(parent, tag(name)).text = _NOT_XML_CHARS.sub("", text)

    root = ET.Element(tag(XML_OUTPUT_ROOT))
    for name, value in header:
        add(root, name, value)
    for cells in table:
        learner = ET.SubElement(root, tag(XML_LEARNER))
        for name, value in zip(columns, cells, strict=True):
            add(learner, name, value)
    ET.indent(root)
    return ET.tostring(
        root, encoding="utf-8", xml_declaration=True, default_namespace=namespace or None
    )
