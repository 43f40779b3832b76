"""The achievement file: an awarding organisation's achievements as CSV (one row per event).

Header (names as in the real `LearningEvent`; order free, unknown columns refused):

| column | required | meaning |
| --- | --- | --- |
| ULN | yes | the learner's ULN |
| GivenName, FamilyName | yes | as the learner is registered (known variants accepted) |
| DateOfBirth | yes | YYYY-MM-DD or DD/MM/YYYY |
| SubjectCode | yes | qualification number (601/4703/9 or 60147039) or unit reference |
| SourceRecordId | yes | your own id of the record: the same id again updates it |
| AchievementAwardDate | yes | date awarded |
| Grade, Credits | no | as awarded; a unit's credit value is used when Credits is empty |
| ParticipationStartDate, ParticipationEndDate | no | dates |
| AchievementProviderUkprn, AchievementProviderName | no | the centre |
| LanguageForAssessment | no | en, cy, ga or gd |
| Sensitive | no | Y for a restricted record (never shown to organisations) |

UTF-8 (with or without BOM) or Windows-1252; at most `MAX_ROWS` rows. Each row is read into an
`EventRow` on its own: a bad value rejects that row (code `invalid`), not the file.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from lrs.core.errors import ValidationFailed
from lrs.learners.columns import parse_date
from lrs.plr.catalogue import read_csv
from lrs.plr.services import EventRow

MAX_ROWS = 5000
REQUIRED = (
    "ULN",
    "GivenName",
    "FamilyName",
    "DateOfBirth",
    "SubjectCode",
    "SourceRecordId",
    "AchievementAwardDate",
)
OPTIONAL = (
    "Grade",
    "Credits",
    "ParticipationStartDate",
    "ParticipationEndDate",
    "AchievementProviderUkprn",
    "AchievementProviderName",
    "LanguageForAssessment",
    "Sensitive",
)
COLUMNS = REQUIRED + OPTIONAL
_DATES = {
    "DateOfBirth": "date_of_birth",
    "AchievementAwardDate": "achievement_award_date",
    "ParticipationStartDate": "participation_start_date",
    "ParticipationEndDate": "participation_end_date",
}


def read_achievement_file(content: bytes) -> list[dict[str, str]]:
    """The file's rows by column name, or ValidationFailed saying why the file is unusable."""
    header, rows = read_csv(content)
    missing = [column for column in REQUIRED if column not in header]
    unknown = [column for column in header if column not in COLUMNS]
    problems = []
    if missing:
        problems.append(_("missing column(s): %(cols)s") % {"cols": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown column(s): %(cols)s") % {"cols": ", ".join(unknown)})
    if problems:
        raise ValidationFailed(_("The file's header is not usable: %s.") % "; ".join(problems))
    if not rows:
        raise ValidationFailed(_("The achievement file has no rows."))
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(
            _("An achievement file may have at most %(max)d rows; this one has %(n)d.")
            % {"max": MAX_ROWS, "n": len(rows)}
        )
    return [{column: (row.get(column) or "").strip() for column in COLUMNS} for row in rows]


def event_row(values: Mapping[str, str]) -> EventRow:
    """One file row as an EventRow; problems go in `parse_errors` (the row is then rejected)."""
    errors: dict[str, list[str]] = {}
    for column in REQUIRED:
        if not values.get(column):
            errors.setdefault(column, []).append(_("This column is required."))
    dates = {}
    for column, name in _DATES.items():
        raw = values.get(column, "")
        dates[name] = parse_date(raw) if raw else None
        if raw and dates[name] is None:
            errors.setdefault(column, []).append(_("Write dates as YYYY-MM-DD or DD/MM/YYYY."))
    credits = None
    if values.get("Credits"):
        try:
            credits = int(values["Credits"])
        except ValueError:
            errors.setdefault("Credits", []).append(_("Write a whole number."))
    sensitive = values.get("Sensitive", "").upper()
    if sensitive not in ("", "Y", "N"):
        errors.setdefault("Sensitive", []).append(_("Write Y or N."))
    return EventRow(
        uln=values.get("ULN", ""),
        given_name=values.get("GivenName", ""),
        family_name=values.get("FamilyName", ""),
        subject_code=values.get("SubjectCode", ""),
        source_record_id=values.get("SourceRecordId", ""),
        grade=values.get("Grade", ""),
        credits=credits,
        achievement_provider_ukprn=values.get("AchievementProviderUkprn", ""),
        achievement_provider_name=values.get("AchievementProviderName", ""),
        language_for_assessment=values.get("LanguageForAssessment", "").lower(),
        sensitive=sensitive == "Y",
        parse_errors=errors,
        **dates,  # type: ignore[arg-type]
    )
