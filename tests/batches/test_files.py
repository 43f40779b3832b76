"""Reading LRB batch files: what is accepted, and each refusal with its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrs.api.errors import status_for
from lrs.batches.files import (
    KNOWN_COLUMNS,
    BadBatchFile,
    parse_batch_file,
)
from lrs.batches.services import ParsedBatch
from lrs.core.errors import ValidationFailed
from lrs.learners.columns import COLUMN_TO_FIELD

FIXTURES = Path(__file__).parent / "fixtures"
UKPRN = "10034567"
CSV_NAME = "LRB_10034567_150320251030.CSV"
XML_NAME = "LRB_10034567_150320251030.XML"
HEADINGS = "MISIdentifier,GivenName,FamilyName,DateOfBirth,Gender,LastKnownPostCode"
LEARNER = "A1,Megan,Pritchard,2009-04-12,2,CF10 3AT"
NS = "http://api.lrs.miap.gov.uk/learner"


def _csv(
    *,
    names: str = "FileVersion,FileName,UKPRN,Email",
    values: str = "3A,ref,10034567,mis@example.ac.uk",
    headings: str = HEADINGS,
    rows: tuple[str, ...] = (LEARNER,),
    newline: str = "\r\n",
) -> bytes:
    return newline.join([names, values, headings, *rows, ""]).encode("utf-8")


def _learner_xml(**fields: str) -> str:
    values = {
        "MISIdentifier": "A1",
        "GivenName": "Megan",
        "FamilyName": "Pritchard",
        "DateOfBirth": "2009-04-12",
        "Gender": "2",
        "LastKnownPostCode": "CF10 3AT",
        **fields,
    }
    return "<Learner>" + "".join(f"<{k}>{v}</{k}>" for k, v in values.items()) + "</Learner>"


def _xml(
    *,
    header: str = (
        "<FileVersion>3A</FileVersion><FileName>ref</FileName><UKPRN>10034567</UKPRN>"
        "<Email>mis@example.ac.uk</Email>"
    ),
    learners: tuple[str, ...] | None = None,
    root: str = "BatchRegistration",
    xmlns: str = "",
) -> bytes:
    body = "".join(learners if learners is not None else (_learner_xml(),))
    attr = f' xmlns="{xmlns}"' if xmlns else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}{attr}>{header}{body}</{root}>'
    ).encode()


def _parse(
    content: bytes,
    name: str = CSV_NAME,
    ukprn: str = UKPRN,
    submission_type: str | None = None,
) -> ParsedBatch:
    return parse_batch_file(
        file_name=name, content=content, uploader_ukprn=ukprn, submission_type=submission_type
    )


def _refusal(content: bytes, name: str = CSV_NAME, **kwargs: str) -> str:
    with pytest.raises(BadBatchFile) as caught:
        _parse(content, name, **kwargs)
    assert caught.value.code == "bad_batch_file"
    return caught.value.message


# --- Accepted files -------------------------------------------------------------------------------


def test_csv_3a_fixture() -> None:
    parsed = _parse((FIXTURES / CSV_NAME).read_bytes())
    assert parsed.file_name == CSV_NAME
    assert parsed.file_format == "csv"
    assert parsed.submission_type == "FUL"
    assert parsed.file_version == "3A"
    assert parsed.file_reference == "Autumn intake 2025"
    assert parsed.contact_email == "mis@riverside.example.ac.uk"
    assert parsed.header["fields"] == [
        ["FileVersion", "3A"],
        ["FileName", "Autumn intake 2025"],
        ["UKPRN", "10034567"],
        ["Email", "mis@riverside.example.ac.uk"],
    ]
    assert parsed.header["columns"][:4] == ["ULN", "MISIdentifier", "Title", "GivenName"]
    assert [row["MISIdentifier"] for row in parsed.rows] == ["A0001", "A0002", "A0003"]
    first, second, third = parsed.rows
    # Quoted cells keep their commas, quotes and line breaks (CRLF inside a cell too).
    assert first["LastKnownAddressLine1"] == "Flat 2, 14 Heol y Frenhines"
    assert first["MiddleNames"] == "Eleri"
    assert second["FamilyName"] == "O'Brien"
    assert second["Notes"] == "Two lines:\r\nsee file"
    assert third["Notes"] == 'He said "hi"'
    assert third["GivenName"] == "Siân"
    assert third["ULN"] == "9990000016"
    assert set(first) == set(parsed.header["columns"])


def test_csv_2a_windows_1252_fixture() -> None:
    content = (FIXTURES / "LRB_10034567_010720191200.CSV").read_bytes()
    assert "Siân".encode("cp1252") in content  # not UTF-8
    parsed = _parse(content, "LRB_10034567_010720191200.CSV")
    assert parsed.file_version == "2A"
    assert parsed.header["fields"][0] == ["File Version", "2a"]  # names kept as in the file
    assert [row["GivenName"] for row in parsed.rows] == ["Siân", "Zoë"]
    assert parsed.rows[1]["FamilyName"] == "Lefèvre"
    assert parsed.rows[0]["MiddleOtherName"] == "Wyn"
    assert parsed.rows[0]["AbilityToShare"] == "1"


def test_xml_fixture_with_namespace() -> None:
    parsed = _parse((FIXTURES / XML_NAME).read_bytes(), XML_NAME)
    assert parsed.file_format == "xml"
    assert parsed.submission_type == "CHK"
    assert parsed.file_version == "3A"
    assert parsed.header["namespace"] == NS
    assert parsed.header["fields"][-1] == ["SubmissionType", "CHK"]
    assert parsed.header["columns"] == [
        "MISIdentifier",
        "GivenName",
        "FamilyName",
        "DateOfBirth",
        "Gender",
        "LastKnownPostCode",
        "PrivacyNoticeSeen",
        "UPN",
    ]
    first, second = parsed.rows
    assert second["GivenName"] == "Siân"
    assert second["FamilyName"] == "Evans & Sons"
    # An element a learner leaves out reads as blank.
    assert first["UPN"] == ""
    assert second["PrivacyNoticeSeen"] == ""


def test_xml_without_namespace_and_cp1252() -> None:
    content = _xml(learners=(_learner_xml(GivenName="Siân"),)).decode().encode("cp1252")
    parsed = _parse(content, XML_NAME)
    assert parsed.rows[0]["GivenName"] == "Siân"
    assert parsed.header["namespace"] == ""


def test_xml_values_are_stripped_and_comments_ignored() -> None:
    learner = _learner_xml(GivenName="  Megan\n ").replace("<Learner>", "<Learner><!-- c -->")
    parsed = _parse(_xml(learners=(learner,)), XML_NAME)
    assert parsed.rows[0]["GivenName"] == "Megan"


def test_utf8_bom_and_lf_line_endings() -> None:
    content = b"\xef\xbb\xbf" + _csv(newline="\n", rows=("A1,Siân,Pritchard,2009-04-12,2,CF1",))
    parsed = _parse(content)
    assert parsed.header["fields"][0] == ["FileVersion", "3A"]
    assert parsed.rows[0]["GivenName"] == "Siân"


def test_xml_with_utf8_bom() -> None:
    parsed = _parse(b"\xef\xbb\xbf" + _xml(), XML_NAME)
    assert len(parsed.rows) == 1


def test_cells_are_stripped_and_blank_rows_skipped() -> None:
    content = _csv(rows=(" A1 , Megan ,Pritchard,2009-04-12,2,CF10 3AT", ",,,,,", "", LEARNER))
    parsed = _parse(content)
    assert len(parsed.rows) == 2
    assert parsed.rows[0]["MISIdentifier"] == "A1"
    assert parsed.rows[0]["GivenName"] == "Megan"


def test_short_rows_padded_and_trailing_blank_cells_ignored() -> None:
    parsed = _parse(_csv(headings=HEADINGS + ",,", rows=("A1,Megan", LEARNER + ",,,")))
    assert parsed.rows[0]["LastKnownPostCode"] == ""
    assert parsed.rows[1]["LastKnownPostCode"] == "CF10 3AT"
    assert parsed.header["columns"] == HEADINGS.split(",")


def test_header_names_with_spaces_and_email_alias() -> None:
    parsed = _parse(
        _csv(
            names="File Version,file_name,UKPRN,EmailAddress,Submission Type",
            values="3a,ref,10034567,mis@example.ac.uk,chk",
        )
    )
    assert parsed.file_version == "3A"
    assert parsed.submission_type == "CHK"
    assert parsed.contact_email == "mis@example.ac.uk"


def test_submission_type_default_file_and_override() -> None:
    with_chk = _csv(
        names="FileVersion,FileName,UKPRN,Email,SubmissionType",
        values="3A,ref,10034567,mis@example.ac.uk,CHK",
    )
    assert _parse(_csv()).submission_type == "FUL"
    assert _parse(with_chk).submission_type == "CHK"
    assert _parse(with_chk, submission_type="FUL").submission_type == "FUL"
    assert _parse(_csv(), submission_type="chk").submission_type == "CHK"
    assert _parse(with_chk, submission_type="").submission_type == "CHK"


def test_row_problems_are_not_file_errors() -> None:
    parsed = _parse(_csv(rows=("A1,,Pritchard,31/02/2009,7,NOT A POSTCODE", "A1,=1+1,x,,,")))
    assert len(parsed.rows) == 2
    assert parsed.rows[0]["DateOfBirth"] == "31/02/2009"


def test_path_before_the_name_is_dropped() -> None:
    parsed = _parse(_csv(), "C:\\Users\\mis\\Desktop\\" + CSV_NAME)
    assert parsed.file_name == CSV_NAME


def test_five_thousand_learners_accepted() -> None:
    parsed = _parse(_csv(rows=(LEARNER,) * 5000))
    assert len(parsed.rows) == 5000


def test_known_columns_are_the_batch_learner_fields_and_3a_names() -> None:
    assert set(COLUMN_TO_FIELD) | {"ULN", "MISIdentifier"} == KNOWN_COLUMNS


def test_bad_batch_file_is_a_validation_failure() -> None:
    error = BadBatchFile("x")
    assert isinstance(error, ValidationFailed)
    assert error.code == "bad_batch_file"
    assert status_for(error) == 422


# --- Refused: size, name, encoding ------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"  \r\n ", b"\xef\xbb\xbf\r\n"])
def test_empty_file(content: bytes) -> None:
    assert _refusal(content) == "The file is empty."


@pytest.mark.parametrize(
    "name",
    [
        "batch.csv",
        "LRB_1003456_150320251030.CSV",
        "LRB_10034567_1503202510.CSV",
        "LRB_10034567_150320251030.TXT",
        "lrb_10034567_150320251030.CSV",
        "LRB_10034567_150320251030.CSV.CSV",
        "",
    ],
)
def test_file_name_not_matching_the_pattern(name: str) -> None:
    message = _refusal(_csv(), name)
    assert "does not follow the pattern LRB_<UKPRN>_<DDMMYYYYHHMM>.CSV|.XML" in message


def test_lower_case_extension() -> None:
    message = _refusal(_csv(), "LRB_10034567_150320251030.csv")
    assert message == (
        "The file name LRB_10034567_150320251030.csv must end in .CSV or .XML in capital letters."
    )


def test_file_name_date_not_real() -> None:
    message = _refusal(_csv(), "LRB_10034567_310220251030.CSV")
    assert "The date and time in the file name (310220251030) is not a real one" in message


def test_ukprn_in_file_name_not_the_uploaders() -> None:
    message = _refusal(_csv(), "LRB_10099999_150320251030.CSV")
    assert message == (
        "The UKPRN in the file name (10099999) is not your organisation's (10034567)."
    )


def test_ukprn_in_header_not_the_uploaders() -> None:
    message = _refusal(_csv(values="3A,ref,10099999,mis@example.ac.uk"))
    assert message == (
        "The UKPRN in the file's header (10099999) is not your organisation's (10034567)."
    )


def test_csv_extension_with_xml_content() -> None:
    assert "ends in .CSV but the file contains XML" in _refusal(_xml(), CSV_NAME)


def test_xml_extension_with_csv_content() -> None:
    assert "ends in .XML but the file is not XML" in _refusal(_csv(), XML_NAME)


def test_bytes_neither_utf8_nor_windows_1252() -> None:
    content = _csv(rows=(LEARNER, "A2,Meg\x81an,P,2009-04-12,2,CF1")).replace(b"\xc2\x81", b"\x81")
    message = _refusal(content)
    assert message == (
        "The file is neither UTF-8 nor Windows-1252 text: byte 0x81 on line 5 cannot be read. "
        "Save the file as UTF-8."
    )


def test_nul_bytes() -> None:
    content = _csv(rows=("A1,Me\x00gan,P,2009-04-12,2,CF1",))
    assert "The file contains a NUL byte (line 4)" in _refusal(content)


def test_utf16() -> None:
    content = "\ufeff".encode("utf-16-le") + _csv().decode().encode("utf-16-le")
    assert "saved as UTF-16" in _refusal(content)


# --- Refused: header ------------------------------------------------------------------------------


def test_too_few_csv_rows() -> None:
    message = _refusal(b"FileVersion,FileName,UKPRN,Email\r\n3A,ref,10034567,m@example.ac.uk\r\n")
    assert message.startswith("The CSV file has 2 row(s) of text; it needs the header field names")


def test_unreadable_csv() -> None:
    content = _csv(rows=(LEARNER, "A2," + "x" * 200_000 + ",P,2009-04-12,2,CF1"))
    message = _refusal(content)
    assert message.startswith("The CSV file cannot be read at line 5: field larger than field")


def test_semicolon_separated() -> None:
    content = _csv().replace(b",", b";")
    assert "Row 1 is one cell holding semicolons or tabs" in _refusal(content)


def test_file_starting_with_learner_headings() -> None:
    content = "\r\n".join([HEADINGS, LEARNER, LEARNER, ""]).encode()
    assert "Row 1 looks like the learner column headings" in _refusal(content)


def test_unknown_file_version() -> None:
    message = _refusal(_csv(values="1B,ref,10034567,mis@example.ac.uk"))
    assert (
        message == "File version 1B is not accepted: use 3A (files of version 2A are still read)."
    )


def test_unknown_header_field() -> None:
    message = _refusal(
        _csv(names="FileVersion,FileName,UKPRN,Email,Colour", values="3A,r,10034567,m@ex.uk,red")
    )
    assert message == (
        "Unknown header field(s): Colour. The header fields are FileVersion, FileName, UKPRN, "
        "Email and, optionally, SubmissionType."
    )


def test_duplicated_header_field() -> None:
    message = _refusal(
        _csv(names="FileVersion,FileName,UKPRN,Email,File Name", values="3A,r,10034567,m@ex.uk,s")
    )
    assert message == "The header field FileName appears more than once."


def test_missing_header_field() -> None:
    message = _refusal(_csv(names="FileVersion,UKPRN,Email", values="3A,10034567,m@ex.uk"))
    assert message == (
        "The header has no FileName field: the header fields are FileVersion, FileName, UKPRN, "
        "Email."
    )


def test_blank_header_value() -> None:
    message = _refusal(_csv(values="3A,,10034567"))
    assert message == "The header has no value for FileName, Email."


def test_blank_header_field_name() -> None:
    message = _refusal(_csv(names="FileVersion,,UKPRN,Email"))
    assert message == "Row 1 (the header field names) has a blank name in column 2."


def test_header_values_longer_than_names() -> None:
    message = _refusal(_csv(values="3A,ref,10034567,mis@example.ac.uk,extra"))
    assert message == (
        "Row 2 (the header values, line 2) has more values than row 1 has field names."
    )


def test_invalid_email() -> None:
    message = _refusal(_csv(values="3A,ref,10034567,not-an-email"))
    assert message == "The header's Email (not-an-email) is not a valid email address."


def test_unknown_submission_type_in_file() -> None:
    content = _csv(
        names="FileVersion,FileName,UKPRN,Email,SubmissionType",
        values="3A,ref,10034567,mis@example.ac.uk,ALL",
    )
    message = _refusal(content)
    assert message == (
        "Submission type ALL is not known: use FUL (find, else register) or CHK (find only)."
    )


def test_unknown_submission_type_chosen() -> None:
    assert "Submission type XYZ is not known" in _refusal(_csv(), submission_type="xyz")


# --- Refused: learner columns and rows ------------------------------------------------------------


def test_missing_required_columns() -> None:
    message = _refusal(_csv(headings="MISIdentifier,GivenName,FamilyName", rows=("A1,M,P",)))
    assert message == (
        "Missing required learner column(s) in row 3 (the learner column headings): "
        "DateOfBirth, Gender, LastKnownPostCode."
    )


def test_unknown_columns_are_named() -> None:
    message = _refusal(_csv(headings=HEADINGS + ",Shoe Size,familyname", rows=(LEARNER + ",9,",)))
    assert message == (
        "Unknown learner column(s) in row 3 (the learner column headings): Shoe Size, "
        "familyname (did you mean FamilyName?). Column names are case-sensitive."
    )


def test_duplicated_columns() -> None:
    message = _refusal(_csv(headings=HEADINGS + ",GivenName", rows=(LEARNER + ",Meg",)))
    assert message == (
        "Repeated learner column(s) in row 3 (the learner column headings): GivenName. Keep "
        "each column once."
    )


def test_old_and_3a_names_of_one_field() -> None:
    message = _refusal(
        _csv(headings=HEADINGS + ",MiddleOtherName,MiddleNames", rows=(LEARNER + ",A,B",))
    )
    assert message == (
        "Both MiddleOtherName and MiddleNames are in row 3 (the learner column headings): "
        "they are one field, under its old and 3A names. Keep one."
    )


def test_blank_column_heading() -> None:
    message = _refusal(_csv(headings="MISIdentifier,,GivenName"))
    assert message == "Row 3 (the learner column headings) has a blank name in column 2."


def test_row_with_more_cells_than_headings() -> None:
    message = _refusal(_csv(rows=(LEARNER, LEARNER + ",surplus")))
    assert message == "Learner 2 (line 5) has 7 cells but there are only 6 column headings."


def test_no_learners() -> None:
    message = _refusal(_csv(rows=()))
    assert message == "The file has no learners: add one row (or Learner element) per learner."


def test_too_many_learners() -> None:
    message = _refusal(_csv(rows=(LEARNER,) * 5001))
    assert message == (
        "The file has 5001 learners; a batch file can have at most 5000. Split it into "
        "several files."
    )


# --- Refused: XML -------------------------------------------------------------------------------


def test_billion_laughs_refused() -> None:
    message = _refusal((FIXTURES / "billion_laughs.XML").read_bytes(), XML_NAME)
    assert message.startswith("The XML file declares entities (<!ENTITY ...>).")


def test_external_entity_refused() -> None:
    message = _refusal((FIXTURES / "external_entity.XML").read_bytes(), XML_NAME)
    assert message.startswith("The XML file refers to an external file or address")


def test_external_dtd_refused() -> None:
    content = b'<?xml version="1.0"?>\n<!DOCTYPE BatchRegistration SYSTEM "http://x.example/b.dtd">'
    content += _xml().split(b"\n", 1)[1]
    message = _refusal(content, XML_NAME)
    assert message.startswith("The XML file refers to an external file or address")


def test_parameter_entity_refused() -> None:
    content = (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY % p SYSTEM "http://x.example/e">%p;]><r/>'
    )
    message = _refusal(content, XML_NAME)
    assert message.startswith("The XML file refers to an external file or address")


def test_dtd_refused() -> None:
    content = b'<?xml version="1.0"?>\n<!DOCTYPE BatchRegistration [<!ELEMENT x ANY>]>'
    content += _xml().split(b"\n", 1)[1]
    message = _refusal(content, XML_NAME)
    assert message == (
        "The XML file has a document type declaration (<!DOCTYPE ...>). Batch files must not "
        "have one: remove it."
    )


def test_malformed_xml_with_line_number() -> None:
    content = b"<BatchRegistration>\n<FileVersion>3A</FileVersion>\n<Learner>\n</BatchRegistration>"
    message = _refusal(content, XML_NAME)
    assert message == "The XML file is not well-formed: mismatched tag at line 4, column 3."


def test_malformed_xml_after_blank_lines() -> None:
    content = b"\r\n\n" + _xml().replace(b"</Gender>", b"</Sex>")
    message = _refusal(content, XML_NAME)
    assert message.startswith("The XML file is not well-formed: mismatched tag at line 4, column")


def test_blank_lines_before_the_xml_declaration() -> None:
    assert len(_parse(b"\n\n" + _xml(), XML_NAME).rows) == 1


def test_xml_undefined_entity() -> None:
    content = _xml(learners=(_learner_xml(GivenName="&nbsp;Megan"),))
    message = _refusal(content, XML_NAME)
    assert message.startswith("The XML file is not well-formed: undefined entity at line 2")


def test_xml_wrong_root() -> None:
    message = _refusal(_xml(root="SubmitBatch"), XML_NAME)
    assert message == "The XML file's root element is SubmitBatch; it must be BatchRegistration."


def test_xml_unknown_header_element() -> None:
    message = _refusal(_xml(header="<FileVersion>3A</FileVersion><Colour>red</Colour>"), XML_NAME)
    assert message.startswith("Unknown header field(s): Colour.")


def test_xml_missing_header_element() -> None:
    message = _refusal(
        _xml(header="<FileVersion>3A</FileVersion><UKPRN>10034567</UKPRN>"), XML_NAME
    )
    assert message.startswith("The header has no FileName, Email field")


def test_xml_unknown_version_and_ukprn() -> None:
    header = (
        "<FileVersion>2B</FileVersion><FileName>r</FileName><UKPRN>10034567</UKPRN>"
        "<Email>m@example.ac.uk</Email>"
    )
    assert "File version 2B is not accepted" in _refusal(_xml(header=header), XML_NAME)
    header = header.replace("2B", "3A").replace("10034567", "10000000")
    assert "The UKPRN in the file's header (10000000)" in _refusal(_xml(header=header), XML_NAME)


def test_xml_unknown_learner_element() -> None:
    message = _refusal(_xml(learners=(_learner_xml(Shoe="9"),), xmlns=NS), XML_NAME)
    assert message == (
        "Unknown learner column(s) in the Learner elements: Shoe. Column names are case-sensitive."
    )


def test_xml_missing_required_element_everywhere() -> None:
    learner = _learner_xml().replace("<Gender>2</Gender>", "")
    message = _refusal(_xml(learners=(learner,)), XML_NAME)
    assert message == "Missing required learner column(s) in the Learner elements: Gender."


def test_xml_element_twice_in_a_learner() -> None:
    learner = _learner_xml().replace("</Learner>", "<Gender>1</Gender></Learner>")
    message = _refusal(_xml(learners=(_learner_xml(), learner)), XML_NAME)
    assert message == "Learner 2 has the element Gender more than once."


def test_xml_nested_element() -> None:
    learner = _learner_xml(GivenName="<b>Megan</b>")
    message = _refusal(_xml(learners=(learner,)), XML_NAME)
    assert message == ("Learner 1: the element GivenName must hold text only, not other elements.")


def test_xml_no_learners() -> None:
    assert "The file has no learners" in _refusal(_xml(learners=()), XML_NAME)
