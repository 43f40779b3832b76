"""Batch journeys in a real browser: upload, progress, exceptions, output, with axe on every page.

A batch user uploads a file whose learner possibly matches one already on the register. The
test processes the batch itself (`process_until_done`, as a worker would) while the batch page
polls for progress; the page then shows 100% and the totals, and the user resolves the
exception side by side and downloads the output file again with the chosen ULN.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from pathlib import Path
from typing import Any

import pytest

from lrs.batches.models import Batch, BatchException, ExceptionStatus
from lrs.batches.services import process_until_done
from lrs.core.actor import Actor, Channel
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation, User
from lrs.organisations.services import create_user, service_desk_system_actor
from tests.conftest import learner_details
from tests.e2e.conftest import check_page, ready_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CSV_NAME = "LRB_10034567_150320251030.CSV"
DOB = datetime.date.today().replace(year=datetime.date.today().year - 15, month=4, day=12)
SEED_WARNING = (
    "Please confirm by selecting Register learner that the learner you are about to register "
    "is not included in the list of learners found by the search."
)


@pytest.fixture
def alys(organisation: Organisation) -> Learner:
    """A learner already on the register, whom the uploaded Elin possibly matches."""
    user = create_user(
        actor=service_desk_system_actor(channel=Channel.CLI),
        organisation=organisation,
        username="dafydd.hughes",
        roles=["online"],
    ).user
    learner = register_learner(
        details=learner_details(given_name="Alys", date_of_birth=DOB),
        actor=Actor(user=user, channel=Channel.PORTAL),
        confirm_not_possible_match=True,
    ).learner
    assert learner is not None
    return learner


@pytest.fixture
def batch_user(organisation: Organisation) -> User:
    return ready_user(organisation, "sian.evans", ["batch"])


def _csv(*given_names: str) -> bytes:
    lines = [
        "FileVersion,FileName,UKPRN,Email",
        "3A,Autumn intake,10034567,mis@example.ac.uk",
        "MISIdentifier,GivenName,FamilyName,DateOfBirth,Gender,LastKnownPostCode,"
        "VerificationType,PrivacyNoticeSeen",
    ]
    for number, name in enumerate(given_names, start=1):
        lines.append(f"S{number:03d},{name},Pritchard,{DOB.isoformat()},2,CF10 3AT,1,1")
    return ("\r\n".join(lines) + "\r\n").encode()


# --- Browser steps ----------------------------------------------------------------------------


def _go_to_batches(page: Any) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Batch files").click()
    page.get_by_role("heading", name="Batch files", level=1).wait_for()


def _upload(page: Any, content: bytes, name: str = CSV_NAME) -> None:
    page.get_by_label("Upload a file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Upload file").click()


def _summary_value(page: Any, key: str) -> str:
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    )
    return row.first.locator("dd").first.inner_text().strip()


def _upload_and_process(page: Any, *given_names: str) -> Batch:
    """Upload the file, see it waiting, process it as a worker would, see the page catch up."""
    _go_to_batches(page)
    check_page(page, "batch-list")
    _upload(page, _csv(*given_names))
    page.get_by_role("heading", name=CSV_NAME, level=1).wait_for()
    total = len(given_names)
    rows = "row" if total == 1 else "rows"
    assert page.locator("#batch-progress-text").inner_text() == (
        f"0 of {total} {rows} processed (0%)"
    )
    assert page.get_by_role("link", name="Refresh the progress").is_visible()
    check_page(page, "batch-waiting")

    batch = Batch.objects.get(file_name=CSV_NAME)
    assert process_until_done(batch_id=batch.pk) == total
    # progress.js polls twice a second and reloads the page once the batch is complete.
    page.get_by_role("link", name="Download the output file").wait_for()
    assert page.locator("#batch-progress-text").inner_text() == (
        f"{total} of {total} {rows} processed (100%)"
    )
    bar = page.get_by_role("progressbar", name="Progress")
    assert bar.get_attribute("value") == str(total)
    assert bar.get_attribute("max") == str(total)
    assert page.locator("#batch-status").inner_text() == "Complete"
    assert page.get_by_role("link", name="Refresh the progress").count() == 0
    return batch


# --- Journeys ---------------------------------------------------------------------------------


def test_upload_resolve_a_possible_match_and_download_the_output_again(
    page: Any, alys: Learner, batch_user: User
) -> None:
    sign_in(page, "sian.evans")
    batch = _upload_and_process(page, "Elin")
    check_page(page, "batch-complete")
    assert _summary_value(page, "Possible matches") == "1"
    assert _summary_value(page, "New learners registered") == "0"
    assert _summary_value(page, "Rejected learners") == "0"
    rows = page.get_by_role("table", name="Rows 1 to 1 of 1").locator("tbody tr")
    assert "RC007" in rows.first.inner_text()
    page.get_by_text("What the return codes mean").click()
    assert page.get_by_role("table", name="Return codes").is_visible()

    # The exceptions queue, for this batch.
    page.get_by_role("link", name="Resolve this batch's exceptions").click()
    page.get_by_role("heading", name="Exceptions to resolve", level=1).wait_for()
    check_page(page, "batch-exceptions")
    queue = page.get_by_role("table", name="Exceptions to resolve").locator("tbody tr")
    assert queue.count() == 1
    assert "Elin Pritchard" in queue.first.inner_text()
    assert "45 days" in queue.first.inner_text()
    queue.first.get_by_role("link", name=f"Resolve row 1 of {CSV_NAME}").click()

    # Side by side: what the file said, and the learner on the register.
    page.get_by_role("heading", name="Resolve the exception: Elin Pritchard").wait_for()
    check_page(page, "batch-exception-compare")
    comparison = page.get_by_role("table", name="Submitted details and possible matches")
    header = comparison.locator("thead").inner_text()
    assert "Submitted in the file" in header
    assert alys.uln in header
    given = comparison.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Given name")
    )
    assert "Elin" in given.inner_text()
    assert "Alys" in given.inner_text()
    assert given.get_by_text("Differs").is_visible()
    family = comparison.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Family name", exact=True)
    )
    assert family.get_by_text("Differs").count() == 0

    # Continuing without a choice is refused, then the learner is chosen.
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    check_page(page, "batch-exception-error")
    page.get_by_label(f"Learner 1: ULN {alys.uln}").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Exceptions to resolve", level=1).wait_for()
    banner = page.get_by_role("alert")
    assert f"Row 1 of {CSV_NAME} now has ULN {alys.uln}." in banner.inner_text()
    check_page(page, "batch-exception-resolved")
    exception = BatchException.objects.get(row__batch=batch)
    assert exception.status == ExceptionStatus.MATCHED

    page.get_by_role("link", name="Processed", exact=True).click()
    page.get_by_role("heading", name="Processed exceptions", level=1).wait_for()
    check_page(page, "batch-exceptions-processed")
    processed = page.get_by_role("table", name="Processed exceptions").locator("tbody tr")
    assert alys.uln in processed.first.inner_text()
    with page.expect_download() as exported:
        page.get_by_role("button", name="Export processed exceptions").click()
    export = Path(exported.value.path()).read_text(encoding="utf-8-sig")
    assert alys.uln in export
    assert "Resolved: learner chosen" in export

    # The output file, downloaded again, has the chosen learner's ULN.
    _go_to_batches(page)
    page.get_by_role("link", name=CSV_NAME).click()
    page.get_by_role("heading", name=CSV_NAME, level=1).wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the output file").click()
    assert download.value.suggested_filename == "LRB_10034567_150320251030_OUTPUT.CSV"
    cells = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert cells[3][0] == alys.uln
    assert cells[3][-1] == "RC001"


def test_register_a_new_learner_after_the_warning(
    page: Any, alys: Learner, batch_user: User
) -> None:
    sign_in(page, "sian.evans")
    batch = _upload_and_process(page, "Elin")
    page.get_by_role("link", name="Resolve this batch's exceptions").click()
    page.get_by_role("link", name=f"Resolve row 1 of {CSV_NAME}").click()
    page.get_by_label("None of these: register a new learner").check()
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("heading", name="Register learner warning").wait_for()
    check_page(page, "batch-exception-register-warning")
    assert SEED_WARNING in page.locator(".govuk-warning-text").inner_text()
    found = page.get_by_role("table", name="Learners found by the search")
    assert found.get_by_role("rowheader", name=alys.uln).is_visible()
    page.get_by_role("button", name="Register learner").click()

    page.get_by_role("heading", name="Exceptions to resolve", level=1).wait_for()
    exception = BatchException.objects.get(row__batch=batch)
    assert exception.status == ExceptionStatus.REGISTERED
    assert exception.learner is not None
    assert exception.learner.uln != alys.uln
    assert exception.learner.uln in page.get_by_role("alert").inner_text()
    check_page(page, "batch-exception-registered")


def test_a_refused_file_is_explained_on_the_upload_form(page: Any, batch_user: User) -> None:
    sign_in(page, "sian.evans")
    _go_to_batches(page)
    _upload(page, _csv("Elin"), name="LRB_10099999_150320251030.CSV")
    summary = page.locator(".govuk-error-summary")
    summary.get_by_role("heading", name="There is a problem").wait_for()
    check_page(page, "batch-upload-refused")
    message = "The UKPRN in the file name (10099999) is not your organisation's (10034567)."
    assert summary.get_by_role("link").all_inner_texts() == [message]
    assert page.title().startswith("Error:")
    summary.get_by_role("link", name=message).click()
    assert page.get_by_label("Upload a file").evaluate("el => el === document.activeElement")
    assert not Batch.objects.exists()
