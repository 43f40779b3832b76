"""Data returns for the service desk: ILR XML and NPD CSV files read into learning-event rows.

**ILR** (the public Individualised Learner Record specification's XML, any year's namespace):
`Message/LearningProvider/UKPRN` is the provider (the submitter); `Header/CollectionDetails/
Year` the collection year. Each `Learner` gives `LearnRefNumber`, `ULN`, `GivenNames`,
`FamilyName`, `DateOfBirth`, and each of its `LearningDelivery` elements one event:
`LearnAimRef` (the QN without slashes, as LARS writes it), `AimSeqNumber`, `LearnStartDate`,
`LearnActEndDate` (else `LearnPlanEndDate` is not used: an event ends when it ended),
`CompStatus` (1 continuing, 2 completed, 3 withdrawn, 6 break in learning), `Outcome`
(1 achieved ...), `OutGrade`, and `AchDate` when the file has it. The award date is `AchDate`,
else `LearnActEndDate` when the outcome is 1 (achieved). The record id is
`<Year>/<LearnRefNumber>/<AimSeqNumber>`, so a later return of the same year corrects it.
Programme aims (`ZPROG001`) are not learning events and are skipped. The return number is the
`NN` of the file name `ILR-<UKPRN>-<YYYY>-<yyyymmdd>-<hhmmss>-<NN>.XML` (01 otherwise).

**NPD** (key stage 4 and 5 results; one row per result), CSV with the header:
`ULN, UPN, GivenName, FamilyName, DateOfBirth, QualificationNumber, Grade, AwardDate,
KeyStage, AcademicYear, ProviderUKPRN, ProviderName, Sensitive` - ULN or UPN (one is
required), names, date of birth, QN, award date and academic year are required; `Sensitive`
is Y or N. The record id is `<AcademicYear>/<ULN or UPN:...>/<QN>`: an amended result in a
later return updates the same event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError
from django.utils.translation import gettext as _

from lrs.core.errors import ValidationFailed
from lrs.identifiers import IdentifierError, validate_ukprn
from lrs.learners.columns import parse_date
from lrs.plr.catalogue import read_csv
from lrs.plr.choices import EventStatus
from lrs.plr.services import EventRow

PROGRAMME_AIM = "ZPROG001"
_ILR_FILE_NAME = re.compile(r"ILR-\d{8}-\d{4}-\d{8}-\d{6}-(\d{2})\.XML", re.IGNORECASE)
NPD_COLUMNS = (
    "ULN",
    "UPN",
    "GivenName",
    "FamilyName",
    "DateOfBirth",
    "QualificationNumber",
    "Grade",
    "AwardDate",
    "KeyStage",
    "AcademicYear",
    "ProviderUKPRN",
    "ProviderName",
    "Sensitive",
)
NPD_REQUIRED = (
    "GivenName",
    "FamilyName",
    "DateOfBirth",
    "QualificationNumber",
    "AwardDate",
    "AcademicYear",
)


@dataclass(frozen=True)
class ParsedReturn:
    submitter_ukprn: str
    rows: list[EventRow]
    skipped: int = 0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element | None, *path: str) -> str:
    for name in path:
        if element is None:
            return ""
        element = _child(element, name)
    return (element.text or "").strip() if element is not None else ""


def _parse_xml(content: bytes) -> Element:
    parser = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    try:
        parser.feed(content)
        return parser.close()
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden):
        raise ValidationFailed(
            _("The file contains a document type declaration (DTD): an ILR file never has one.")
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise ValidationFailed(
            _(
                "The file is not well-formed XML: there is a mistake at line %(line)d, "
                "column %(column)d."
            )
            % {"line": line, "column": column + 1}
        ) from None
    except (ValueError, LookupError):
        raise ValidationFailed(_("The file could not be read as XML.")) from None


def _date_field(value: str, name: str, errors: dict[str, list[str]]) -> object:
    parsed = parse_date(value) if value else None
    if value and parsed is None:
        errors.setdefault(name, []).append(_("Write dates as YYYY-MM-DD or DD/MM/YYYY."))
    return parsed


def parse_ilr(content: bytes, *, file_name: str = "", sensitive: bool = False) -> ParsedReturn:
    """An ILR file's learning deliveries as event rows, one per aim."""
    root = _parse_xml(content)
    if _local(root.tag) != "Message":
        raise ValidationFailed(_("This is not an ILR file: its root element is not Message."))
    ukprn = _text(root, "LearningProvider", "UKPRN")
    try:
        ukprn = validate_ukprn(ukprn)
    except IdentifierError:
        raise ValidationFailed(_("The ILR file's LearningProvider has no valid UKPRN.")) from None
    year = _text(root, "Header", "CollectionDetails", "Year") or "0000"
    match = _ILR_FILE_NAME.fullmatch(file_name.rsplit("/", 1)[-1]) if file_name else None
    return_number = match.group(1) if match else "01"
    rows: list[EventRow] = []
    skipped = 0
    for learner in _children(root, "Learner"):
        reference = _text(learner, "LearnRefNumber")
        for delivery in _children(learner, "LearningDelivery"):
            aim = _text(delivery, "LearnAimRef").upper()
            if aim == PROGRAMME_AIM:
                skipped += 1
                continue
            errors: dict[str, list[str]] = {}
            date_of_birth = _date_field(_text(learner, "DateOfBirth"), "date_of_birth", errors)
            start = _date_field(
                _text(delivery, "LearnStartDate"), "participation_start_date", errors
            )
            end = _date_field(_text(delivery, "LearnActEndDate"), "participation_end_date", errors)
            achieved = _date_field(_text(delivery, "AchDate"), "achievement_award_date", errors)
            completion = _text(delivery, "CompStatus")
            outcome = _text(delivery, "Outcome")
            if achieved is None and outcome == "1":
                achieved = end
            rows.append(
                EventRow(
                    uln=_text(learner, "ULN"),
                    given_name=_text(learner, "GivenNames"),
                    family_name=_text(learner, "FamilyName"),
                    date_of_birth=date_of_birth,  # type: ignore[arg-type]
                    subject_code=aim,
                    source_record_id=f"{year}/{reference}/{_text(delivery, 'AimSeqNumber')}",
                    grade=_text(delivery, "OutGrade"),
                    achievement_award_date=achieved,  # type: ignore[arg-type]
                    participation_start_date=start,  # type: ignore[arg-type]
                    participation_end_date=end,  # type: ignore[arg-type]
                    achievement_provider_ukprn=ukprn,
                    sensitive=sensitive,
                    status=EventStatus.FINAL
                    if completion in ("2", "3")
                    else EventStatus.CONTINUING,
                    completion_status=completion,
                    outcome=outcome,
                    return_number=return_number,
                    parse_errors=errors,
                )
            )
    if not rows and not skipped:
        raise ValidationFailed(_("The ILR file has no LearningDelivery to load."))
    return ParsedReturn(submitter_ukprn=ukprn, rows=rows, skipped=skipped)


def _npd_row(values: Mapping[str, str]) -> EventRow:
    def get(name: str) -> str:
        return (values.get(name) or "").strip()

    errors: dict[str, list[str]] = {}
    for name in NPD_REQUIRED:
        if not get(name):
            errors.setdefault(name, []).append(_("This column is required."))
    if not get("ULN") and not get("UPN"):
        errors.setdefault("ULN", []).append(_("Give the pupil's ULN or UPN."))
    sensitive = get("Sensitive").upper()
    if sensitive not in ("", "Y", "N"):
        errors.setdefault("Sensitive", []).append(_("Write Y or N."))
    date_of_birth = _date_field(get("DateOfBirth"), "DateOfBirth", errors)
    award = _date_field(get("AwardDate"), "AwardDate", errors)
    learner_key = get("ULN") or "UPN:" + get("UPN").upper()
    return EventRow(
        uln=get("ULN"),
        upn=get("UPN"),
        given_name=get("GivenName"),
        family_name=get("FamilyName"),
        date_of_birth=date_of_birth,  # type: ignore[arg-type]
        subject_code=get("QualificationNumber"),
        source_record_id=f"{get('AcademicYear')}/{learner_key}/{get('QualificationNumber').upper()}",
        grade=get("Grade"),
        achievement_award_date=award,  # type: ignore[arg-type]
        achievement_provider_ukprn=get("ProviderUKPRN")[:8],
        achievement_provider_name=get("ProviderName"),
        sensitive=sensitive == "Y",
        return_number="01",
        parse_errors=errors,
    )


def parse_npd(content: bytes) -> ParsedReturn:
    """An NPD results file's rows as event rows."""
    header, rows = read_csv(content)
    missing = [column for column in NPD_REQUIRED if column not in header]
    unknown = [column for column in header if column not in NPD_COLUMNS]
    if missing or unknown or not ({"ULN", "UPN"} & set(header)):
        problems = []
        if missing:
            problems.append(_("missing column(s): %(cols)s") % {"cols": ", ".join(missing)})
        if unknown:
            problems.append(_("unknown column(s): %(cols)s") % {"cols": ", ".join(unknown)})
        if not ({"ULN", "UPN"} & set(header)):
            problems.append(_("a ULN or UPN column is needed"))
        raise ValidationFailed(_("The file's header is not usable: %s.") % "; ".join(problems))
    if not rows:
        raise ValidationFailed(_("The NPD file has no results."))
    return ParsedReturn(submitter_ukprn="NPD", rows=[_npd_row(row) for row in rows])
