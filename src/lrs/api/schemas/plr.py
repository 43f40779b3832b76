"""Input and output shapes of the PLR web services.

A learning event's fields are the real service's `LearningEvent` names in snake_case
(`AchievementAwardDate` -> achievement_award_date) with the real values (`Source` AO/ILR/NPD,
`Level` "Level 3", `Restriction` "0", `UnderDataChallenge` "Y"/"N").
"""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Field, Schema

from lrs.api.schemas.base import MAX_INT, NON_BLANK, ULN_PATTERN, RequestSchema
from lrs.plr.choices import SOAP_LANGUAGE, SOAP_LEVEL, LanguageForAssessment, Level
from lrs.plr.models import LearningEvent, Qualification
from lrs.plr.services import EventRow, RowOutcome


class AchievementIn(RequestSchema):
    uln: str = Field(max_length=20, pattern=ULN_PATTERN)
    given_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    family_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    date_of_birth: datetime.date
    subject_code: str = Field(
        max_length=20, description="Qualification number (600/1166/X) or unit reference"
    )
    source_record_id: str = Field(
        max_length=100,
        description="Your own id of this record: sending it again updates the same event",
    )
    grade: str = Field(default="", max_length=20)
    credits: int | None = Field(default=None, ge=0, le=MAX_INT)
    achievement_award_date: datetime.date
    participation_start_date: datetime.date | None = None
    participation_end_date: datetime.date | None = None
    achievement_provider_ukprn: str = Field(default="", max_length=8)
    achievement_provider_name: str = Field(default="", max_length=255)
    language_for_assessment: str = Field(default="", max_length=2, description="en, cy, ga or gd")
    sensitive: bool = False

    def to_row(self) -> EventRow:
        return EventRow(**self.dict())


class AchievementsIn(RequestSchema):
    achievements: list[AchievementIn] = Field(min_length=1, max_length=1000)


class AchievementResultOut(Schema):
    position: int
    source_record_id: str
    uln: str
    outcome: str = Field(description="created, updated, unchanged or rejected")
    code: str = Field(description="why a row was rejected (empty otherwise)")
    message: str
    fields: dict[str, list[str]] = Field(default_factory=dict)

    @classmethod
    def of(cls, outcome: RowOutcome) -> AchievementResultOut:
        return cls(
            position=outcome.position,
            source_record_id=outcome.source_record_id,
            uln=outcome.uln,
            outcome=outcome.status,
            code=outcome.code,
            message=outcome.message,
            fields=outcome.fields,
        )


class AchievementsOut(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int
    results: list[AchievementResultOut]


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


class LearningEventOut(Schema):
    id: int
    achievement_award_date: str | None
    achievement_provider_name: str
    achievement_provider_ukprn: str
    awarding_organisation_name: str
    awarding_organisation_ukprn: str
    collection_type: str
    credits: int
    date_loaded: str = Field(description='"yyyy-MM-dd HH:mm:ss", as the real service writes it')
    grade: str
    language_for_assessment: str | None
    level: str | None
    participation_end_date: str | None
    participation_start_date: str | None
    qualification_type: str
    restriction: str
    return_number: str
    source: str
    status: str
    subject: str
    subject_code: str
    under_data_challenge: str

    @staticmethod
    def of(event: LearningEvent) -> dict[str, Any]:
        """The event's fields (a dict: ninja validates it against this schema once, which is
        several times faster than building the schema and having it validated again)."""
        return dict(
            id=event.pk,
            achievement_award_date=_date(event.achievement_award_date),
            achievement_provider_name=event.achievement_provider_name,
            achievement_provider_ukprn=event.achievement_provider_ukprn,
            awarding_organisation_name=event.awarding_organisation_name,
            awarding_organisation_ukprn=event.awarding_organisation_ukprn,
            collection_type=event.collection_type,
            credits=event.credits or 0,
            date_loaded=event.date_loaded.strftime("%Y-%m-%d %H:%M:%S"),
            grade=event.grade,
            language_for_assessment=SOAP_LANGUAGE.get(
                LanguageForAssessment(event.language_for_assessment)
            )
            if event.language_for_assessment
            else None,
            level=SOAP_LEVEL.get(Level(event.level)) if event.level else None,
            participation_end_date=_date(event.participation_end_date),
            participation_start_date=_date(event.participation_start_date),
            qualification_type=event.qualification_type,
            restriction=event.restriction,
            return_number=event.return_number,
            source=event.source,
            status=event.status,
            subject=event.subject,
            subject_code=event.subject_code,
            under_data_challenge=event.under_data_challenge,
        )


class LearningEventsOut(Schema):
    response_code: str = Field(description="WSRC0004, or WSRC0022 when a linked ULN was asked for")
    found_uln: str
    incoming_uln: str
    page: int
    page_count: int
    total: int
    learning_events: list[LearningEventOut]


class PlrRefusedOut(Schema):
    code: str
    message: str
    found_uln: str
    incoming_uln: str
    learning_events: list[LearningEventOut] = Field(default_factory=list)


class QualificationOut(Schema):
    qn: str
    title: str
    title_is_invented: bool
    qualification_type: str
    level: str | None
    awarding_organisation: str
    awarding_organisation_recognition_number: str
    sector_subject_area: str
    total_credits: int | None
    guided_learning_hours: int | None
    operational_start_date: datetime.date | None
    operational_end_date: datetime.date | None

    @classmethod
    def of(cls, qualification: Qualification) -> QualificationOut:
        return cls(
            qn=qualification.qn,
            title=qualification.title,
            title_is_invented=qualification.title_is_invented,
            qualification_type=qualification.qualification_type,
            level=SOAP_LEVEL.get(Level(qualification.level)) if qualification.level else None,
            awarding_organisation=qualification.awarding_body.name,
            awarding_organisation_recognition_number=qualification.awarding_body.recognition_number,
            sector_subject_area=qualification.sector_subject_area,
            total_credits=qualification.total_credits,
            guided_learning_hours=qualification.guided_learning_hours,
            operational_start_date=qualification.operational_start_date,
            operational_end_date=qualification.operational_end_date,
        )


class QualificationsOut(Schema):
    page: int
    page_count: int
    total: int
    qualifications: list[QualificationOut]


class CreditCheckIn(RequestSchema):
    uln: str = Field(max_length=20, pattern=ULN_PATTERN)
    given_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    family_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    date_of_birth: datetime.date
    reference: str = Field(
        min_length=1,
        max_length=20,
        description="Mandatory: the unit reference or qualification number to check",
    )


class CreditCheckItemOut(Schema):
    awarding_organisation: str
    reference: str
    title: str
    level: str | None
    achievement_award_date: datetime.date | None
    grade: str
    credits: int | None


class CreditCheckOut(Schema):
    outcome: str = Field(description="found or not_found")
    reference: str
    achievements: list[CreditCheckItemOut]


class AchievementFileOut(Schema):
    id: int
    file_name: str
    status: str = Field(description="queued, processing or complete")
    rows: int
    done: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    output: str | None = Field(description="where to download the outcomes once complete")
