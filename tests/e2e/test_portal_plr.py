"""The PLR in a real browser: find the learner, view the PLR, sort it, open an event and its
qualification, download the report (read back from the PDF), with axe on every page."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from lrs.core.actor import Actor, Channel
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation
from lrs.organisations.services import create_organisation, create_user
from lrs.plr.services import import_data_return, submit_achievements
from tests.conftest import learner_details
from tests.e2e.conftest import check_page, ready_user, sign_in
from tests.plr.fixtures import DIPLOMA_QN, GCSE_QN, UNIT_A, UNIT_B, row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def awarding(operator: Actor) -> Organisation:
    return create_organisation(
        actor=operator,
        ukprn="10099001",
        name="Example Awarding Body",
        organisation_type="awarding_organisation",
        granted_roles=["ao"],
    )


@pytest.fixture
def plr_learner(organisation: Organisation, operator: Actor, awarding: Organisation) -> Learner:
    from lrs.plr.catalogue import import_qualifications, import_units, link_awarding_body
    from tests.plr.fixtures import qualification_rows, unit_rows

    import_qualifications(actor=operator, rows=qualification_rows())
    import_units(actor=operator, rows=unit_rows())
    link_awarding_body(actor=operator, recognition_number="RN5001", organisation=awarding)
    registrar = Actor(
        user=create_user(
            actor=operator, organisation=organisation, username="dafydd.hughes", roles=["online"]
        ).user,
        channel=Channel.PORTAL,
    )
    learner = register_learner(
        details=learner_details(), actor=registrar, confirm_not_possible_match=True
    ).learner
    assert learner is not None
    ao = Actor(
        user=create_user(
            actor=operator, organisation=awarding, username="alun.griffiths", roles=["ao"]
        ).user,
        channel=Channel.API,
    )
    submit_achievements(
        actor=ao,
        rows=[
            row(learner, source_record_id="G", grade="7"),
            row(
                learner,
                subject_code=UNIT_A,
                source_record_id="U1",
                grade="Pass",
                achievement_award_date=datetime.date(2024, 6, 1),
            ),
            row(learner, subject_code=UNIT_B, source_record_id="U2", sensitive=True),
        ],
    )
    import_data_return(
        actor=operator,
        source="ILR",
        submitter_ukprn="10034567",
        rows=[
            row(
                learner,
                subject_code=DIPLOMA_QN,
                source_record_id="I1",
                grade="",
                achievement_award_date=None,
                participation_start_date=datetime.date(2023, 9, 4),
            )
        ],
    )
    return learner


def _find_by_uln(page: Any, learner: Learner) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a learner").click()
    form = page.get_by_role("form", name="Find by ULN")
    form.get_by_label("ULN", exact=True).fill(learner.uln)
    form.get_by_label("Given name", exact=True).fill(learner.given_name)
    form.get_by_label("Family name", exact=True).fill(learner.family_name)
    form.get_by_role("button", name="Find by ULN").click()
    page.get_by_role("link", name=f"View profile of ULN {learner.uln}").click()


def test_view_the_plr_and_download_the_report(
    page: Any, organisation: Organisation, plr_learner: Learner
) -> None:
    ready_user(organisation, "nia.roberts", ["plr"])
    sign_in(page, "nia.roberts")
    _find_by_uln(page, plr_learner)

    page.get_by_role("link", name="View Personal Learning Record").click()
    page.get_by_role("heading", name="Personal Learning Record of Megan Pritchard").wait_for()
    check_page(page, "plr-record")
    table = page.get_by_role("table", name="3 learning events")
    assert table.locator("tbody tr").count() == 3
    assert page.get_by_text("Invented unit: Welding").count() == 0  # sensitive

    table.get_by_role("link", name="Subject").click()
    page.wait_for_url("**sort=subject**")
    first = page.get_by_role("table", name="3 learning events").locator("tbody tr").first
    assert "Invented GCSE" in first.inner_text()
    check_page(page)

    page.get_by_role("link", name="Invented Level 3 Diploma in Engineering").click()
    page.get_by_role("heading", name="Invented Level 3 Diploma in Engineering").wait_for()
    check_page(page, "plr-event")
    page.get_by_role("link", name="Qualification details and rules of combination").click()
    page.get_by_role("heading", name="Rules of combination").wait_for()
    assert page.get_by_text("towards this qualification: 10.").is_visible()
    check_page(page, "plr-qualification")

    page.go_back()
    page.get_by_role("link", name="Back to the Personal Learning Record").click()
    page.get_by_role("link", name="Create a report (PDF)").click()
    page.get_by_role("heading", name="Create a PLR report").wait_for()
    check_page(page, "plr-report-form")
    events = page.get_by_role("group", name="Learning events to include")
    boxes = events.get_by_role("checkbox")
    assert boxes.count() == 3
    assert all(boxes.nth(i).is_checked() for i in range(3))
    events.get_by_label("Invented Level 3 Diploma in Engineering", exact=False).uncheck()
    page.get_by_role("group", name="Language of the report").get_by_label("Cymraeg").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="View my report").click()

    assert download.value.suggested_filename.startswith(f"PLR_{plr_learner.uln}_")
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Cofnod Dysgu Personol" in text
    assert GCSE_QN in text
    assert "Health and safety" in text
    assert DIPLOMA_QN not in text


def test_a_learner_who_has_not_agreed_to_share(
    page: Any, organisation: Organisation, plr_learner: Learner
) -> None:
    Learner.objects.filter(pk=plr_learner.pk).update(ability_to_share="0")
    ready_user(organisation, "nia.roberts", ["plr"])
    sign_in(page, "nia.roberts")
    _find_by_uln(page, plr_learner)

    page.get_by_role("link", name="View Personal Learning Record").click()
    page.get_by_role("heading", name="Personal Learning Record not shared").wait_for()
    assert page.get_by_text("WSEC0206").is_visible()
    check_page(page, "plr-not-shared")


def test_qualification_search_and_credit_check(
    page: Any, awarding: Organisation, plr_learner: Learner
) -> None:
    ready_user(awarding, "carys.awards", ["ao"])
    sign_in(page, "carys.awards")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Qualifications").click()
    page.get_by_label("Keywords in the title").fill("engineering")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("table", name="1 qualification found").wait_for()
    check_page(page, "qualification-search")

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Credit check").click()
    page.get_by_label("ULN", exact=True).fill(plr_learner.uln)
    page.get_by_label("Given name").fill("Megan")
    page.get_by_label("Family name").fill("Pritchard")
    group = page.get_by_role("group", name="Date of birth")
    group.get_by_label("Day").fill("12")
    group.get_by_label("Month").fill("4")
    group.get_by_label("Year").fill("2009")
    page.get_by_label("Unit or qualification reference").fill(UNIT_A)
    page.get_by_role("button", name="Check").click()
    page.get_by_role("heading", name="Achievement found").wait_for()
    assert page.get_by_text("Invented GCSE").count() == 0
    check_page(page, "credit-check")


def test_an_awarding_organisation_uploads_an_achievement_file(
    page: Any, awarding: Organisation, plr_learner: Learner, tmp_path: Path
) -> None:
    from lrs.batches.services import process_until_done

    ready_user(awarding, "carys.awards", ["ao"])
    source = tmp_path / "results.csv"
    source.write_text(
        "ULN,GivenName,FamilyName,DateOfBirth,SubjectCode,SourceRecordId,AchievementAwardDate\n"
        f"{plr_learner.uln},Megan,Pritchard,2009-04-12,{UNIT_A},W1,2025-07-01\n"
        f"{plr_learner.uln},Megan,Jones,2009-04-12,{UNIT_A},W2,2025-07-01\n"
    )
    sign_in(page, "carys.awards")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Achievement files"
    ).click()
    page.get_by_role("heading", name="Achievement files", level=1).wait_for()
    check_page(page, "achievement-files")
    page.locator("input[type=file]").set_input_files(str(source))
    page.get_by_role("button", name="Upload file").click()
    page.get_by_role("heading", name="results.csv").wait_for()

    process_until_done()
    page.get_by_role("link", name="Refresh").click()
    page.get_by_text("2 of 2 rows processed (100%)").wait_for()
    check_page(page, "achievement-file")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the output file (each row's outcome)").click()
    lines = Path(download.value.path()).read_text("utf-8").splitlines()
    assert lines[1].startswith(f"1,W1,{plr_learner.uln},created")
    assert ",rejected,learner_mismatch," in lines[2]
