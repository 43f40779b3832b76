"""Common Transfer File (CTF): a school's CTF in as a batch, out again with ULNs.

A school uploads the CTF its MIS exports (lrs-domain.md section 6) and gets back the same file
with each pupil's ``UniqueLearnerNumber`` filled in, to import into its MIS, plus a spreadsheet of
the pupils that need action, as the ULN Service for Schools did ("Import CTF file containing
ULNs ... into schools record system and view accompanying 'exceptions' file").

Reading (`parse_ctf`)
    Parsed only with defusedxml, and any DTD (``<!DOCTYPE``) refuses the file: a CTF never has
    one, so this stops entity expansion ("billion laughs") and external entities (XXE) alike.
    The file is refused as a whole (`BadCtfFile`) when it is empty, not XML, not well-formed
    (the message gives the line), has a DTD, its root is not ``CTfile``, it has no ``Header``,
    the header's ``DocumentName`` is not "Common Transfer File", or it has no ``Pupil`` or more
    than `MAX_PUPILS`. Elements are matched by local name (any namespace). The upload's size
    limit is checked before the file is read (`uploads`).

Rows (one per ``Pupil``, in file order: row position n is the file's nth pupil)
    GivenName = Forename, FamilyName = Surname, DateOfBirth = DOB, Gender from ``Sex`` (older
    versions ``Gender``; see below). MiddleOtherName = MiddleNames,
    PreferredGivenName = PreferredForename, PreviousFamilyName = FormerSurname, each read from
    the pupil or its ``BasicDetails`` (CTF versions differ). LastKnownPostCode = the
    ``Postcode`` inside the pupil's own ``Address`` (never a contact's); blank when there is
    none, which row validation rejects (RC011) and the exceptions sheet explains.

    MISIdentifier = the UPN (the LRS shows the UPN in the MIS ID field of its exceptions), or
    ``pupil-<n>`` for a pupil without one. The UPN also goes in the UPN field, but only for a
    pupil under 16 today: the register records a UPN only for under-16s (checked on the day the
    row is processed), so sending a sixth former's UPN would reject the row. An invalid UPN is
    not sent either: it only helps matching, so the pupil is matched by details, and the
    exceptions sheet lists the UPN problem (``_upn_problem``: `lrs.identifiers`' message, a
    catalogue entry translated when the sheet is written).

    DOB is read in every form the schema allows (xs:date, with or without a time zone) and as
    MIS software also writes it (a date-time, DD/MM/YYYY), and sent as YYYY-MM-DD, so the age
    rules below apply whatever the form; anything else (or a date that does not exist) is sent
    as written for row validation to refuse with its message. Sex (or Gender): M, Male 1; F,
    Female 2; U, Unknown or none 0; 9, Not specified 9; any other value is sent as written and
    refused by row validation.

    VerificationType 1 (relationship with school): the school knows its pupils (user guide
    Appendix D). PrivacyNoticeSeen 1: a CTF has no field for it, and a school must give its
    pupils the privacy notice before it asks for their ULNs ("All learners must have sight of a
    Privacy Notice"), so sending the CTF is taken as the school's statement that it has.

    A valid ULN already in the CTF goes in the ULN field, so the batch verifies it (RC003) rather
    than searching. An invalid one is not sent (the pupil is found by details and the CTF comes
    back with the right ULN); it is kept in ``_ctf_uln``.

    Keys beginning with ``_`` are ours and never reach the register (`details_from_row`
    ignores unknown keys): ``_ctf_position`` (the pupil's position in the file), ``_ctf_upn`` and
    ``_ctf_uln`` (the values as in the file) and ``_skip_reason``. A pupil under 14 on the
    file's date (Header ``DateTime``, else today) has ``_skip_reason`` = ``"under_14"``
    (`SKIP_UNDER_14`): the school census needs a ULN only from 14, so the pupil is not sent to
    the register, gets no ULN and is listed on the exceptions sheet.

Header (`Batch.header`)
    The ``Header`` element as a dict (element name to text; ``SourceSchool`` and ``DestSchool``
    as nested dicts; a repeated name gives a list), plus our keys ``uploader_ukprn`` and
    ``ctf_original`` (`ORIGINAL_KEY`): the uploaded bytes in base64, exact whatever the file's
    encoding, from which the returned CTF is made.

Writing (`write_ctf`)
    The uploaded bytes with only ``UniqueLearnerNumber`` changed, for each pupil whose row has a
    ULN (RC001 to RC004): its content is replaced, or, when the pupil has no such element, one
    is inserted right after ``UPN`` (first in the pupil when it has no UPN), on its own line
    indented like the UPN when the file is indented. Everything else, the header's
    ``DateTime`` included, is byte for byte as uploaded; the result is parsed again and checked
    before it is returned. A pupil the register did not confirm a ULN for has the file's ULN
    taken out (the element left empty): it was wrong or another pupil's, and one ULN is never
    returned on two pupils (`_returned_ulns`). A pupil not sent (under 14) or not processed yet
    keeps the file's ULN unless another pupil of the file is returned it. The name is the
    upload's with ``_ULN`` before ``.xml``.

Exceptions (`write_ctf_exceptions_xlsx`)
    Sheet "Exceptions": every pupil without a ULN (return code other than RC001 to RC004,
    under 14, or not processed yet) with UPN, Surname, Forename, DOB, Postcode, Return code,
    What to do and the ULN in the file (which the returned CTF no longer carries when the
    register did not confirm it); sheet "Summary": the counts. Every text cell goes through
    `safe_cell`.
"""

from __future__ import annotations

import base64
import datetime
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element, TreeBuilder

from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lrs.batches import return_codes as rc
from lrs.batches.csv_safety import safe_cell
from lrs.batches.messages import details_of, error_fields
from lrs.batches.models import Batch, BatchRow, FileFormat, RowState, SubmissionType
from lrs.batches.parsed import MAX_ROWS, SKIP_KEY, ParsedBatch
from lrs.core.errors import ValidationFailed
from lrs.identifiers import IdentifierError, is_valid_uln, validate_upn
from lrs.learners.validation import UPN_MAX_AGE, age_on

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

MAX_PUPILS = MAX_ROWS
ULN_AGE = 14  # pupils get a ULN from this age (school census)
DOCUMENT_NAME = "Common Transfer File"
ORIGINAL_KEY = "ctf_original"
SKIP_UNDER_14 = "under_14"
UPN_PROBLEM_KEY = "_upn_problem"  # why the file's UPN is not valid (lrs.identifiers' message)
ULN_CODES = frozenset({rc.RC001, rc.RC002, rc.RC003, rc.RC004})
ULN_ELEMENT = "UniqueLearnerNumber"


class BadCtfFile(ValidationFailed):
    """The upload cannot be read as a Common Transfer File; nothing of it was stored."""

    code = "bad_ctf_file"


# --- XML with byte positions ---------------------------------------------------------------


class _PositionBuilder(TreeBuilder):
    """Builds the tree and notes, per element, where its tags are in the uploaded bytes.

    ``starts[id(e)]`` is the offset of the ``<`` of e's start tag. ``ends[id(e)]`` is the offset
    of the ``<`` of its end tag, or, for an empty-element tag (``<e/>``), the offset just past it
    (expat's event positions).
    """

    def __init__(self) -> None:
        super().__init__()
        self.expat: Any = None
        self.starts: dict[int, int] = {}
        self.ends: dict[int, int] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        element = super().start(tag, attrs)
        self.starts[id(element)] = self.expat.CurrentByteIndex
        return element

    def end(self, tag: str) -> Element:
        element = super().end(tag)
        self.ends[id(element)] = self.expat.CurrentByteIndex
        return element


def _dtd_refused() -> BadCtfFile:
    return BadCtfFile(
        _(
            "The file contains a document type declaration (DTD) or entity declarations. "
            "A Common Transfer File never has one, so the file was refused. "
            "Export the CTF again from your MIS."
        )
    )


def _parse_xml(content: bytes) -> tuple[Element, _PositionBuilder]:
    """Parse with defusedxml, refusing any DTD; BadCtfFile when the XML is unusable."""
    builder = _PositionBuilder()
    parser = DefusedXMLParser(
        target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    builder.expat = parser.parser
    try:
        parser.feed(content)
        root = parser.close()
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise _dtd_refused() from None
    except ParseError as exc:
        line, column = exc.position
        raise BadCtfFile(
            _(
                "The file is not well-formed XML: there is a mistake at line %(line)d, "
                "column %(column)d. Export the CTF again from your MIS; do not edit it by hand."
            )
            % {"line": line, "column": column + 1}
        ) from None
    except (ValueError, LookupError):
        raise BadCtfFile(
            _("The file could not be read as XML. Export the CTF again from your MIS.")
        ) from None
    return root, builder


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child(element: Element, name: str) -> Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _children(element: Element, name: str) -> list[Element]:
    return [c for c in element if _local(c.tag) == name]


def _own_text(element: Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _text(element: Element, name: str) -> str:
    return _own_text(_child(element, name))


def _pupil_text(pupil: Element, name: str) -> str:
    """A pupil's field, from the pupil itself or from its BasicDetails."""
    found = _child(pupil, name)
    if found is None:
        basic = _child(pupil, "BasicDetails")
        found = _child(basic, name) if basic is not None else None
    return _own_text(found)


def _to_value(element: Element) -> object:
    if len(element) == 0:
        return _own_text(element)
    value: dict[str, object] = {}
    for child in element:
        name = _local(child.tag)
        if not name:
            continue
        item = _to_value(child)
        if name not in value:
            value[name] = item
        elif isinstance(existing := value[name], list):
            existing.append(item)
        else:
            value[name] = [existing, item]
    return value


def _pupils(root: Element) -> list[Element]:
    data = _child(root, "CTFpupilData")
    return [] if data is None else _children(data, "Pupil")


# --- Reading -------------------------------------------------------------------------------------


def _looks_like_xml(content: bytes) -> bool:
    if content.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        content = content.lstrip(b"\xef\xbb\xbf\xff\xfe")
        return content.lstrip(b"\x00 \t\r\n").startswith(b"<")
    return content.lstrip(b" \t\r\n").startswith((b"<", b"\x00<"))


def _check_document(root: Element) -> Element:
    """The Header, once the root and DocumentName say this is a CTF."""
    if _local(root.tag) != "CTfile":
        raise BadCtfFile(
            _(
                "This XML file is not a Common Transfer File: its root element is <%(root)s>, "
                "not <CTfile>. Upload the CTF exported from your MIS."
            )
            % {"root": _local(root.tag)}
        )
    header = _child(root, "Header")
    if header is None:
        raise BadCtfFile(
            _("The Common Transfer File has no Header. Export the CTF again from your MIS.")
        )
    document_name = _text(header, "DocumentName")
    if document_name != DOCUMENT_NAME:
        raise BadCtfFile(
            _(
                'The file\'s DocumentName is "%(name)s", not "Common Transfer File". '
                "Upload a Common Transfer File exported from your MIS."
            )
            % {"name": document_name}
        )
    return header


def _file_date(header: Element, today: datetime.date) -> datetime.date:
    """The date in the header's DateTime (yyyy-MM-ddTHH:mm:ss); today when absent or unreadable."""
    try:
        return datetime.date.fromisoformat(_text(header, "DateTime")[:10])
    except ValueError:
        return today


# xs:date as the CTF schema has it (an optional time zone), a date-time's date, and the
# DD/MM/YYYY that MIS software writes when exporting by hand.
_ISO_DATE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:\d{2})?"
)
_BRITISH_DATE = re.compile(r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})")


def _ctf_date(value: str) -> str:
    """A CTF date as YYYY-MM-DD, whichever form the file uses; as written when it is none
    (or is no real date), for row validation to refuse with its message."""
    found = _ISO_DATE.fullmatch(value) or _BRITISH_DATE.fullmatch(value)
    if found is None:
        return value
    try:
        return datetime.date(int(found["y"]), int(found["m"]), int(found["d"])).isoformat()
    except ValueError:
        return value


def _parse_dob(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


# The CTF's Sex (older versions: Gender) codes, and the words MIS software writes instead.
_GENDERS = {
    "M": "1",
    "MALE": "1",
    "F": "2",
    "FEMALE": "2",
    "U": "0",
    "UNKNOWN": "0",
    "NOT KNOWN": "0",
    "9": "9",
    "NOT SPECIFIED": "9",
}


def _gender(pupil: Element) -> str:
    """The gender code: "0" (not known) when there is none; another value is passed on as
    written, for row validation to refuse with its message."""
    value = _pupil_text(pupil, "Sex") or _pupil_text(pupil, "Gender")
    if not value:
        return "0"
    return _GENDERS.get(" ".join(value.split()).upper(), value)


def _postcode(pupil: Element) -> str:
    address = _child(pupil, "Address")
    if address is None:
        return ""
    for element in address.iter():
        if _local(element.tag) == "Postcode" and _own_text(element):
            return _own_text(element)
    return ""


def _pupil_row(
    pupil: Element, position: int, file_date: datetime.date, today: datetime.date
) -> dict[str, str]:
    upn = _pupil_text(pupil, "UPN")
    dob_text = _ctf_date(_pupil_text(pupil, "DOB"))
    dob = _parse_dob(dob_text)
    row = {
        "MISIdentifier": upn or f"pupil-{position}",
        "GivenName": _pupil_text(pupil, "Forename"),
        "FamilyName": _pupil_text(pupil, "Surname"),
        "DateOfBirth": dob_text,
        "Gender": _gender(pupil),
        "LastKnownPostCode": _postcode(pupil),
        "VerificationType": "1",
        "PrivacyNoticeSeen": "1",
        "_ctf_position": str(position),
    }
    for column, element in (
        ("MiddleOtherName", "MiddleNames"),
        ("PreferredGivenName", "PreferredForename"),
        ("PreviousFamilyName", "FormerSurname"),
    ):
        value = _pupil_text(pupil, element)
        if value:
            row[column] = value
    if upn:
        row["_ctf_upn"] = upn
        try:
            validate_upn(upn)
        except IdentifierError as exc:
            # The UPN only helps matching: the pupil is matched by details without it, and
            # the exceptions sheet says what is wrong with it.
            row[UPN_PROBLEM_KEY] = exc.message
        else:
            if dob is None or age_on(dob, today) < UPN_MAX_AGE:
                row["UPN"] = upn
    uln = _pupil_text(pupil, ULN_ELEMENT)
    if uln:
        row["_ctf_uln"] = uln
        if is_valid_uln(uln):
            row["ULN"] = uln
    if dob is not None and age_on(dob, file_date) < ULN_AGE:
        row[SKIP_KEY] = SKIP_UNDER_14
    return row


def parse_ctf(
    *, file_name: str, content: bytes, uploader_ukprn: str, today: datetime.date | None = None
) -> ParsedBatch:
    """Read an uploaded CTF into a FUL batch of pupils; BadCtfFile when it cannot be used.

    `today` (default: the local date) is only for tests: it decides who is under 16 for the UPN.
    """
    if not content.strip():
        raise BadCtfFile(_("The file is empty. Upload the CTF exported from your MIS."))
    if not _looks_like_xml(content):
        raise BadCtfFile(
            _(
                "This file is not XML, so it is not a Common Transfer File. Upload the CTF "
                "(.xml) exported from your MIS, not a spreadsheet or a zip file."
            )
        )
    root, _builder = _parse_xml(content)
    header = _check_document(root)
    pupils = _pupils(root)
    if not pupils:
        raise BadCtfFile(
            _(
                "The Common Transfer File has no pupils (no Pupil in CTFpupilData). Choose the "
                "pupils when you export the CTF from your MIS."
            )
        )
    if len(pupils) > MAX_PUPILS:
        raise BadCtfFile(
            _(
                "The Common Transfer File has %(n)d pupils; at most %(max)d can be sent in one "
                "file. Export the pupils in smaller groups, for example by year group."
            )
            % {"n": len(pupils), "max": MAX_PUPILS}
        )
    today = today or timezone.localdate()
    file_date = _file_date(header, today)
    header_value = _to_value(header)
    header_dict: dict[str, object] = dict(header_value) if isinstance(header_value, dict) else {}
    header_dict["uploader_ukprn"] = uploader_ukprn
    header_dict[ORIGINAL_KEY] = base64.b64encode(content).decode("ascii")
    return ParsedBatch(
        file_name=file_name,
        file_format=FileFormat.CTF.value,
        submission_type=SubmissionType.FULL.value,
        rows=[
            _pupil_row(pupil, position, file_date, today)
            for position, pupil in enumerate(pupils, start=1)
        ],
        file_version=_text(header, "CTFversion")[:8],
        header=header_dict,
    )


# --- Writing the CTF -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Encoding:
    """How to read single ASCII characters in the original bytes and write new ones."""

    codec: str  # latin-1 stands for any ASCII-compatible encoding (UTF-8, ISO-8859-x, ...)
    unit: int

    def char(self, data: bytes, at: int) -> str:
        try:
            return data[at : at + self.unit].decode(self.codec)
        except UnicodeDecodeError:
            return ""

    def encode(self, text: str) -> bytes:
        return text.encode(self.codec)


def _encoding_of(data: bytes) -> _Encoding:
    if data.startswith(b"\xff\xfe") or data.startswith(b"<\x00"):
        return _Encoding("utf-16-le", 2)
    if data.startswith(b"\xfe\xff") or data.startswith(b"\x00<"):
        return _Encoding("utf-16-be", 2)
    return _Encoding("latin-1", 1)


def _tag_end(data: bytes, start: int, enc: _Encoding) -> int:
    """The offset just past the tag that begins at `start` (quoted attribute values skipped)."""
    quote = ""
    at = start + enc.unit
    while at < len(data):
        char = enc.char(data, at)
        if quote:
            if char == quote:
                quote = ""
        elif char in {'"', "'"}:
            quote = char
        elif char == ">":
            return at + enc.unit
        at += enc.unit
    raise RuntimeError("unterminated tag in a CTF that parsed")


def _is_empty_tag(data: bytes, tag_end: int, enc: _Encoding) -> bool:
    return enc.char(data, tag_end - 2 * enc.unit) == "/"


def _raw_name(data: bytes, start: int, enc: _Encoding) -> str:
    name = []
    at = start + enc.unit
    while at < len(data):
        char = enc.char(data, at)
        if not char or char in " \t\r\n/>":
            break
        name.append(char)
        at += enc.unit
    return "".join(name)


def _indent_before(data: bytes, start: int, enc: _Encoding) -> bytes:
    at = start
    while at - enc.unit >= 0 and enc.char(data, at - enc.unit) in {" ", "\t", "\r", "\n"}:
        at -= enc.unit
    return data[at:start]


def _element_end(data: bytes, builder: _PositionBuilder, element: Element, enc: _Encoding) -> int:
    open_end = _tag_end(data, builder.starts[id(element)], enc)
    if _is_empty_tag(data, open_end, enc):
        return open_end
    return _tag_end(data, builder.ends[id(element)], enc)


def _uln_edit(
    data: bytes, builder: _PositionBuilder, pupil: Element, uln: str, enc: _Encoding
) -> tuple[int, int, bytes] | None:
    """The one change that gives `pupil` this ULN: (from, to, new bytes), or None if it has it."""
    pupil_start = builder.starts[id(pupil)]
    prefix = _raw_name(data, pupil_start, enc).rpartition(":")[0]
    name = f"{prefix}:{ULN_ELEMENT}" if prefix else ULN_ELEMENT
    element = f"<{name}>{uln}</{name}>"
    existing = _child(pupil, ULN_ELEMENT)
    if not uln:  # the ULN in the file is taken out: the element is left empty
        if existing is None or (not _own_text(existing) and len(existing) == 0):
            return None
        open_end = _tag_end(data, builder.starts[id(existing)], enc)
        if _is_empty_tag(data, open_end, enc):
            return None
        return open_end, builder.ends[id(existing)], b""
    if existing is not None:
        if _own_text(existing) == uln and len(existing) == 0:
            return None
        open_end = _tag_end(data, builder.starts[id(existing)], enc)
        if _is_empty_tag(data, open_end, enc):
            own_name = _raw_name(data, builder.starts[id(existing)], enc)
            return open_end - 2 * enc.unit, open_end, enc.encode(f">{uln}</{own_name}>")
        return open_end, builder.ends[id(existing)], enc.encode(uln)
    upn = _child(pupil, "UPN")
    if upn is not None:
        at = _element_end(data, builder, upn, enc)
        indent = _indent_before(data, builder.starts[id(upn)], enc)
        return at, at, indent + enc.encode(element)
    at = _tag_end(data, pupil_start, enc)
    if _is_empty_tag(data, at, enc):
        pupil_name = _raw_name(data, pupil_start, enc)
        return at - 2 * enc.unit, at, enc.encode(f">{element}</{pupil_name}>")
    indent = _indent_before(data, builder.starts[id(pupil[0])], enc) if len(pupil) else b""
    return at, at, indent + enc.encode(element)


def _splice(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    pieces = []
    cursor = 0
    for start, end, new in sorted(edits):
        if start < cursor:
            raise RuntimeError("overlapping CTF edits")
        pieces += [data[cursor:start], new]
        cursor = end
    pieces.append(data[cursor:])
    return b"".join(pieces)


def _row_position(row: BatchRow) -> int:
    try:
        return int(row.submitted.get("_ctf_position") or row.position)
    except (TypeError, ValueError):
        return row.position


def original_ctf(batch: Batch) -> bytes:
    """The CTF as the school uploaded it (kept base64 in the batch header)."""
    stored = batch.header.get(ORIGINAL_KEY) if isinstance(batch.header, dict) else None
    if not isinstance(stored, str):
        raise ValueError(f"batch {batch.pk} has no stored CTF")
    return base64.b64decode(stored, validate=True)


def returned_file_name(file_name: str) -> str:
    """``6664000_CTF.xml`` -> ``6664000_CTF_ULN.xml`` (any folder before the name dropped)."""
    base = re.split(r"[\\/]", file_name)[-1]
    if base.lower().endswith(".xml"):
        base = base[:-4]
    return f"{base or 'CTF'}_ULN.xml"


def _returned_ulns(pupils: list[Element], rows: Iterable[BatchRow]) -> dict[int, str]:
    """The ULN each pupil gets back, by position ("" takes the file's ULN out).

    A pupil whose row has a ULN (RC001 to RC004) gets it. A pupil the register looked at and
    did not confirm (any other return code) loses the ULN the file gave it: it was wrong, or
    not this pupil's, and its rightful pupil may be in the same file. A pupil not sent (under
    14) or not processed yet keeps the file's ULN, unless that ULN is another pupil's here:
    a ULN is returned on two pupils only when the register confirmed it for both (the same
    person twice in the file).
    """
    done: dict[int, str] = {}
    for row in rows:
        position = _row_position(row)
        if row.return_code in ULN_CODES and row.uln:
            done[position] = row.uln
        elif row.return_code:
            done[position] = ""
    result = dict(done)
    in_file = {
        position: _pupil_text(pupil, ULN_ELEMENT) for position, pupil in enumerate(pupils, start=1)
    }
    final = {position: result.get(position, uln) for position, uln in in_file.items()}
    holders: dict[str, list[int]] = {}
    for position, uln in final.items():
        if uln:
            holders.setdefault(uln, []).append(position)
    for uln, positions in holders.items():
        if len(positions) > 1:
            for position in positions:
                if done.get(position) != uln:
                    result[position] = ""
    return result


def write_ctf(batch: Batch, rows: Iterable[BatchRow]) -> tuple[bytes, str]:
    """The uploaded CTF with each pupil's ULN filled in, and the file name to give it."""
    data = original_ctf(batch)
    root, builder = _parse_xml(data)
    enc = _encoding_of(data)
    pupils = _pupils(root)
    ulns = _returned_ulns(pupils, rows)
    edits = []
    for position, pupil in enumerate(pupils, start=1):
        if position in ulns:
            edit = _uln_edit(data, builder, pupil, ulns[position], enc)
            if edit is not None:
                edits.append(edit)
    result = _splice(data, edits)
    written, _builder = _parse_xml(result)
    holders: dict[str, list[int]] = {}
    for position, pupil in enumerate(_pupils(written), start=1):
        uln = _pupil_text(pupil, ULN_ELEMENT)
        if position in ulns and uln != ulns[position]:
            raise RuntimeError(f"returned CTF for batch {batch.pk}: pupil {position} wrong ULN")
        if uln:
            holders.setdefault(uln, []).append(position)
    for positions in holders.values():
        if len(positions) > 1 and any(ulns.get(p) is None for p in positions):
            raise RuntimeError(f"returned CTF for batch {batch.pk}: a ULN on two pupils")
    return result, returned_file_name(batch.file_name)


# --- Exceptions spreadsheet ----------------------------------------------------------------------


_COLUMNS: tuple[tuple[str, int], ...] = (
    ("UPN", 16),
    ("Surname", 24),
    ("Forename", 24),
    ("DOB", 12),
    ("Postcode", 11),
    ("Return code", 13),
    ("What to do", 100),
    ("ULN in the file", 16),
)


def _column_labels() -> list[str]:
    labels = {
        "UPN": _("UPN"),
        "Surname": _("Surname"),
        "Forename": _("Forename"),
        "DOB": _("DOB"),
        "Postcode": _("Postcode"),
        "Return code": _("Return code"),
        "What to do": _("What to do"),
        "ULN in the file": _("ULN in the file"),
    }
    return [labels[key] for key, _width in _COLUMNS]


def _advice(code: str, submitted: Mapping[str, str]) -> str:
    if code == rc.RC011 and not (submitted.get("LastKnownPostCode") or "").strip():
        return _("Add the pupil's postcode in your MIS and send the CTF again.")
    advice = {
        rc.RC005: _("Check the pupil's details in your MIS and send the CTF again."),
        rc.RC006: _(
            "Resolve the exception in the portal: search for the learner with more details, "
            "or register them if they are not on the register."
        ),
        rc.RC007: _(
            "Resolve the exception in the portal: choose the matching learner, or register a "
            "new learner only if you are sure none of them is this pupil."
        ),
        rc.RC008: _(
            "Check the ULN held in your MIS and the pupil's name and date of birth, then "
            "resolve the exception in the portal."
        ),
        rc.RC009: _(
            "A learner with the same details is already registered: find the learner in the "
            "portal and record their ULN in your MIS."
        ),
        rc.RC010: _(
            "The pupil's UPN appears more than once in the file: remove the duplicate in your "
            "MIS and send the CTF again."
        ),
        rc.RC011: _("Correct the pupil's details in your MIS and send the CTF again."),
        rc.RC012: _(
            "Correct the pupil's UPN in your MIS (leave it blank if the pupil has no real UPN) "
            "and send the CTF again."
        ),
        rc.RC013: _("Check the pupil's date of birth in your MIS and send the CTF again."),
    }
    return advice.get(code, _("Check the pupil's details in your MIS."))


def _upn_note(submitted: Mapping[str, str]) -> str:
    problem = submitted.get(UPN_PROBLEM_KEY)
    if not problem:
        return ""
    return _(
        "The UPN in the file is not valid (%(problem)s), so the pupil was matched without it: "
        "correct the UPN in your MIS, or leave it blank if the pupil has no real UPN."
    ) % {"problem": _(problem)}


def _status(row: BatchRow) -> tuple[str, str]:
    """(Return code cell, What to do cell) for a pupil listed on the exceptions sheet."""
    code, text = _code_status(row)
    note = _upn_note(row.submitted)
    return code, f"{text} {note}" if note and text else (text or note)


def _code_status(row: BatchRow) -> tuple[str, str]:
    if row.return_code in ULN_CODES and row.uln:
        return row.return_code, str(rc.TABLE[row.return_code].meaning)
    if row.return_code:
        entry = rc.TABLE.get(row.return_code)
        meaning = str(entry.meaning) if entry else ""
        text = " ".join(part for part in (meaning, _advice(row.return_code, row.submitted)) if part)
        # One piece of advice: what the school's terms already explain is not said again in
        # the register's (a missing postcode; a Sex the CTF cannot have, not a gender code).
        leave_out = set()
        if not (row.submitted.get("LastKnownPostCode") or "").strip():
            leave_out.add("last_known_postcode")
        if "gender" in error_fields(row.message):
            leave_out.add("gender")
            text += " " + _(
                "Sex: %(value)s is not a value a CTF can have. Record the pupil's sex in your MIS "
                "as M or F (U when it is not known) and send the CTF again."
            ) % {"value": row.submitted.get("Gender", "")}
        details = details_of(row, ctf=True, leave_out=frozenset(leave_out))
        if details:
            text += " " + _("Details: %(message)s") % {"message": details}
        return row.return_code, text
    if row.submitted.get(SKIP_KEY) == SKIP_UNDER_14:
        return _("Not sent"), _("Pupil under 14: no ULN needed yet")
    return _("Waiting"), _("Not processed yet: download the files again when the batch is done.")


def _put(sheet: Worksheet, row: int, column: int, value: object) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = sheet.cell(row=row, column=column)
    if isinstance(value, int):
        cell.value = value
        return
    cell.value = safe_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"


def _has_uln(row: BatchRow) -> bool:
    return row.return_code in ULN_CODES and bool(row.uln)


def _listed(row: BatchRow) -> bool:
    """On the Exceptions sheet: no ULN returned, or a UPN to correct in the MIS."""
    return not _has_uln(row) or bool(row.submitted.get(UPN_PROBLEM_KEY))


def _summary(batch: Batch, rows: list[BatchRow]) -> list[tuple[str, object]]:
    codes = [row.return_code for row in rows]
    outcomes = [rc.TABLE[code].outcome for code in codes if code in rc.TABLE]
    school = batch.header.get("SourceSchool") if isinstance(batch.header, dict) else None
    school = school if isinstance(school, dict) else {}
    return [
        (_("File"), batch.file_name),
        (_("School"), str(school.get("SchoolName", ""))),
        (_("LA and establishment"), f"{school.get('LEA', '')} {school.get('Estab', '')}".strip()),
        (_("CTF version"), batch.file_version),
        (_("Pupils in the file"), len(rows)),
        (_("ULN returned in the CTF"), sum(1 for row in rows if _has_uln(row))),
        (_("of which new learners registered"), codes.count(rc.RC002)),
        (
            _("Exceptions to resolve in the portal"),
            sum(1 for code in codes if code in rc.TABLE and rc.is_exception(code)),
        ),
        (
            _("Rejected: correct in your MIS and send again"),
            outcomes.count(rc.Outcome.REJECTED),
        ),
        (pgettext("learners counted", "Not found"), outcomes.count(rc.Outcome.NOT_FOUND)),
        (
            _("Under 14: not sent"),
            sum(
                1
                for row in rows
                if not row.return_code and row.submitted.get(SKIP_KEY) == SKIP_UNDER_14
            ),
        ),
        (
            _("Not processed yet"),
            sum(
                1
                for row in rows
                if not row.return_code
                and row.state == RowState.PENDING
                and not row.submitted.get(SKIP_KEY)
            ),
        ),
        (_("Pupils needing action (Exceptions sheet)"), sum(1 for row in rows if _listed(row))),
    ]


def write_ctf_exceptions_xlsx(batch: Batch, rows: Iterable[BatchRow]) -> bytes:
    """The exceptions workbook: the pupils needing action, and a summary of the batch."""
    # openpyxl is imported here, not at the top: it costs a third of a second at start-up, and
    # every `lrs` command imports this module (through the batch services) without writing one.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    ordered = sorted(rows, key=_row_position)
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = _("Exceptions")
    bold = Font(bold=True)
    for column, label in enumerate(_column_labels(), start=1):
        _put(sheet, 1, column, label)
        sheet.cell(row=1, column=column).font = bold
    for column, (_key, width) in enumerate(_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    wrap = Alignment(wrap_text=True, vertical="top")
    line = 2
    for row in ordered:
        if not _listed(row):
            continue
        submitted = row.submitted
        code, what_to_do = _status(row)
        values = (
            submitted.get("_ctf_upn") or submitted.get("UPN") or "",
            submitted.get("FamilyName", ""),
            submitted.get("GivenName", ""),
            submitted.get("DateOfBirth", ""),
            submitted.get("LastKnownPostCode", ""),
            code,
            what_to_do,
            submitted.get("_ctf_uln", ""),
        )
        for column, value in enumerate(values, start=1):
            _put(sheet, line, column, value)
        sheet.cell(row=line, column=7).alignment = wrap
        line += 1
    summary = book.create_sheet(_("Summary"))
    _put(summary, 1, 1, _("Item"))
    _put(summary, 1, 2, _("Value"))
    summary.cell(row=1, column=1).font = bold
    summary.cell(row=1, column=2).font = bold
    summary.freeze_panes = "A2"
    summary.column_dimensions["A"].width = 48
    summary.column_dimensions["B"].width = 40
    for line, (label, value) in enumerate(_summary(batch, ordered), start=2):
        _put(summary, line, 1, label)
        _put(summary, line, 2, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
