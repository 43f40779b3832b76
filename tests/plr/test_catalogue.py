from __future__ import annotations

import datetime

import pytest

from lrs.core.actor import Actor
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.plr.catalogue import import_qualifications, parse_level
from lrs.plr.choices import Level
from lrs.plr.models import AwardingBody, Qualification
from lrs.plr.selectors import get_qualification, rules_of_combination, search_qualifications
from tests.plr.fixtures import DIPLOMA_QN, GCSE_QN, OTHER_AO_QN, UNIT_A, qualification_rows

pytestmark = pytest.mark.usefixtures("catalogue")


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Entry Level", Level.ENTRY),
        ("Level 1/2", Level.LEVEL_1_2),
        ("Level 3", Level.LEVEL_3),
        ("3", Level.LEVEL_3),
        ("Level 8", Level.LEVEL_8),
        ("Not Applicable", ""),
        ("", ""),
    ],
)
def test_levels_as_the_register_writes_them(written: str, code: str) -> None:
    assert parse_level(written) == code


def test_the_register_download_loads_every_column_read() -> None:
    gcse = Qualification.objects.get(qn=GCSE_QN)
    assert gcse.title == "Invented GCSE (9 to 1) in Welsh Language"
    assert gcse.level == Level.LEVEL_1_2
    assert gcse.qualification_type == "GCSE (9 to 1)"
    assert gcse.sector_subject_area == "12.1"
    assert gcse.operational_start_date == datetime.date(2015, 9, 1)
    assert gcse.certification_end_date == datetime.date(2030, 8, 31)
    assert gcse.awarding_body.recognition_number == "RN5001"
    assert gcse.awarding_body.acronym == "EAB"
    diploma = Qualification.objects.get(qn=DIPLOMA_QN)
    assert (diploma.total_credits, diploma.guided_learning_hours) == (30, 240)
    assert AwardingBody.objects.count() == 2


def test_a_second_import_updates_by_qn_and_rejects_bad_rows(operator: Actor) -> None:
    rows = qualification_rows()
    rows[0]["Qualification Title"] = "Invented GCSE in Welsh (revised)"
    rows.append({**rows[1], "Qualification Number": "601/4703/8"})  # wrong check character

    report = import_qualifications(actor=operator, rows=rows)

    assert (report.created, report.updated, len(report.rejected)) == (0, 3, 1)
    assert report.rejected[0][0] == 5
    assert Qualification.objects.get(qn=GCSE_QN).title == "Invented GCSE in Welsh (revised)"
    assert Qualification.objects.count() == 3


def test_a_file_without_the_required_columns_is_refused(operator: Actor) -> None:
    with pytest.raises(ValidationFailed, match="Owner Organisation Recognition Number"):
        import_qualifications(
            actor=operator, rows=[{"Qualification Number": GCSE_QN, "Qualification Title": "X"}]
        )


def test_only_the_service_desk_loads_the_catalogue(online_actor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        import_qualifications(actor=online_actor, rows=qualification_rows())


def test_imports_are_audited() -> None:
    assert AuditEvent.objects.filter(action="plr.qualifications_imported").count() == 2


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"keywords": "engineering"}, [DIPLOMA_QN]),
        ({"keywords": "invented diploma"}, [DIPLOMA_QN]),
        ({"qn": "60342663"}, [DIPLOMA_QN]),
        ({"qn": "603/4266/3"}, [DIPLOMA_QN]),
        ({"sector_subject_area": "4"}, [DIPLOMA_QN]),
        ({"sector_subject_area": "12.1"}, [GCSE_QN]),
        ({"level": "E"}, [OTHER_AO_QN]),
        ({"awarding_body": "RN5002"}, [OTHER_AO_QN]),
        ({"awarding_body": "example awarding"}, [DIPLOMA_QN, GCSE_QN]),
        ({"keywords": "invented", "level": "3"}, [DIPLOMA_QN]),
        ({"keywords": "astrophysics"}, []),
    ],
)
def test_routes_to_achievement_filters_narrow(filters: dict[str, str], expected: list[str]) -> None:
    assert sorted(q.qn for q in search_qualifications(**filters)) == sorted(expected)


def test_rules_of_combination_and_credits_recorded() -> None:
    diploma = get_qualification(qn="60342663")
    assert diploma is not None

    progress = rules_of_combination(diploma)

    assert [(g.name, g.kind, g.minimum_credits) for g in progress.groups] == [
        ("A", "mandatory", 10),
        ("B", "optional", 20),
    ]
    assert [u.unit_reference for u in progress.groups[0].units] == [UNIT_A]
    assert progress.credits_recorded == 0
    assert not progress.is_met


def test_the_command_loads_the_register_download(tmp_path: object, operator: Actor) -> None:
    import csv
    from pathlib import Path

    from django.core.management import call_command

    path = Path(str(tmp_path)) / "quals.csv"
    rows = qualification_rows()
    rows[2]["Qualification Title"] = "Invented Entry Level Certificate in Numeracy"
    columns = sorted({key for r in rows for key in r})
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)

    call_command("import_qualifications", str(path), "--invented-titles")

    numeracy = Qualification.objects.get(qn=OTHER_AO_QN)
    assert numeracy.title == "Invented Entry Level Certificate in Numeracy"
    assert numeracy.title_is_invented
