"""Demo and benchmark data for the PLR: a catalogue on real QNs with invented titles, and
achievements from each source for given learners, loaded through the real services.

The QNs are the 649 real Ofqual numbers in `data/ofqual_qns.txt`; every title, awarding body
and unit is invented, starts with "Example" and is flagged `title_is_invented`, so no page can
pass it off as the real qualification.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.utils import timezone

from lrs.core.actor import Actor
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation
from lrs.plr.catalogue import import_qualifications, import_units, link_awarding_body
from lrs.plr.models import LearningEvent
from lrs.plr.services import EventRow, import_data_return, set_event_flags, submit_achievements

QN_FILE = Path(__file__).parent / "data" / "ofqual_qns.txt"
DEMO_AO_RECOGNITION = "RN9001"
_BODIES = [
    (DEMO_AO_RECOGNITION, "Example Awarding Body", "EAB"),
    ("RN9002", "Example Cymwysterau Cymru", "ECC"),
    ("RN9003", "Example Vocational Awards", "EVA"),
]
_SUBJECTS = [
    ("Mathematics", "2.1"),
    ("English Language", "12.2"),
    ("Welsh Language", "12.1"),
    ("Biology", "2.1"),
    ("Chemistry", "2.1"),
    ("Physics", "2.1"),
    ("History", "9.1"),
    ("Geography", "9.3"),
    ("Art and Design", "9.2"),
    ("Music", "9.2"),
    ("Business", "15.3"),
    ("Computing", "6.1"),
    ("Engineering", "4.1"),
    ("Hospitality and Catering", "7.4"),
    ("Health and Social Care", "1.3"),
    ("Construction", "5.2"),
    ("Hairdressing", "7.3"),
    ("Childcare", "1.5"),
    ("Sport", "8.1"),
    ("Horticulture", "3.2"),
]
# Level, type, title pattern, total credits.
_KINDS = [
    ("Level 1/2", "GCSE (9 to 1)", "Example GCSE (9 to 1) in {subject}", None),
    ("Level 3", "GCE A Level", "Example GCE A Level in {subject}", None),
    ("Level 2", "Vocationally-Related Qualification", "Example Level 2 Diploma in {subject}", 37),
    ("Level 3", "Vocationally-Related Qualification", "Example Level 3 Diploma in {subject}", 60),
    ("Entry Level", "Entry Level", "Example Entry Level Certificate in {subject}", None),
    ("Level 1", "Other General Qualification", "Example Level 1 Award in {subject}", 8),
]
GCSE_GRADES = ["4", "5", "5", "6", "6", "7", "7", "8", "9", "3"]
A_LEVEL_GRADES = ["A*", "A", "B", "B", "C", "C", "D", "E"]


@dataclass(frozen=True)
class DemoCatalogue:
    qualification_rows: list[dict[str, str]]
    unit_rows: list[dict[str, str]]


def real_qns() -> list[str]:
    return [
        line.strip()
        for line in QN_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def demo_catalogue() -> DemoCatalogue:
    """The register-download rows of the demo catalogue, and units for the diplomas."""
    rows, units = [], []
    for index, qn in enumerate(real_qns()):
        level, kind, pattern, credits = _KINDS[index % len(_KINDS)]
        subject, area = _SUBJECTS[(index // len(_KINDS)) % len(_SUBJECTS)]
        recognition, name, acronym = _BODIES[index % len(_BODIES)]
        rows.append(
            {
                "Qualification Number": qn,
                "Qualification Title": pattern.format(subject=subject),
                "Owner Organisation Recognition Number": recognition,
                "Owner Organisation Name": name,
                "Owner Organisation Acronym": acronym,
                "Qualification Level": level,
                "Qualification Type": kind,
                "Qualification SSA": area,
                "Total Credits": str(credits or ""),
                "Qualification Status": "Available to learners",
                "Operational Start Date": "2015-09-01",
            }
        )
        if credits and kind == "Vocationally-Related Qualification":
            unit_level = level
            for number, (group, group_kind, minimum, credit) in enumerate(
                [
                    ("A", "Mandatory", 13, 6),
                    ("A", "Mandatory", 13, 7),
                    ("B", "Optional", credits - 13, 8),
                    ("B", "Optional", credits - 13, 8),
                    ("B", "Optional", credits - 13, 8),
                    ("B", "Optional", credits - 13, 8),
                ],
                start=1,
            ):
                letter = "ABCDFHJKLMRTY"[(index + number) % 13]
                units.append(
                    {
                        "Qualification Number": qn,
                        "Rule Group": group,
                        "Group Type": group_kind,
                        "Group Minimum Credits": str(max(minimum, 0)),
                        "Unit Reference": f"{letter}/650/{index:03d}{number}",
                        "Unit Title": f"Example unit {number}: {subject} in practice",
                        "Unit Level": unit_level,
                        "Credit Value": str(credit),
                    }
                )
    return DemoCatalogue(qualification_rows=rows, unit_rows=units)


def load_demo_catalogue(*, operator: Actor, awarding_organisation: Organisation) -> DemoCatalogue:
    catalogue = demo_catalogue()
    import_qualifications(actor=operator, rows=catalogue.qualification_rows, invented_titles=True)
    import_units(actor=operator, rows=catalogue.unit_rows, invented_titles=True)
    link_awarding_body(
        actor=operator,
        recognition_number=DEMO_AO_RECOGNITION,
        organisation=awarding_organisation,
    )
    return catalogue


def _on_or_before(day: datetime.date, today: datetime.date) -> datetime.date | None:
    return day if day <= today else None


def _identity(learner: Learner) -> dict[str, object]:
    return {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth": learner.date_of_birth,
    }


def row_qn(row: dict[str, str]) -> str:
    return row["Qualification Number"]


def plan_events(
    learners: Sequence[Learner], catalogue: DemoCatalogue, *, seed: int = 11
) -> tuple[list[EventRow], list[EventRow], list[EventRow]]:
    """AO, ILR and NPD rows for the learners: GCSEs at 16, A levels and diplomas after."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    by_kind: dict[str, list[dict[str, str]]] = {}
    for row in catalogue.qualification_rows:
        by_kind.setdefault(row["Qualification Title"].split(" in ")[0], []).append(row)
    gcses = by_kind["Example GCSE (9 to 1)"]
    a_levels = by_kind["Example GCE A Level"]
    diplomas = [
        row["Qualification Number"]
        for row in catalogue.qualification_rows
        if row["Total Credits"]
        and row["Owner Organisation Recognition Number"] == DEMO_AO_RECOGNITION
    ]
    units_of: dict[str, list[dict[str, str]]] = {}
    for unit in catalogue.unit_rows:
        units_of.setdefault(unit["Qualification Number"], []).append(unit)
    ao, ilr, npd = [], [], []
    for number, learner in enumerate(learners):
        identity = _identity(learner)
        summer_16 = datetime.date(learner.date_of_birth.year + 16, 8, 22)
        summer_18 = datetime.date(learner.date_of_birth.year + 18, 8, 15)
        if _on_or_before(summer_16, today):
            for row in rng.sample(gcses, 5):
                npd.append(
                    EventRow(
                        **identity,  # type: ignore[arg-type]
                        subject_code=row["Qualification Number"],
                        source_record_id=f"{summer_16.year}/{learner.uln}/{row_qn(row)}",
                        grade=rng.choice(GCSE_GRADES),
                        achievement_award_date=summer_16,
                        return_number="01",
                    )
                )
        if _on_or_before(summer_18, today) and number % 2 == 0:
            for row in rng.sample(a_levels, 3):
                npd.append(
                    EventRow(
                        **identity,  # type: ignore[arg-type]
                        subject_code=row["Qualification Number"],
                        source_record_id=f"{summer_18.year}/{learner.uln}/{row_qn(row)}",
                        grade=rng.choice(A_LEVEL_GRADES),
                        achievement_award_date=summer_18,
                        return_number="01",
                    )
                )
        start = datetime.date(learner.date_of_birth.year + 16, 9, 4)
        if start > today or not diplomas:
            continue
        diploma = rng.choice(diplomas)
        end = datetime.date(start.year + 1, 6, 27)
        finished = end <= today
        ilr.append(
            EventRow(
                **identity,  # type: ignore[arg-type]
                subject_code=diploma,
                source_record_id=f"{start.year}/L{number:05d}/1",
                grade="PASS" if finished else "",
                participation_start_date=start,
                participation_end_date=end if finished else None,
                achievement_award_date=end if finished else None,
                achievement_provider_ukprn="10034567",
                achievement_provider_name="Riverside College",
                status="F" if finished else "C",
                completion_status="2" if finished else "1",
                outcome="1" if finished else "",
                return_number="14" if finished else "04",
                # Offender learning and the like: every 25th learner's record is restricted.
                sensitive=number % 25 == 7,
            )
        )
        if finished:
            for unit in units_of.get(diploma, [])[:4]:
                ao.append(
                    EventRow(
                        **identity,  # type: ignore[arg-type]
                        subject_code=unit["Unit Reference"],
                        source_record_id=f"U-{learner.uln}-{unit['Unit Reference']}",
                        grade=rng.choice(["Pass", "Merit", "Distinction"]),
                        participation_start_date=start,
                        achievement_award_date=end - datetime.timedelta(days=14),
                        achievement_provider_ukprn="10034567",
                        achievement_provider_name="Riverside College",
                        language_for_assessment="cy" if number % 3 == 0 else "en",
                    )
                )
            ao.append(
                EventRow(
                    **identity,  # type: ignore[arg-type]
                    subject_code=diploma,
                    source_record_id=f"Q-{learner.uln}-{diploma}",
                    grade=rng.choice(["Pass", "Merit", "Distinction"]),
                    participation_start_date=start,
                    achievement_award_date=end + datetime.timedelta(days=30),
                    achievement_provider_ukprn="10034567",
                    achievement_provider_name="Riverside College",
                )
            )
    return ao, ilr, npd


@dataclass(frozen=True)
class PlrDemo:
    events: int
    sensitive: int


def load_demo_achievements(
    *, operator: Actor, awarding_actor: Actor, learners: Sequence[Learner], catalogue: DemoCatalogue
) -> PlrDemo:
    """Achievements from each source for the learners, through the one achievement service."""
    ao, ilr, npd = plan_events(learners, catalogue)
    submit_achievements(actor=awarding_actor, rows=ao)
    import_data_return(actor=operator, source="ILR", submitter_ukprn="10034567", rows=ilr)
    import_data_return(actor=operator, source="NPD", submitter_ukprn="NPD", rows=npd)
    if learners:
        # One of the first learner's events is being challenged, to show how that looks.
        first = LearningEvent.objects.filter(learner=learners[0], source="NPD").first()
        if first is not None:
            set_event_flags(actor=operator, event=first, under_challenge=True)
    return PlrDemo(
        events=LearningEvent.objects.count(),
        sensitive=LearningEvent.objects.filter(sensitive=True).count(),
    )
