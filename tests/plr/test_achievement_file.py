"""The achievement file's layout: read into rows, each checked on its own."""

from __future__ import annotations

import datetime

import pytest

from lrs.core.actor import Actor
from lrs.core.errors import ValidationFailed
from lrs.learners.models import Learner
from lrs.plr.achievement_file import MAX_ROWS, event_row, read_achievement_file
from lrs.plr.services import RejectionCode, RowStatus, submit_achievements
from tests.plr.fixtures import GCSE_QN, UNIT_A

HEADER = "ULN,GivenName,FamilyName,DateOfBirth,SubjectCode,SourceRecordId,AchievementAwardDate"


def test_rows_become_event_rows() -> None:
    content = (
        "\ufeff" + HEADER + ",Grade,Credits,Sensitive,LanguageForAssessment\n"
        "1000000043,Megan,Pritchard,12/04/2009,60147039,R1,2025-08-21,7,,y,CY\n"
    ).encode()

    rows = read_achievement_file(content)
    row = event_row(rows[0])

    assert row.uln == "1000000043"
    assert row.date_of_birth == datetime.date(2009, 4, 12)
    assert row.achievement_award_date == datetime.date(2025, 8, 21)
    assert (row.subject_code, row.grade, row.credits) == ("60147039", "7", None)
    assert (row.sensitive, row.language_for_assessment) == (True, "cy")
    assert row.parse_errors == {}


def test_a_bad_value_rejects_the_row_not_the_file() -> None:
    rows = read_achievement_file(
        (HEADER + ",Credits\n1000000043,Megan,Pritchard,32/13/2009,X,R1,,ten\n").encode()
    )

    errors = event_row(rows[0]).parse_errors

    assert set(errors) == {"DateOfBirth", "AchievementAwardDate", "Credits"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ULN,GivenName\n1,2\n", "missing column"),
        ((HEADER + ",Colour\n").encode(), "unknown column"),
        ((HEADER + "\n").encode(), "no rows"),
    ],
)
def test_an_unusable_file_is_refused(content: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        read_achievement_file(content)


def test_more_than_the_maximum_rows_is_refused() -> None:
    line = "1000000043,Megan,Pritchard,2009-04-12,X,R,2025-01-01\n"
    with pytest.raises(ValidationFailed, match="at most"):
        read_achievement_file((HEADER + "\n" + line * (MAX_ROWS + 1)).encode())


@pytest.mark.usefixtures("catalogue")
def test_file_rows_go_through_the_one_service(ao_actor: Actor, megan: Learner) -> None:
    content = (
        HEADER + "\n"
        f"{megan.uln},Megan,Pritchard,2009-04-12,{GCSE_QN},R1,2025-08-21\n"
        f"{megan.uln},Megan,Jones,2009-04-12,{UNIT_A},R2,2025-08-21\n"
        f"{megan.uln},Megan,Pritchard,2009-04-12,{UNIT_A},R3,someday\n"
    ).encode()

    report = submit_achievements(
        actor=ao_actor, rows=[event_row(r) for r in read_achievement_file(content)]
    )

    assert [(o.status, o.code) for o in report.outcomes] == [
        (RowStatus.CREATED, ""),
        (RowStatus.REJECTED, RejectionCode.LEARNER_MISMATCH),
        (RowStatus.REJECTED, RejectionCode.INVALID),
    ]
