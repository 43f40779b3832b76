"""Output files: the batch as submitted with ULNs and return codes, totals, and safe cells."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DefusedET
import pytest
from django.utils import timezone

from lrs.batches import return_codes as rc
from lrs.batches.csv_safety import safe_cell
from lrs.batches.files import parse_batch_file
from lrs.batches.models import Batch, BatchRow, BatchStatus, RowState
from lrs.batches.output import write_output
from lrs.batches.selectors import batch_counts
from lrs.batches.services import ParsedBatch
from lrs.core.actor import Channel
from lrs.organisations.models import Organisation, User

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
UKPRN = "10034567"
NS = "http://api.lrs.miap.gov.uk/learner"
TOTAL_NAMES = [
    "NewLearnersCount",
    "ExistsUpdatedLearnersCount",
    "PossibleMatchLearnersCount",
    "LearnersNotFoundCount",
    "RejectedLearnersCount",
    "JobStartedDateTime",
    "JobFinishedDateTime",
]
STARTED = datetime.datetime(2025, 3, 15, 10, 31, 5, tzinfo=datetime.UTC)
FINISHED = datetime.datetime(2025, 3, 15, 10, 32, 0, tzinfo=datetime.UTC)


def _store(
    college: Organisation,
    user: User,
    parsed: ParsedBatch,
    results: Sequence[tuple[str, str]],
) -> Batch:
    """A finished batch of `parsed`, row n getting results[n] = (return code, ULN)."""
    batch = Batch.objects.create(
        organisation=college,
        submitted_by=user,
        submitted_by_username=user.username,
        channel=Channel.PORTAL,
        file_name=parsed.file_name,
        file_format=parsed.file_format,
        submission_type=parsed.submission_type,
        file_version=parsed.file_version,
        file_reference=parsed.file_reference,
        contact_email=parsed.contact_email,
        header=dict(parsed.header),
        row_count=len(parsed.rows),
        status=BatchStatus.COMPLETE,
        started_at=STARTED,
        finished_at=FINISHED,
    )
    BatchRow.objects.bulk_create(
        BatchRow(
            batch=batch,
            position=position,
            mis_identifier=row.get("MISIdentifier", ""),
            submitted=dict(row),
            state=RowState.DONE if code else RowState.PENDING,
            return_code=code,
            uln=uln,
            processed_at=timezone.now() if code else None,
        )
        for position, (row, (code, uln)) in enumerate(
            zip(parsed.rows, results, strict=True), start=1
        )
    )
    return batch


def _output(batch: Batch) -> tuple[bytes, str, str]:
    return write_output(batch, batch.rows.order_by("position"), batch_counts(batch))


def _parse(name: str, **kwargs: str) -> ParsedBatch:
    content = (FIXTURES / name).read_bytes()
    return parse_batch_file(file_name=name, content=content, uploader_ukprn=UKPRN, **kwargs)


def _csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.fixture
def user(college: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(college, ["batch"])


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_round_trip(college: Organisation, user: User) -> None:
    parsed = _parse("LRB_10034567_150320251030.CSV")
    results = [(rc.RC002, "9990000024"), (rc.RC007, ""), (rc.RC003, "9990000016")]
    batch = _store(college, user, parsed, results)

    content, name, content_type = _output(batch)

    assert name == "LRB_10034567_150320251030_OUTPUT.CSV"
    assert content_type == "text/csv; charset=utf-8"
    assert content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in content
    names, values, headings, *learners = _csv_rows(content)
    assert names == ["FileVersion", "FileName", "UKPRN", "Email", "SubmissionType", *TOTAL_NAMES]
    assert values == [
        "3A",
        "Autumn intake 2025",
        UKPRN,
        "mis@riverside.example.ac.uk",
        "FUL",
        "1",  # new
        "1",  # found (RC003)
        "1",  # possible (RC007)
        "0",
        "0",
        "2025-03-15T10:31:05+00:00",
        "2025-03-15T10:32:00+00:00",
    ]
    assert headings == [*parsed.header["columns"], "ReturnMessage", "ReturnCode"]
    assert len(learners) == 3
    by_heading = [dict(zip(headings, cells, strict=True)) for cells in learners]
    assert [(r["MISIdentifier"], r["ULN"], r["ReturnCode"]) for r in by_heading] == [
        ("A0001", "9990000024", "RC002"),
        ("A0002", "", "RC007"),
        ("A0003", "9990000016", "RC003"),
    ]
    # Everything else as submitted, quoted commas, quotes and line breaks included.
    for submitted, written in zip(parsed.rows, by_heading, strict=True):
        for column, value in submitted.items():
            if column != "ULN":
                assert written[column] == value
    assert by_heading[0]["LastKnownAddressLine1"] == "Flat 2, 14 Heol y Frenhines"
    assert by_heading[1]["Notes"] == "Two lines:\r\nsee file"
    assert by_heading[2]["GivenName"] == "Siân"


def test_csv_without_uln_column_gets_one_first(college: Organisation, user: User) -> None:
    parsed = _parse("LRB_10034567_010720191200.CSV")  # Windows-1252, 2A, no ULN column
    batch = _store(college, user, parsed, [(rc.RC002, "9990000024"), (rc.RC011, "")])

    content, name, _type = _output(batch)

    assert name == "LRB_10034567_010720191200_OUTPUT.CSV"
    names, values, headings, first, second = _csv_rows(content)
    assert names[:5] == ["File Version", "File Name", "UKPRN", "Email", "SubmissionType"]
    assert values[:5] == ["2a", "Legacy MIS export", UKPRN, "mis@riverside.example.ac.uk", "FUL"]
    assert values[5:10] == ["1", "0", "0", "0", "1"]
    assert headings == ["ULN", *parsed.header["columns"], "ReturnMessage", "ReturnCode"]
    assert first[0] == "9990000024"
    assert first[-1] == "RC002"
    assert first[headings.index("GivenName")] == "Siân"  # now UTF-8
    assert second[0] == ""
    assert second[-1] == "RC011"
    assert second[headings.index("FamilyName")] == "Lefèvre"


def test_submitted_uln_kept_when_none_returned(college: Organisation, user: User) -> None:
    parsed = _parse("LRB_10034567_150320251030.CSV")
    batch = _store(college, user, parsed, [("", ""), ("", ""), (rc.RC008, "")])

    content, _name, _type = _output(batch)

    _names, _values, headings, *learners = _csv_rows(content)
    uln = headings.index("ULN")
    assert [(cells[uln], cells[-1]) for cells in learners] == [
        ("", ""),  # not processed yet: no return code
        ("", ""),
        ("9990000016", "RC008"),
    ]


def test_submission_type_in_header_is_the_one_used(college: Organisation, user: User) -> None:
    content = (
        b"FileVersion,FileName,UKPRN,Email,SubmissionType\r\n"
        b"3A,ref,10034567,mis@example.ac.uk,CHK\r\n"
        b"MISIdentifier,GivenName,FamilyName,DateOfBirth,Gender,LastKnownPostCode\r\n"
        b"A1,Megan,Pritchard,2009-04-12,2,CF10 3AT\r\n"
    )
    parsed = parse_batch_file(
        file_name="LRB_10034567_150320251030.CSV",
        content=content,
        uploader_ukprn=UKPRN,
        submission_type="FUL",
    )
    batch = _store(college, user, parsed, [(rc.RC002, "9990000024")])

    names, values, *_rest = _csv_rows(_output(batch)[0])

    assert names[:5] == ["FileVersion", "FileName", "UKPRN", "Email", "SubmissionType"]
    assert values[4] == "FUL"
    assert names.count("SubmissionType") == 1


def test_formula_injection_neutralised(college: Organisation, user: User) -> None:
    content = (
        b"FileVersion,FileName,UKPRN,Email\r\n"
        b"3A,=cmd|' /C calc'!A0,10034567,mis@example.ac.uk\r\n"
        b"MISIdentifier,GivenName,FamilyName,DateOfBirth,Gender,LastKnownPostCode,Notes\r\n"
        b'@SUM(A1),"=HYPERLINK(""http://evil.example"",""x"")",-Smith,+44,2,CF10 3AT,x\r\n'
        b"A2,Megan,Pritchard,2009-04-12,2,CF10 3AT,Fine - no formula\r\n"
    )
    parsed = parse_batch_file(
        file_name="LRB_10034567_150320251030.CSV", content=content, uploader_ukprn=UKPRN
    )
    batch = _store(college, user, parsed, [(rc.RC011, ""), (rc.RC002, "9990000024")])
    # Cells are stripped when read, so put a tab and a CR at the start directly.
    stored = batch.rows.get(position=1)
    stored.submitted = {**stored.submitted, "Notes": "\t=1+1", "LastKnownPostCode": "\r=2"}
    stored.save()

    _names, values, headings, evil, fine = _csv_rows(_output(batch)[0])

    assert values[1] == "'=cmd|' /C calc'!A0"
    row = dict(zip(headings, evil, strict=True))
    assert row["MISIdentifier"] == "'@SUM(A1)"
    assert row["GivenName"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["FamilyName"] == "'-Smith"
    assert row["DateOfBirth"] == "'+44"
    assert row["Notes"] == "'\t=1+1"
    assert row["LastKnownPostCode"] == "'\r=2"
    assert dict(zip(headings, fine, strict=True))["Notes"] == "Fine - no formula"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("", ""),
        ("Megan", "Megan"),
        ("Llywelyn-Jones", "Llywelyn-Jones"),
        ("a=b", "a=b"),
        (" =1", " =1"),
    ],
)
def test_safe_cell(value: str, written: str) -> None:
    assert safe_cell(value) == written


def test_batch_stored_without_layout(college: Organisation, user: User) -> None:
    """A batch submitted by other code (header {}) still gets a complete output file."""
    parsed = ParsedBatch(
        file_name="my upload.csv",
        file_format="csv",
        submission_type="CHK",
        rows=[{"GivenName": "Megan", "MISIdentifier": "A1", "PrivacyNoticeSeen": "1"}],
        file_version="3A",
        file_reference="ref",
        contact_email="mis@example.ac.uk",
    )
    batch = _store(college, user, parsed, [(rc.RC005, "")])

    content, name, _type = _output(batch)

    stamp = timezone.localtime(batch.submitted_at).strftime("%d%m%Y%H%M")
    assert name == f"LRB_{UKPRN}_{stamp}_OUTPUT.CSV"
    names, values, headings, learner = _csv_rows(content)
    assert names[:5] == ["FileVersion", "FileName", "UKPRN", "Email", "SubmissionType"]
    assert values[:5] == ["3A", "ref", UKPRN, "mis@example.ac.uk", "CHK"]
    assert values[8] == "1"  # LearnersNotFoundCount
    assert headings == [
        "ULN",
        "MISIdentifier",
        "GivenName",
        "PrivacyNoticeSeen",
        "ReturnMessage",
        "ReturnCode",
    ]
    assert learner == [
        "",
        "A1",
        "Megan",
        "1",
        "Learner not found (check only: nothing was registered).",
        "RC005",
    ]


def test_unfinished_batch_has_blank_times(college: Organisation, user: User) -> None:
    parsed = _parse("LRB_10034567_150320251030.CSV")
    batch = _store(college, user, parsed, [("", "")] * 3)
    Batch.objects.filter(pk=batch.pk).update(started_at=None, finished_at=None)
    batch.refresh_from_db()

    names, values, *_rest = _csv_rows(_output(batch)[0])

    totals = dict(zip(names, values, strict=True))
    assert totals["JobStartedDateTime"] == ""
    assert totals["JobFinishedDateTime"] == ""
    assert totals["NewLearnersCount"] == "0"


def test_ctf_batches_are_not_written_here(college: Organisation, user: User) -> None:
    parsed = _parse("LRB_10034567_150320251030.CSV")
    batch = _store(college, user, parsed, [("", "")] * 3)
    batch.file_format = "ctf"
    with pytest.raises(ValueError, match="CSV and XML"):
        _output(batch)


# --- XML ----------------------------------------------------------------------------------------


def _local(element: Element) -> str:
    return str(element.tag).rpartition("}")[2]


def _children(element: Element) -> list[tuple[str, str]]:
    return [(_local(child), child.text or "") for child in element]


def test_xml_round_trip(college: Organisation, user: User) -> None:
    parsed = _parse("LRB_10034567_150320251030.XML")
    batch = _store(college, user, parsed, [(rc.RC001, "9990000024"), (rc.RC005, "")])

    content, name, content_type = _output(batch)

    assert name == "LRB_10034567_150320251030_OUTPUT.XML"
    assert content_type == "application/xml; charset=utf-8"
    assert content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = DefusedET.fromstring(content)
    assert root.tag == f"{{{NS}}}BatchOutput"
    assert all(str(element.tag).startswith(f"{{{NS}}}") for element in root.iter())
    header = [item for item in _children(root) if item[0] != "Learner"]
    assert header == [
        ("FileVersion", "3A"),
        ("FileName", "Autumn intake 2025"),
        ("UKPRN", UKPRN),
        ("Email", "mis@riverside.example.ac.uk"),
        ("SubmissionType", "CHK"),
        ("NewLearnersCount", "0"),
        ("ExistsUpdatedLearnersCount", "1"),
        ("PossibleMatchLearnersCount", "0"),
        ("LearnersNotFoundCount", "1"),
        ("RejectedLearnersCount", "0"),
        ("JobStartedDateTime", "2025-03-15T10:31:05+00:00"),
        ("JobFinishedDateTime", "2025-03-15T10:32:00+00:00"),
    ]
    learners = [child for child in root if _local(child) == "Learner"]
    assert len(learners) == 2
    first, second = (dict(_children(learner)) for learner in learners)
    assert [name for name, _text in _children(learners[0])] == [
        "ULN",
        *parsed.header["columns"],
        "ReturnMessage",
        "ReturnCode",
    ]
    assert second["ReturnMessage"] == "Learner not found (check only: nothing was registered)."
    assert (first["MISIdentifier"], first["ULN"], first["ReturnCode"]) == (
        "X0001",
        "9990000024",
        "RC001",
    )
    assert (second["MISIdentifier"], second["ULN"], second["ReturnCode"]) == ("X0002", "", "RC005")
    assert second["GivenName"] == "Siân"
    assert second["FamilyName"] == "Evans & Sons"
    assert second["UPN"] == "A123456789012"


def test_xml_without_namespace_round_trip(college: Organisation, user: User) -> None:
    content = (
        b"<BatchRegistration><FileVersion>3A</FileVersion><FileName>=ref</FileName>"
        b"<UKPRN>10034567</UKPRN><Email>mis@example.ac.uk</Email><Learner><ULN>9990000016</ULN>"
        b"<MISIdentifier>A1</MISIdentifier><GivenName>Megan</GivenName>"
        b"<FamilyName>Pritchard</FamilyName><DateOfBirth>2009-04-12</DateOfBirth>"
        b"<Gender>2</Gender><LastKnownPostCode>CF10 3AT</LastKnownPostCode></Learner>"
        b"</BatchRegistration>"
    )
    parsed = parse_batch_file(
        file_name="LRB_10034567_150320251030.XML", content=content, uploader_ukprn=UKPRN
    )
    batch = _store(college, user, parsed, [(rc.RC004, "9990000024")])

    root = DefusedET.fromstring(_output(batch)[0])

    assert root.tag == "BatchOutput"
    assert root.findtext("FileName") == "=ref"  # not a spreadsheet: no apostrophe
    assert root.findtext("SubmissionType") == "FUL"
    learner = root.find("Learner")
    assert learner is not None
    assert [child.tag for child in learner][:2] == ["ULN", "MISIdentifier"]
    assert learner.findtext("ULN") == "9990000024"
    assert learner.findtext("ReturnCode") == "RC004"
