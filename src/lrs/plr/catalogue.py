"""The qualification catalogue: loading Ofqual's register download and rules of combination.

Qualifications file: the CSV that Ofqual's register of regulated qualifications offers for
download (one row per qualification). Columns read, by their header names (others ignored):

| column | stored as |
| --- | --- |
| Qualification Number (required) | `qn`, checked and written `NNN/NNNN/C` |
| Qualification Title (required) | `title` |
| Owner Organisation Recognition Number (required) | the awarding body (`RN5196`) |
| Owner Organisation Name (required), Owner Organisation Acronym | its name and acronym |
| Qualification Level | `level`: "Entry Level" -> E, "Level 1/2" -> 1/2, "Level 3" -> 3 ... |
| Qualification Type | `qualification_type` ("GCSE (9 to 1)", "Certificate", ...) |
| Qualification SSA | `sector_subject_area`: the code before the name ("14.1 Foundations ...") |
| Total Credits, Guided Learning Hours, Total Qualification Time | whole numbers |
| Qualification Status | `status`, as written |
| Operational Start Date, Operational End Date, Certification End Date | dates (ISO or DD/MM/YYYY) |

Units file (rules of combination; our own layout, one row per unit of a group):
`Qualification Number, Rule Group, Group Type (Mandatory|Optional), Group Minimum Credits,
Unit Reference, Unit Title, Unit Level, Credit Value, Guided Learning Hours`. Loading it
replaces the groups of every qualification it names.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import NotFound, ValidationFailed
from lrs.core.roles import Permission
from lrs.identifiers import IdentifierError, validate_qn
from lrs.learners.columns import parse_date
from lrs.organisations.models import Organisation, OrganisationType
from lrs.plr.choices import Level, RuleGroupKind
from lrs.plr.models import AwardingBody, Qualification, RuleGroup, Unit

QUALIFICATION_COLUMNS = (
    "Qualification Number",
    "Qualification Title",
    "Owner Organisation Recognition Number",
    "Owner Organisation Name",
)
UNIT_COLUMNS = (
    "Qualification Number",
    "Rule Group",
    "Group Type",
    "Group Minimum Credits",
    "Unit Reference",
    "Unit Title",
    "Unit Level",
    "Credit Value",
)
_UNIT_REFERENCE = re.compile(r"[A-Z]/[0-9]{3}/[0-9]{4}")
_LEVEL = re.compile(r"level\s*([1-8])(?:\s*/\s*(?:level\s*)?([1-8]))?", re.IGNORECASE)
_SSA = re.compile(r"\s*([0-9]{1,2}(?:\.[0-9]{1,2})?)\b\s*(.*)")


@dataclass
class CatalogueReport:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def parse_level(value: str) -> str:
    """A level as the register writes it ("Entry Level", "Level 1/2", "3") as our code."""
    text = (value or "").strip()
    if not text:
        return ""
    if text.lower().startswith("entry"):
        return Level.ENTRY
    if text in Level.values:
        return text
    match = _LEVEL.search(text)
    if match is None:
        return ""
    low, high = match.groups()
    if high:
        code = f"{low}/{high}"
        return code if code in Level.values else ""
    return low


def normalise_unit_reference(value: str) -> str:
    """A unit reference in `L/601/0123` form, or raise ValueError."""
    cleaned = (value or "").strip().upper()
    compact = cleaned.replace("/", "")
    if len(compact) == 8:
        cleaned = f"{compact[0]}/{compact[1:4]}/{compact[4:]}"
    if not _UNIT_REFERENCE.fullmatch(cleaned):
        raise ValueError(cleaned)
    return cleaned


def _whole_number(value: str) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    number = int(float(text))
    if number < 0:
        raise ValueError(text)
    return number


def _date(value: str) -> datetime.date | None:
    text = (value or "").strip()
    if "T" in text:
        text = text.split("T", 1)[0]
    elif " " in text and len(text) > 10:
        text = text.split(" ", 1)[0]
    parsed = parse_date(text)
    if text and parsed is None:
        raise ValueError(text)
    return parsed


def read_csv(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file in UTF-8 (with or without BOM) or Windows-1252."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
    return header, rows


def _require(header: Iterable[str], required: Iterable[str]) -> None:
    missing = [column for column in required if column not in set(header)]
    if missing:
        raise ValidationFailed(
            _("The file's header lacks the column(s): %(columns)s.")
            % {"columns": ", ".join(missing)}
        )


def _search_text(qualification: Qualification, body: AwardingBody) -> str:
    parts = [
        qualification.title,
        qualification.qn,
        qualification.qn.replace("/", ""),
        body.name,
        body.acronym,
        qualification.qualification_type,
    ]
    return " ".join(part for part in parts if part).lower()


def _qualification_values(row: Mapping[str, str]) -> dict[str, object]:
    ssa_match = _SSA.match(row.get("Qualification SSA", "") or "")
    return {
        "title": row["Qualification Title"].strip(),
        "qualification_type": (row.get("Qualification Type") or "").strip()[:100],
        "level": parse_level(row.get("Qualification Level", "")),
        "sector_subject_area": ssa_match.group(1) if ssa_match else "",
        "sector_subject_area_name": (ssa_match.group(2).strip() if ssa_match else "")[:255],
        "total_credits": _whole_number(row.get("Total Credits", "")),
        "guided_learning_hours": _whole_number(row.get("Guided Learning Hours", "")),
        "total_qualification_time": _whole_number(row.get("Total Qualification Time", "")),
        "status": (row.get("Qualification Status") or "").strip()[:100],
        "operational_start_date": _date(row.get("Operational Start Date", "")),
        "operational_end_date": _date(row.get("Operational End Date", "")),
        "certification_end_date": _date(row.get("Certification End Date", "")),
    }


@transaction.atomic
def import_qualifications(
    *,
    actor: Actor,
    rows: Iterable[Mapping[str, str]],
    header: Iterable[str] | None = None,
    invented_titles: bool = False,
) -> CatalogueReport:
    """Add or update qualifications from rows of Ofqual's register download (by QN)."""
    ensure_can(actor, Permission.MANAGE_QUALIFICATIONS)
    rows = list(rows)
    _require(
        header if header is not None else (rows[0].keys() if rows else ()), QUALIFICATION_COLUMNS
    )
    report = CatalogueReport()
    bodies = {body.recognition_number: body for body in AwardingBody.objects.all()}
    existing = {q.qn: q for q in Qualification.objects.all()}
    for number, row in enumerate(rows, start=2):
        try:
            qn = validate_qn(row.get("Qualification Number", ""))
        except IdentifierError:
            report.rejected.append((number, _("not a valid qualification number")))
            continue
        recognition = (row.get("Owner Organisation Recognition Number") or "").strip().upper()
        title = (row.get("Qualification Title") or "").strip()
        if not recognition or not title:
            report.rejected.append((number, _("title and recognition number are required")))
            continue
        try:
            values = _qualification_values(row)
        except ValueError as exc:
            report.rejected.append((number, _("unreadable value: %(value)s") % {"value": exc}))
            continue
        body = bodies.get(recognition)
        name = (row.get("Owner Organisation Name") or "").strip() or recognition
        acronym = (row.get("Owner Organisation Acronym") or "").strip()
        if body is None:
            body = AwardingBody.objects.create(
                recognition_number=recognition, name=name[:255], acronym=acronym[:50]
            )
            bodies[recognition] = body
        elif (body.name, body.acronym) != (name[:255], acronym[:50]):
            body.name, body.acronym = name[:255], acronym[:50]
            body.save(update_fields=["name", "acronym"])
        qualification = existing.get(qn) or Qualification(qn=qn)
        created = qualification.pk is None
        for key, value in values.items():
            setattr(qualification, key, value)
        qualification.title_is_invented = invented_titles
        qualification.awarding_body = body
        qualification.search_text = _search_text(qualification, body)
        qualification.save()
        existing[qn] = qualification
        if created:
            report.created += 1
        else:
            report.updated += 1
    record_audit(
        actor=actor,
        action=AuditAction.QUALIFICATIONS_IMPORTED,
        details={"created": report.created, "updated": report.updated, "kind": "qualifications"},
    )
    return report


@transaction.atomic
def import_units(
    *,
    actor: Actor,
    rows: Iterable[Mapping[str, str]],
    header: Iterable[str] | None = None,
    invented_titles: bool = False,
) -> CatalogueReport:
    """Load units and rules of combination; each named qualification's groups are replaced."""
    ensure_can(actor, Permission.MANAGE_QUALIFICATIONS)
    rows = list(rows)
    _require(header if header is not None else (rows[0].keys() if rows else ()), UNIT_COLUMNS)
    report = CatalogueReport()
    qualifications = {q.qn: q for q in Qualification.objects.all()}
    units = {unit.unit_reference: unit for unit in Unit.objects.all()}
    groups: dict[tuple[str, str], RuleGroup] = {}
    cleared: set[str] = set()
    for number, row in enumerate(rows, start=2):
        try:
            qn = validate_qn(row.get("Qualification Number", ""))
        except IdentifierError:
            report.rejected.append((number, _("not a valid qualification number")))
            continue
        qualification = qualifications.get(qn)
        if qualification is None:
            report.rejected.append((number, _("qualification not in the catalogue")))
            continue
        kind = (row.get("Group Type") or "").strip().lower()
        group_name = (row.get("Rule Group") or "").strip()[:100]
        try:
            reference = normalise_unit_reference(row.get("Unit Reference", ""))
            minimum = _whole_number(row.get("Group Minimum Credits", "")) or 0
            credit = _whole_number(row.get("Credit Value", ""))
            hours = _whole_number(row.get("Guided Learning Hours", ""))
        except ValueError as exc:
            report.rejected.append((number, _("unreadable value: %(value)s") % {"value": exc}))
            continue
        if kind not in RuleGroupKind.values or not group_name:
            report.rejected.append(
                (number, _("group name and type (Mandatory or Optional) needed"))
            )
            continue
        if qn not in cleared:
            qualification.rule_groups.all().delete()
            cleared.add(qn)
        unit = units.get(reference) or Unit(unit_reference=reference)
        created = unit.pk is None
        unit.title = (row.get("Unit Title") or "").strip()[:500] or reference
        unit.title_is_invented = invented_titles
        unit.level = parse_level(row.get("Unit Level", ""))
        unit.credit_value = credit
        unit.guided_learning_hours = hours
        unit.save()
        units[reference] = unit
        key = (qn, group_name)
        group = groups.get(key)
        if group is None:
            group = RuleGroup.objects.create(
                qualification=qualification,
                name=group_name,
                kind=kind,
                minimum_credits=minimum,
                position=len([k for k in groups if k[0] == qn]),
            )
            groups[key] = group
        group.units.add(unit)
        if created:
            report.created += 1
        else:
            report.updated += 1
    record_audit(
        actor=actor,
        action=AuditAction.QUALIFICATIONS_IMPORTED,
        details={"created": report.created, "updated": report.updated, "kind": "units"},
    )
    return report


@transaction.atomic
def link_awarding_body(
    *, actor: Actor, recognition_number: str, organisation: Organisation
) -> AwardingBody:
    """Let an awarding organisation on the register award this body's qualifications."""
    ensure_can(actor, Permission.MANAGE_QUALIFICATIONS)
    body = AwardingBody.objects.filter(
        recognition_number=recognition_number.strip().upper()
    ).first()
    if body is None:
        raise NotFound(_("No awarding body with this recognition number is in the catalogue."))
    if organisation.organisation_type != OrganisationType.AWARDING_ORGANISATION:
        raise ValidationFailed(
            _("Only an organisation of type 'awarding organisation' can award qualifications.")
        )
    body.organisation = organisation
    body.save(update_fields=["organisation"])
    record_audit(
        actor=actor,
        action=AuditAction.AWARDING_BODY_LINKED,
        details={"recognition_number": body.recognition_number, "ukprn": organisation.ukprn},
    )
    return body
