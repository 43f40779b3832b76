"""ILR and NPD data returns: parsed, matched like every channel, corrected by a later return."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lrs.core.actor import Actor
from lrs.core.errors import ValidationFailed
from lrs.learners.models import Learner
from lrs.plr.models import LearningEvent, LearningEventChange
from lrs.plr.returns import parse_ilr, parse_npd
from lrs.plr.services import RejectionCode, import_data_return
from tests.plr.fixtures import DIPLOMA_QN, GCSE_QN

pytestmark = pytest.mark.usefixtures("catalogue")

ILR_NAME = "ILR-10034567-2425-20250105-093000-02.XML"


def ilr(learners: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Message xmlns="ESFA/ILR/2024-25">
  <Header>
    <CollectionDetails><Collection>ILR</Collection><Year>2425</Year>
      <FilePreparationDate>2025-01-05</FilePreparationDate></CollectionDetails>
    <Source><ProtectiveMarking>OFFICIAL-SENSITIVE-Personal</ProtectiveMarking>
      <UKPRN>10034567</UKPRN><SoftwareSupplier>Example</SoftwareSupplier></Source>
  </Header>
  <LearningProvider><UKPRN>10034567</UKPRN></LearningProvider>
  {learners}
</Message>""".encode()


def ilr_learner(learner: Learner, deliveries: str, given: str = "Megan Eleri") -> str:
    return f"""<Learner>
    <LearnRefNumber>LRN42</LearnRefNumber><ULN>{learner.uln}</ULN>
    <FamilyName>{learner.family_name}</FamilyName><GivenNames>{given}</GivenNames>
    <DateOfBirth>{learner.date_of_birth.isoformat()}</DateOfBirth>
    {deliveries}
  </Learner>"""


def delivery(
    aim: str,
    seq: int,
    *,
    comp: str = "2",
    outcome: str = "1",
    grade: str = "PASS",
    end: str = "<LearnActEndDate>2024-06-28</LearnActEndDate>",
) -> str:
    return f"""<LearningDelivery><LearnAimRef>{aim}</LearnAimRef><AimType>4</AimType>
      <AimSeqNumber>{seq}</AimSeqNumber><LearnStartDate>2023-09-04</LearnStartDate>
      <LearnPlanEndDate>2024-07-31</LearnPlanEndDate><FundModel>25</FundModel>
      {end}<CompStatus>{comp}</CompStatus><Outcome>{outcome}</Outcome>
      <OutGrade>{grade}</OutGrade></LearningDelivery>"""


def test_an_ilr_file_becomes_events(operator: Actor, megan: Learner) -> None:
    content = ilr(
        ilr_learner(
            megan,
            delivery("ZPROG001", 1)
            + delivery(DIPLOMA_QN.replace("/", ""), 2)
            + delivery(GCSE_QN.replace("/", ""), 3, comp="1", outcome="", grade="", end=""),
        )
    )

    parsed = parse_ilr(content, file_name=ILR_NAME)
    report = import_data_return(
        actor=operator, source="ILR", submitter_ukprn=parsed.submitter_ukprn, rows=parsed.rows
    )

    assert (parsed.submitter_ukprn, parsed.skipped, report.totals["created"]) == ("10034567", 1, 2)
    diploma = LearningEvent.objects.get(subject_code=DIPLOMA_QN)
    assert (diploma.source, diploma.source_record_id, diploma.return_number) == (
        "ILR",
        "2425/LRN42/2",
        "02",
    )
    assert (diploma.status, diploma.completion_status, diploma.outcome) == ("F", "2", "1")
    assert diploma.collection_type == "W"
    assert str(diploma.achievement_award_date) == "2024-06-28"
    assert diploma.achievement_provider_ukprn == "10034567"
    continuing = LearningEvent.objects.get(subject_code=GCSE_QN)
    assert (continuing.status, continuing.achievement_award_date, continuing.grade) == (
        "C",
        None,
        "",
    )


def test_a_later_ilr_return_corrects_the_record(operator: Actor, megan: Learner) -> None:
    aim = DIPLOMA_QN.replace("/", "")
    first = parse_ilr(
        ilr(ilr_learner(megan, delivery(aim, 2, comp="1", outcome="", grade="", end="")))
    )
    later = parse_ilr(ilr(ilr_learner(megan, delivery(aim, 2, grade="MERIT"))))

    import_data_return(actor=operator, source="ILR", submitter_ukprn="10034567", rows=first.rows)
    report = import_data_return(
        actor=operator, source="ILR", submitter_ukprn="10034567", rows=later.rows
    )

    assert report.totals["updated"] == 1
    event = LearningEvent.objects.get()
    assert (event.grade, event.status) == ("MERIT", "F")
    change = LearningEventChange.objects.get()
    assert change.changes["grade"] == ["", "MERIT"]
    assert change.changes["completion_status"] == ["1", "2"]


def test_an_ilr_learner_whose_details_differ_is_rejected(operator: Actor, megan: Learner) -> None:
    parsed = parse_ilr(
        ilr(ilr_learner(megan, delivery(DIPLOMA_QN.replace("/", ""), 1), given="Sian"))
    )

    report = import_data_return(
        actor=operator, source="ILR", submitter_ukprn="10034567", rows=parsed.rows
    )

    assert report.outcomes[0].code == RejectionCode.LEARNER_MISMATCH
    assert not LearningEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<Message><LearningProvider><UKPRN>123</UKPRN></LearningProvider></Message>", "UKPRN"),
        (b"<CTfile/>", "not an ILR file"),
        (b"<Message><unclosed></Message>", "not well-formed"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><Message/>', "document type declaration"),
    ],
)
def test_a_bad_ilr_file_is_refused_with_a_clear_reason(content: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        parse_ilr(content)


def npd(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=[
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
            "Sensitive",
        ],
    )
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def npd_row(learner: Learner, **overrides: str) -> dict[str, str]:
    values = {
        "ULN": learner.uln,
        "UPN": "",
        "GivenName": learner.given_name,
        "FamilyName": learner.family_name,
        "DateOfBirth": learner.date_of_birth.strftime("%d/%m/%Y"),
        "QualificationNumber": GCSE_QN,
        "Grade": "6",
        "AwardDate": "2025-08-21",
        "KeyStage": "4",
        "AcademicYear": "2024/25",
        "Sensitive": "N",
    }
    values.update(overrides)
    return values


def test_npd_results_by_uln_or_upn_and_amended_later(
    operator: Actor, register: Callable[..., Learner]
) -> None:
    megan = register(upn="B801200005001", date_of_birth=datetime.date(2011, 5, 1))
    by_upn = npd_row(megan, ULN="", UPN="B801200005001", QualificationNumber=DIPLOMA_QN)

    first = parse_npd(npd([npd_row(megan), by_upn]))
    report = import_data_return(
        actor=operator, source="NPD", submitter_ukprn="NPD", rows=first.rows
    )
    amended = parse_npd(npd([npd_row(megan, Grade="7")]))
    again = import_data_return(
        actor=operator, source="NPD", submitter_ukprn="NPD", rows=amended.rows
    )

    assert report.totals["created"] == 2
    assert again.totals["updated"] == 1
    assert LearningEvent.objects.get(subject_code=GCSE_QN).grade == "7"
    assert LearningEvent.objects.get(subject_code=DIPLOMA_QN).learner == megan
    assert LearningEvent.objects.filter(collection_type="A").count() == 2


def test_npd_rows_are_checked_one_by_one(operator: Actor, megan: Learner) -> None:
    parsed = parse_npd(
        npd(
            [
                npd_row(megan, AwardDate=""),
                npd_row(megan, ULN="", UPN="B801200005001"),
                npd_row(megan, Sensitive="Y", QualificationNumber=DIPLOMA_QN),
            ]
        )
    )

    report = import_data_return(
        actor=operator, source="NPD", submitter_ukprn="NPD", rows=parsed.rows
    )

    assert [o.code for o in report.outcomes] == [
        RejectionCode.INVALID,
        RejectionCode.UPN_UNKNOWN,
        "",
    ]
    assert "AwardDate" in report.outcomes[0].fields
    assert LearningEvent.objects.get().sensitive


def test_an_npd_header_must_be_usable() -> None:
    with pytest.raises(ValidationFailed, match="missing column"):
        parse_npd(b"ULN,Grade\n1,2\n")


def test_the_commands_show_progress_and_write_outcomes(
    megan: Learner, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / ILR_NAME
    source.write_bytes(
        ilr(ilr_learner(megan, delivery(DIPLOMA_QN.replace("/", ""), 1) + delivery("10000000", 2)))
    )
    out = tmp_path / "out.csv"

    call_command("import_ilr", str(source), "--out", str(out))

    captured = capsys.readouterr()
    assert "2 of 2 rows" in captured.err
    assert "1 created" in captured.out
    lines = out.read_text().splitlines()
    assert lines[0] == "Row,SourceRecordId,ULN,Outcome,Code,Message"
    assert lines[1].startswith(f"1,2425/LRN42/1,{megan.uln},created")
    assert ",rejected,subject_unknown," in lines[2]

    npd_file = tmp_path / "npd.csv"
    npd_file.write_bytes(npd([npd_row(megan)]))
    call_command("import_npd", str(npd_file))
    assert "1 created" in capsys.readouterr().out
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_npd", str(tmp_path / "missing.csv"))
