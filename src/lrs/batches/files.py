"""Reading LRB batch files (CSV or XML) into a `ParsedBatch` (DESIGN 3.5; lrs-domain.md 4).

A file either passes every file-level check below or is refused as a whole with one
`BadBatchFile` whose message says what is wrong and how to fix it. Problems inside a learner's
row (a bad date, postcode, gender...) are not file errors: the row is kept as submitted and row
validation gives it a return code.

File name
    ``LRB_<UKPRN>_<DDMMYYYYHHMM>.CSV`` or ``.XML``: an 8-digit UKPRN (the uploader's), the date
    and time the file was made, and the extension in capitals. A path before the name is
    dropped. The extension must agree with the content (XML starts with ``<``).

Size and encoding
    Not empty (the upload's size limit is checked before the file is read: `uploads`). No NUL
    bytes (UTF-16 is refused). The bytes are read as UTF-8 (with or without a byte-order mark)
    and, failing that, as Windows-1252; bytes invalid in both (e.g. 0x81) refuse the file. An
    XML declaration's ``encoding`` is not used: the same rule applies to both formats.

Header fields (both formats)
    ``FileVersion`` (``3A``; ``2A`` still read), ``FileName`` (the sender's own reference),
    ``UKPRN`` (must be the uploader's), ``Email`` (contact address), all required and not blank,
    and optional ``SubmissionType``: ``FUL`` (find, else register; the default) or ``CHK``
    (find only). The real 3A header does not carry the submission type in our reference, so
    this field is ours; the portal/API ``submission_type`` argument, when given, overrides it.
    Header field names are matched ignoring case, spaces and underscores (``File Version`` is
    ``FileVersion``); ``EmailAddress`` is read as ``Email``. Values are case-insensitive
    (``3a``, ``chk``).

CSV layout
    Row 1: the header field names. Row 2: the header values. Row 3: the learner column
    headings (case-sensitive). Then one row per learner. Rows whose cells are all blank are
    skipped (spreadsheets leave them); blank cells after the last heading are ignored, but a
    row with more non-blank cells than headings is refused. Commas separate cells; quoted
    cells may hold commas, quotes (doubled) and line breaks; CRLF or LF line endings.

XML layout (element names from the reference types; any namespace or none, by local name;
the reference namespace is ``http://api.lrs.miap.gov.uk/learner``)::

    <BatchRegistration xmlns="http://api.lrs.miap.gov.uk/learner">
      <FileVersion>3A</FileVersion>
      <FileName>Autumn intake</FileName>
      <UKPRN>10034567</UKPRN>
      <Email>mis@example.ac.uk</Email>
      <SubmissionType>FUL</SubmissionType>          <!-- optional -->
      <Learner>
        <MISIdentifier>A0001</MISIdentifier>
        <GivenName>Megan</GivenName>
        ...                                         <!-- the learner columns below -->
      </Learner>
      ...
    </BatchRegistration>

    Parsed only with defusedxml: a DTD (``<!DOCTYPE``), entity declarations and references to
    external files refuse the file. A learner's columns are the union of its file's ``Learner``
    child names; an element a learner leaves out reads as blank.

Learner columns (both formats)
    The `BatchLearner` fields (ULN, MISIdentifier, Title, GivenName, PreferredGivenName,
    MiddleOtherName, FamilyName, PreviousFamilyName, FamilyNameAtAge16, SchoolAtAge16,
    LastKnownAddressLine1, LastKnownAddressLine2, LastKnownAddressTown,
    LastKnownAddressCountyOrCity, LastKnownPostCode, DateOfAddressCapture, DateOfBirth,
    PlaceOfBirth, EmailAddress, Gender, Nationality, ScottishCandidateNumber, AbilityToShare,
    VerificationType, OtherVerificationDescription, Notes) and the 3A names MiddleNames,
    PrivacyNoticeSeen, UPN and UCI; either name of a renamed field is read (not both), in any
    order, in either file version. Required: `REQUIRED_COLUMNS`. Each row becomes a dict from
    the column names as submitted to the stripped cell text; 1 to 5000 learners.

`ParsedBatch.header` keeps, as lists so that their order survives a JSON(B) column:
``{"fields": [[name, value], ...], "columns": [name, ...], "namespace": str}``; the output
file (`lrs.batches.output`) echoes them.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element
from xml.parsers.expat import ErrorString

import defusedxml.ElementTree as DefusedET
from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext as _

from lrs.batches.models import FileFormat, SubmissionType
from lrs.batches.parsed import MAX_ROWS, MIN_ROWS, ParsedBatch
from lrs.core.errors import ValidationFailed
from lrs.learners.columns import COLUMN_TO_FIELD

FILE_VERSIONS = ("3A", "2A")
CURRENT_FILE_VERSION = "3A"
XML_NAMESPACE = "http://api.lrs.miap.gov.uk/learner"
XML_ROOT = "BatchRegistration"
XML_LEARNER = "Learner"

FILE_NAME_RE = re.compile(r"LRB_(?P<ukprn>\d{8})_(?P<stamp>\d{12})\.(?P<ext>CSV|XML)")
FILE_NAME_PATTERN = "LRB_<UKPRN>_<DDMMYYYYHHMM>.CSV|.XML"

# Header fields, in the order they are written; SubmissionType is optional.
HEADER_FIELDS = ("FileVersion", "FileName", "UKPRN", "Email", "SubmissionType")
REQUIRED_HEADER_FIELDS = HEADER_FIELDS[:4]
_HEADER_ALIASES = {"emailaddress": "Email"}

# BatchLearner, in its order; then the names 3A added.
BATCH_LEARNER_COLUMNS = (
    "ULN",
    "MISIdentifier",
    "Title",
    "GivenName",
    "PreferredGivenName",
    "MiddleOtherName",
    "FamilyName",
    "PreviousFamilyName",
    "FamilyNameAtAge16",
    "SchoolAtAge16",
    "LastKnownAddressLine1",
    "LastKnownAddressLine2",
    "LastKnownAddressTown",
    "LastKnownAddressCountyOrCity",
    "LastKnownPostCode",
    "DateOfAddressCapture",
    "DateOfBirth",
    "PlaceOfBirth",
    "EmailAddress",
    "Gender",
    "Nationality",
    "ScottishCandidateNumber",
    "AbilityToShare",
    "VerificationType",
    "OtherVerificationDescription",
    "Notes",
)
COLUMNS_3A = ("MiddleNames", "PrivacyNoticeSeen", "UPN", "UCI")
KNOWN_COLUMNS = frozenset(BATCH_LEARNER_COLUMNS + COLUMNS_3A)
REQUIRED_COLUMNS = (
    "MISIdentifier",
    "GivenName",
    "FamilyName",
    "DateOfBirth",
    "Gender",
    "LastKnownPostCode",
)

_EMAIL = EmailValidator()
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class BadBatchFile(ValidationFailed):
    """The file as a whole cannot be read as a batch file; nothing of it was stored."""

    code = "bad_batch_file"


@dataclass(frozen=True)
class _Content:
    """What both formats yield before the shared header and column checks."""

    fields: list[tuple[str, str]]  # header (name as in the file, value)
    columns: list[str]
    rows: list[dict[str, str]]
    namespace: str = ""


# --- Entry point ------------------------------------------------------------------------------


def parse_batch_file(
    *,
    file_name: str,
    content: bytes,
    uploader_ukprn: str,
    submission_type: str | None = None,
) -> ParsedBatch:
    """Check a whole uploaded batch file and return its header and rows, or raise BadBatchFile.

    `submission_type` (FUL or CHK), chosen by the uploader in the portal or API, overrides the
    file's optional SubmissionType header field; without either, the batch is FUL.
    """
    if not content.strip():
        raise BadBatchFile(_("The file is empty."))
    name, file_format = _check_file_name(file_name, uploader_ukprn)
    text = _decode(content)
    if not text.strip():  # a byte-order mark alone, say
        raise BadBatchFile(_("The file is empty."))
    looks_xml = text.lstrip().startswith("<")
    if file_format == FileFormat.CSV and looks_xml:
        raise BadBatchFile(
            _(
                "The file name ends in .CSV but the file contains XML: name it .XML, "
                "or upload the CSV file."
            )
        )
    if file_format == FileFormat.XML and not looks_xml:
        raise BadBatchFile(
            _(
                "The file name ends in .XML but the file is not XML (it should begin with "
                "<?xml or <BatchRegistration>): name it .CSV if it is a CSV file."
            )
        )
    parsed = _read_xml(text) if file_format == FileFormat.XML else _read_csv(text)
    header = _check_header(parsed.fields, uploader_ukprn)
    _check_row_count(len(parsed.rows))
    _check_columns(parsed.columns, _columns_place(file_format))
    return ParsedBatch(
        file_name=name,
        file_format=str(file_format),
        submission_type=_submission_type(submission_type, header.get("SubmissionType", "")),
        rows=parsed.rows,
        file_version=header["FileVersion"].upper(),
        file_reference=header["FileName"],
        contact_email=header["Email"],
        header={
            "fields": [[field, value] for field, value in parsed.fields],
            "columns": list(parsed.columns),
            "namespace": parsed.namespace,
        },
    )


# --- File name, size, encoding ------------------------------------------------------------------


def _check_file_name(file_name: str, uploader_ukprn: str) -> tuple[str, FileFormat]:
    """The base name and format of a well-named file of the uploader's."""
    name = re.split(r"[\\/]", file_name.strip())[-1]
    match = FILE_NAME_RE.fullmatch(name)
    if match is None:
        if FILE_NAME_RE.fullmatch(name[:-4] + name[-4:].upper()):
            raise BadBatchFile(
                _("The file name %(name)s must end in .CSV or .XML in capital letters.")
                % {"name": name}
            )
        raise BadBatchFile(
            _(
                "The file name %(name)s does not follow the pattern %(pattern)s: an 8-digit "
                "UKPRN, the date and time the file was made, and the extension in capitals, "
                "for example LRB_10034567_150320251030.CSV."
            )
            % {"name": name or "''", "pattern": FILE_NAME_PATTERN}
        )
    try:
        datetime.datetime.strptime(match["stamp"], "%d%m%Y%H%M")  # noqa: DTZ007 - checked only
    except ValueError:
        raise BadBatchFile(
            _(
                "The date and time in the file name (%(stamp)s) is not a real one: write "
                "DDMMYYYYHHMM, for example 150320251030 for 15 March 2025 at 10:30."
            )
            % {"stamp": match["stamp"]}
        ) from None
    if match["ukprn"] != uploader_ukprn:
        raise BadBatchFile(
            _("The UKPRN in the file name (%(found)s) is not your organisation's (%(yours)s).")
            % {"found": match["ukprn"], "yours": uploader_ukprn}
        )
    return name, FileFormat.XML if match["ext"] == "XML" else FileFormat.CSV


def _decode(content: bytes) -> str:
    """UTF-8 (a byte-order mark is dropped), else Windows-1252; refuse anything else."""
    if content.startswith(_UTF16_BOMS):
        raise BadBatchFile(
            _(
                "The file is saved as UTF-16 (“Unicode text”): save it as UTF-8 "
                "(in Excel, “CSV UTF-8”) or Windows-1252."
            )
        )
    nul = content.find(b"\x00")
    if nul >= 0:
        raise BadBatchFile(
            _(
                "The file contains a NUL byte (line %(line)d): it is not a text file, or it "
                "was saved as UTF-16. Save it as UTF-8 text."
            )
            % {"line": content.count(b"\n", 0, nul) + 1}
        )
    if content.startswith(_UTF8_BOM):
        content = content[len(_UTF8_BOM) :]
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise BadBatchFile(
            _(
                "The file is neither UTF-8 nor Windows-1252 text: byte 0x%(byte)02X on line "
                "%(line)d cannot be read. Save the file as UTF-8."
            )
            % {"byte": content[exc.start], "line": content.count(b"\n", 0, exc.start) + 1}
        ) from None


# --- CSV ----------------------------------------------------------------------------------------


def _read_csv(text: str) -> _Content:
    records: list[tuple[int, list[str]]] = []  # (first line of the record, cells)
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((line, [cell.strip() for cell in cells]))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise BadBatchFile(
            _("The CSV file cannot be read at line %(line)d: %(error)s.")
            % {"line": reader.line_num, "error": exc}
        ) from None
    if len(records) < 3:
        raise BadBatchFile(
            _(
                "The CSV file has %(n)d row(s) of text; it needs the header field names "
                "(row 1), the header values (row 2), the learner column headings (row 3) and "
                "then one row per learner."
            )
            % {"n": len(records)}
        )
    names, (values_line, values), headings = records[0][1], records[1], records[2][1]
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        raise BadBatchFile(
            _(
                "Row 1 is one cell holding semicolons or tabs: save the file as CSV with "
                "commas between cells (in Excel, “CSV UTF-8 (Comma delimited)”)."
            )
        )
    if set(names) & set(REQUIRED_COLUMNS):
        raise BadBatchFile(
            _(
                "Row 1 looks like the learner column headings. A batch file starts with two "
                "header rows: the field names %(fields)s, then their values; the learner "
                "column headings come third."
            )
            % {"fields": ", ".join(REQUIRED_HEADER_FIELDS)}
        )
    names = _trim_names(names, _("Row 1 (the header field names)"))
    if len(_trim_blank(values)) > len(names):
        raise BadBatchFile(
            _(
                "Row 2 (the header values, line %(line)d) has more values than row 1 has "
                "field names."
            )
            % {"line": values_line}
        )
    values = values + [""] * (len(names) - len(values))
    headings = _trim_names(headings, _("Row 3 (the learner column headings)"))
    rows = []
    for number, (start, cells) in enumerate(records[3:], start=1):
        if len(_trim_blank(cells)) > len(headings):
            raise BadBatchFile(
                _(
                    "Learner %(n)d (line %(line)d) has %(cells)d cells but there are only "
                    "%(headings)d column headings."
                )
                % {
                    "n": number,
                    "line": start,
                    "cells": len(_trim_blank(cells)),
                    "headings": len(headings),
                }
            )
        cells = cells + [""] * (len(headings) - len(cells))
        rows.append(dict(zip(headings, cells, strict=False)))
    return _Content(fields=list(zip(names, values, strict=False)), columns=headings, rows=rows)


def _trim_blank(cells: list[str]) -> list[str]:
    """The cells up to the last non-blank one (spreadsheets add empty cells at the end)."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]


def _trim_names(names: list[str], where: str) -> list[str]:
    """Names without trailing blanks; a blank name between others refuses the file."""
    names = _trim_blank(names)
    for position, name in enumerate(names, start=1):
        if not name:
            raise BadBatchFile(
                _("%(where)s has a blank name in column %(n)d.") % {"where": where, "n": position}
            )
    return names


# --- XML ----------------------------------------------------------------------------------------


def _local(tag: object) -> str:
    """An element's name without its namespace."""
    return str(tag).rpartition("}")[2]


def _namespace(tag: object) -> str:
    tag = str(tag)
    return tag[1:].partition("}")[0] if tag.startswith("{") else ""


def _parse_xml(text: str) -> Element:
    """Parse with defusedxml, refusing DTDs, entities and external references by name."""
    # Blank lines before the XML declaration are tolerated; line numbers stay the file's.
    skipped_lines = text[: len(text) - len(text.lstrip())].count("\n")
    text = text.lstrip()
    try:
        return DefusedET.fromstring(
            text, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DTDForbidden as exc:
        if exc.sysid or exc.pubid:
            raise _external_refused() from None
        # Look inside the DTD (still refusing entities) to say what it does.
        try:
            DefusedET.fromstring(text, forbid_dtd=False, forbid_entities=True)
        except EntitiesForbidden as inner:
            if inner.sysid or inner.pubid:
                raise _external_refused() from None
            raise _entities_refused() from None
        except (DefusedET.ParseError, ExternalReferenceForbidden):
            pass
        raise BadBatchFile(
            _(
                "The XML file has a document type declaration (<!DOCTYPE ...>). Batch files "
                "must not have one: remove it."
            )
        ) from None
    except EntitiesForbidden as exc:
        if exc.sysid or exc.pubid:
            raise _external_refused() from None
        raise _entities_refused() from None
    except ExternalReferenceForbidden:
        raise _external_refused() from None
    except DefusedET.ParseError as exc:
        line, column = exc.position
        raise BadBatchFile(
            _("The XML file is not well-formed: %(error)s at line %(line)d, column %(column)d.")
            % {
                "error": ErrorString(exc.code),
                "line": line + skipped_lines,
                "column": column + 1,
            }
        ) from None


def _entities_refused() -> BadBatchFile:
    return BadBatchFile(
        _(
            "The XML file declares entities (<!ENTITY ...>). Batch files must not declare "
            "entities: remove the <!DOCTYPE ...> part."
        )
    )


def _external_refused() -> BadBatchFile:
    return BadBatchFile(
        _(
            "The XML file refers to an external file or address (SYSTEM or PUBLIC). Batch "
            "files must not refer to anything outside themselves: remove the <!DOCTYPE ...> "
            "part."
        )
    )


def _text_of(element: Element, where: str) -> str:
    if len(element):
        raise BadBatchFile(
            _("%(where)s: the element %(name)s must hold text only, not other elements.")
            % {"where": where, "name": _local(element.tag)}
        )
    return (element.text or "").strip()


def _read_xml(text: str) -> _Content:
    root = _parse_xml(text)
    if _local(root.tag) != XML_ROOT:
        raise BadBatchFile(
            _("The XML file's root element is %(found)s; it must be %(root)s.")
            % {"found": _local(root.tag), "root": XML_ROOT}
        )
    fields: list[tuple[str, str]] = []
    learners: list[Element] = []
    for child in root:
        if not isinstance(child.tag, str):  # comments, processing instructions
            continue
        if _local(child.tag) == XML_LEARNER:
            learners.append(child)
        else:
            fields.append((_local(child.tag), _text_of(child, XML_ROOT)))
    columns: list[str] = []
    seen_columns: set[str] = set()
    parsed: list[dict[str, str]] = []
    for number, learner in enumerate(learners, start=1):
        where = _("Learner %(n)d") % {"n": number}
        values: dict[str, str] = {}
        for element in learner:
            if not isinstance(element.tag, str):
                continue
            name = _local(element.tag)
            if name in values:
                raise BadBatchFile(
                    _("Learner %(n)d has the element %(name)s more than once.")
                    % {"n": number, "name": name}
                )
            values[name] = _text_of(element, where)
            if name not in seen_columns:
                seen_columns.add(name)
                columns.append(name)
        parsed.append(values)
    rows = [{column: values.get(column, "") for column in columns} for values in parsed]
    return _Content(fields=fields, columns=columns, rows=rows, namespace=_namespace(root.tag))


# --- Shared checks --------------------------------------------------------------------------------


def header_field(name: str) -> str:
    """The canonical header field a name in a file means ("" when none): FileVersion, ..."""
    key = re.sub(r"[\s_]", "", name).lower()
    key = _HEADER_ALIASES.get(key, key)
    return next((field for field in HEADER_FIELDS if field.lower() == key.lower()), "")


def _check_header(fields: Sequence[tuple[str, str]], uploader_ukprn: str) -> dict[str, str]:
    """The header's values by canonical field name, once each header rule has passed."""
    unknown = [name for name, _value in fields if not header_field(name)]
    if unknown:
        raise BadBatchFile(
            _(
                "Unknown header field(s): %(names)s. The header fields are %(fields)s and, "
                "optionally, SubmissionType."
            )
            % {"names": ", ".join(unknown), "fields": ", ".join(REQUIRED_HEADER_FIELDS)}
        )
    header: dict[str, str] = {}
    for name, value in fields:
        key = header_field(name)
        if key in header:
            raise BadBatchFile(
                _("The header field %(name)s appears more than once.") % {"name": key}
            )
        header[key] = value
    missing = [name for name in REQUIRED_HEADER_FIELDS if name not in header]
    if missing:
        raise BadBatchFile(
            _("The header has no %(names)s field: the header fields are %(fields)s.")
            % {"names": ", ".join(missing), "fields": ", ".join(REQUIRED_HEADER_FIELDS)}
        )
    blank = [name for name in REQUIRED_HEADER_FIELDS if not header[name]]
    if blank:
        raise BadBatchFile(
            _("The header has no value for %(names)s.") % {"names": ", ".join(blank)}
        )
    version = header["FileVersion"].upper()
    if version not in FILE_VERSIONS:
        raise BadBatchFile(
            _(
                "File version %(version)s is not accepted: use %(current)s (files of version "
                "2A are still read)."
            )
            % {"version": header["FileVersion"], "current": CURRENT_FILE_VERSION}
        )
    if header["UKPRN"] != uploader_ukprn:
        raise BadBatchFile(
            _("The UKPRN in the file's header (%(found)s) is not your organisation's (%(yours)s).")
            % {"found": header["UKPRN"], "yours": uploader_ukprn}
        )
    try:
        _EMAIL(header["Email"])
    except ValidationError:
        raise BadBatchFile(
            _("The header's Email (%(value)s) is not a valid email address.")
            % {"value": header["Email"]}
        ) from None
    return header


def _columns_place(file_format: FileFormat) -> str:
    if file_format == FileFormat.XML:
        return _("the Learner elements")
    return _("row 3 (the learner column headings)")


def _suggestion(name: str) -> str:
    by_lower = {known.lower(): known for known in KNOWN_COLUMNS}
    known = by_lower.get(re.sub(r"[\s_]", "", name).lower())
    if known is None:
        return name
    return _("%(name)s (did you mean %(known)s?)") % {"name": name, "known": known}


def _check_columns(columns: Sequence[str], where: str) -> None:
    """Each learner column known, once, and every required one present."""
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if duplicated:
        raise BadBatchFile(
            _("Repeated learner column(s) in %(where)s: %(names)s. Keep each column once.")
            % {"where": where, "names": ", ".join(duplicated)}
        )
    unknown = [name for name in columns if name not in KNOWN_COLUMNS]
    if unknown:
        raise BadBatchFile(
            _("Unknown learner column(s) in %(where)s: %(names)s. Column names are case-sensitive.")
            % {"where": where, "names": ", ".join(_suggestion(name) for name in unknown)}
        )
    by_field: dict[str, list[str]] = {}
    for name in columns:
        if name in COLUMN_TO_FIELD:
            by_field.setdefault(COLUMN_TO_FIELD[name], []).append(name)
    for names in by_field.values():
        if len(names) > 1:
            raise BadBatchFile(
                _(
                    "Both %(names)s are in %(where)s: they are one field, under its old and "
                    "3A names. Keep one."
                )
                % {"where": where, "names": _(" and ").join(names)}
            )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise BadBatchFile(
            _("Missing required learner column(s) in %(where)s: %(names)s.")
            % {"where": where, "names": ", ".join(missing)}
        )


def _check_row_count(count: int) -> None:
    if count < MIN_ROWS:
        raise BadBatchFile(
            _("The file has no learners: add one row (or Learner element) per learner.")
        )
    if count > MAX_ROWS:
        raise BadBatchFile(
            _(
                "The file has %(n)d learners; a batch file can have at most %(max)d. Split it "
                "into several files."
            )
            % {"n": count, "max": MAX_ROWS}
        )


def _submission_type(chosen: str | None, in_file: str) -> str:
    """The uploader's choice, else the file's SubmissionType, else FUL."""
    value = (chosen if chosen is not None and chosen.strip() else in_file).strip().upper()
    if not value:
        return str(SubmissionType.FULL)
    if value not in SubmissionType.values:
        raise BadBatchFile(
            _(
                "Submission type %(value)s is not known: use FUL (find, else register) or "
                "CHK (find only)."
            )
            % {"value": value}
        )
    return value
