"""Batch file templates: a CSV and an XML file of two example learners to start from (issue 19
item 15). The samples live in `samples/` (and, the same bytes, in `docs/batch-templates/`); a
download carries the user's own UKPRN in the header and the file name, so that it can be
uploaded as it is."""

from __future__ import annotations

import datetime
from pathlib import Path

from lrs.batches.selectors import OutputFile

SAMPLE_UKPRN = "10034567"
SAMPLES = Path(__file__).resolve().parent / "samples"
SAMPLE_NAME = f"LRB_{SAMPLE_UKPRN}_010920250900"
TEMPLATE_FORMATS = {"csv": ("CSV", "text/csv; charset=utf-8"), "xml": ("XML", "application/xml")}


def batch_file_template(file_format: str, *, ukprn: str, now: datetime.datetime) -> OutputFile:
    """The template in `file_format` ("csv" or "xml") for the organisation `ukprn`."""
    extension, content_type = TEMPLATE_FORMATS[file_format]
    content = (SAMPLES / f"{SAMPLE_NAME}.{extension}").read_bytes()
    if file_format == "csv":
        content = content.replace(f",{SAMPLE_UKPRN},".encode(), f",{ukprn},".encode(), 1)
    else:
        content = content.replace(
            f"<UKPRN>{SAMPLE_UKPRN}</UKPRN>".encode(), f"<UKPRN>{ukprn}</UKPRN>".encode(), 1
        )
    return OutputFile(
        content=content,
        file_name=f"LRB_{ukprn}_{now:%d%m%Y%H%M}.{extension}",
        content_type=content_type,
    )
