"""The portal's batch pages: upload, progress, output files and the exceptions queue.

Files are uploaded through the pages and processed in the test with the real service
(`process_until_done`), so each page shows what a worker would have produced.
"""

from __future__ import annotations

import csv
import datetime
import html as html_lib
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from lrs.batches import return_codes as rc
from lrs.batches.models import Batch, BatchException, ExceptionStatus
from lrs.batches.services import ParsedBatch, process_until_done, submit_batch
from lrs.batches.uploads import MAX_UPLOAD_BYTES
from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.learners.details import LearnerDetails
from lrs.learners.match_reasons import evidence_from_data, match_reasons
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation, User

pytestmark = pytest.mark.django_db

SignIn = Callable[[User], Client]
Register = Callable[..., Learner]
MakeUser = Callable[..., User]

FIXTURES = Path(__file__).resolve().parents[1] / "batches" / "fixtures"
CSV_NAME = "LRB_10034567_150320251030.CSV"
LIST = reverse("portal:batch-list")
EXCEPTIONS = reverse("portal:exception-list")
EXPORT = reverse("portal:exception-export")
HEADINGS = (
    "MISIdentifier,GivenName,MiddleOtherName,FamilyName,DateOfBirth,Gender,LastKnownPostCode,"
    "VerificationType,PrivacyNoticeSeen"
)
UPN = "B801200005001"
SEED_WARNING = (
    "Please confirm by selecting Register learner that the learner you are about to register "
    "is not included in the list of learners found by the search."
)
# Young enough for a UPN (under 16) and old enough for the register (13 or over).
DOB = datetime.date.today().replace(year=datetime.date.today().year - 14, month=4, day=12)


def _csv(*rows: str, ukprn: str = "10034567") -> bytes:
    lines = [
        "FileVersion,FileName,UKPRN,Email",
        f"3A,Autumn intake,{ukprn},mis@example.ac.uk",
        HEADINGS,
        *rows,
        "",
    ]
    return "\r\n".join(lines).encode()


def _learner_row(mis: str, given: str = "Megan", family: str = "Pritchard", **kw: str) -> str:
    return ",".join(
        [
            mis,
            given,
            kw.get("middle", ""),
            family,
            kw.get("dob", DOB.isoformat()),
            kw.get("gender", "2"),
            kw.get("postcode", "CF10 3AT"),
            "1",
            "1",
        ]
    )


def text(response: Any) -> str:
    """The page's text with tags removed and white space collapsed (for phrase checks)."""
    html = response.content.decode()
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", html).split()))


def error_summary(response: Any) -> str:
    html = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', html, flags=re.S)
    if match is None:
        return ""
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", match.group(0)).split()))


def _upload(
    client: Client, content: bytes, name: str = CSV_NAME, submission_type: str = "FUL"
) -> Any:
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(LIST, {"file": upload, "submission_type": submission_type})


def _detail(batch: Batch) -> str:
    return reverse("portal:batch-detail", args=[batch.pk])


def _url(name: str, pk: int) -> str:
    return reverse(f"portal:{name}", args=[pk])


def _csv_cells(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _attachment_name(response: Any) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    match = re.search(r'filename="([^"]+)"', disposition)
    assert match is not None, disposition
    return match.group(1)


@pytest.fixture
def batch_user(college: Organisation, make_user: MakeUser) -> User:
    return make_user(college, ["batch"])


@pytest.fixture
def batch_actor(batch_user: User) -> Actor:
    return Actor(user=batch_user, channel=Channel.PORTAL)


@pytest.fixture
def browser(signed_in: SignIn, batch_user: User) -> Client:
    return signed_in(batch_user)


@pytest.fixture
def colleague(college: Organisation, make_user: MakeUser) -> Actor:
    """An online user of the college who registered the learners already on the register."""
    return Actor(user=make_user(college, ["online"]), channel=Channel.PORTAL)


@pytest.fixture
def register(colleague: Actor, details: Callable[..., LearnerDetails]) -> Register:
    """`register(**details)`: conftest's learner with these details, registered by the
    colleague (possible matches confirmed as not the learner)."""

    def _register(**overrides: Any) -> Learner:
        learner = register_learner(
            details=details(**overrides), actor=colleague, confirm_not_possible_match=True
        ).learner
        assert learner is not None
        return learner

    return _register


@pytest.fixture
def possible_match(browser: Client, register: Register) -> Callable[..., BatchException]:
    """`possible_match(mis="P1")`: upload a learner (Elin) who possibly matches one on the
    register (Alys, registered now); the row becomes RC007, an exception."""

    def _possible_match(mis: str = "P1", submission_type: str = "FUL") -> BatchException:
        register(given_name="Alys", date_of_birth=DOB, upn=UPN)
        response = _upload(
            browser, _csv(_learner_row(mis, "Elin")), submission_type=submission_type
        )
        assert response.status_code == 302
        batch = Batch.objects.get()
        process_until_done(batch_id=batch.pk)
        return BatchException.objects.get(row__batch=batch)

    return _possible_match


# --- Upload, progress, totals, output -----------------------------------------------------------


def test_the_page_has_the_upload_form_and_is_in_the_navigation(browser: Client) -> None:
    response = browser.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'class="govuk-file-upload"' in html
    assert 'type="radio" value="FUL" checked' in html
    assert 'type="radio" value="CHK"' in html
    assert f'href="{LIST}"' in html  # the "Batch files" navigation entry
    assert "Your organisation has not uploaded any batch files yet." in text(response)
    home = browser.get(reverse("portal:home"))
    assert "Batch files" in text(home)


def test_upload_process_and_download_the_output(
    browser: Client, batch_user: User, register: Register
) -> None:
    existing = register(date_of_birth=DOB, middle_other_name="")
    content = _csv(
        _learner_row("A1"),
        _learner_row("A2", "Rhodri", "Bevan", gender="1", postcode="LL57 2DG"),
    )
    response = _upload(browser, content)
    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(batch)
    assert batch.submitted_by == batch_user

    page = browser.get(_detail(batch))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<progress id="batch-progress-bar"' in html
    assert 'max="2" value="0"' in html
    assert "0 of 2 rows processed (0%)" in text(page)
    assert "Refresh" in text(page)
    assert "portal/progress.js" in html
    assert f"{CSV_NAME} was uploaded: 2 learners are being processed." in text(page)
    progress = browser.get(_url("batch-progress", batch.pk)).json()
    assert progress == {
        "status": "queued",
        "status_label": "Waiting",
        "done": 0,
        "total": 2,
        "percent": 0,
        "complete": False,
        "rows_per_second": None,
        "seconds_left": None,
        "text": "0 of 2 rows processed (0%)",
    }
    # Not complete yet: no output to download, and a message saying why.
    early = browser.get(_url("batch-output", batch.pk))
    assert early.status_code == 302
    assert "is not complete yet" in text(browser.get(early["Location"]))

    assert process_until_done(batch_id=batch.pk) == 2
    progress = browser.get(_url("batch-progress", batch.pk)).json()
    assert (progress["done"], progress["percent"], progress["complete"]) == (2, 100, True)
    assert progress["text"] == "2 of 2 rows processed (100%)"

    page = browser.get(_detail(batch))
    content_text = text(page)
    assert 'max="2" value="2"' in page.content.decode()
    assert "2 of 2 rows processed (100%)" in content_text
    assert "Complete" in content_text
    assert "Refresh" not in content_text
    assert "portal/progress.js" not in page.content.decode()
    assert "New learners registered 1" in content_text
    assert "Learners found or updated 1" in content_text
    assert "Possible matches 0" in content_text
    assert "Rejected learners 0" in content_text
    assert "RC001" in content_text
    assert "RC002" in content_text
    assert existing.uln in content_text
    assert "What the return codes mean" in content_text
    assert "Duplicate row: the same MIS identifier appears earlier in the file." in content_text

    listing = text(browser.get(LIST))
    assert CSV_NAME in listing
    assert "2 of 2 rows processed (100%)" in listing
    assert batch_user.username in listing

    output = browser.get(_url("batch-output", batch.pk))
    assert output.status_code == 200
    assert output["Content-Type"].startswith("text/csv")
    assert _attachment_name(output) == "LRB_10034567_150320251030_OUTPUT.CSV"
    cells = _csv_cells(output.content)
    rows = {row[cells[2].index("MISIdentifier")]: row for row in cells[3:]}
    assert rows["A1"][0] == existing.uln
    assert rows["A1"][-1] == rc.RC001
    assert rows["A2"][-1] == rc.RC002
    assert AuditEvent.objects.filter(
        action=AuditAction.BATCH_OUTPUT_DOWNLOADED, details__batch_id=batch.pk
    ).exists()


def test_a_check_only_upload_registers_nobody(browser: Client) -> None:
    _upload(browser, _csv(_learner_row("A1")), submission_type="CHK")
    batch = Batch.objects.get()
    assert batch.submission_type == "CHK"
    process_until_done(batch_id=batch.pk)
    page = text(browser.get(_detail(batch)))
    assert "Find only (CHK)" in page
    assert "Learners not found 1" in page
    assert not Learner.objects.exists()


def test_the_rows_table_is_paginated_at_100(browser: Client, batch_actor: Actor) -> None:
    rows = [{"MISIdentifier": f"M{n:03d}", "GivenName": f"Name{n}"} for n in range(1, 102)]
    batch = submit_batch(
        actor=batch_actor,
        parsed=ParsedBatch(file_name=CSV_NAME, file_format="csv", submission_type="FUL", rows=rows),
    )
    first = text(browser.get(_detail(batch)))
    assert "Rows 1 to 100 of 101" in first
    assert "M100" in first
    assert "M101" not in first
    second = browser.get(_detail(batch) + "?page=2")
    assert "Rows 101 to 101 of 101" in text(second)
    assert "M101" in text(second)
    assert 'aria-current="page">2<' in second.content.decode()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b"MISIdentifier,GivenName\r\nA1,Megan\r\n",
            CSV_NAME,
            "The CSV file has 2 row(s) of text",
        ),
        (
            _csv(_learner_row("A1"), ukprn="10099999"),
            CSV_NAME,
            "The UKPRN in the file's header (10099999) is not your organisation's (10034567).",
        ),
        (
            _csv(_learner_row("A1")),
            "LRB_10099999_150320251030.CSV",
            "The UKPRN in the file name (10099999) is not your organisation's (10034567).",
        ),
        (_csv(_learner_row("A1")), "learners.csv", "does not follow the pattern"),
        (
            b'<?xml version="1.0"?><CTfile><Header></Header></CTfile>',
            "school.xml",
            "Common Transfer File",
        ),
    ],
)
def test_a_bad_file_is_refused_with_its_message_on_the_file_field(
    browser: Client, content: bytes, name: str, message: str
) -> None:
    response = _upload(browser, content, name)
    assert response.status_code == 200
    assert message in error_summary(response)
    assert 'href="#id_file"' in response.content.decode()
    assert 'class="govuk-file-upload govuk-file-upload--error"' in response.content.decode()
    assert response.content.decode().count("<title>Error:") == 1
    assert not Batch.objects.exists()


def test_no_file_or_a_file_too_large_is_refused(browser: Client) -> None:
    response = browser.post(LIST, {"submission_type": "FUL"})
    assert "Select a batch file" in error_summary(response)
    response = _upload(browser, b"x" * (MAX_UPLOAD_BYTES + 1))
    assert "The selected file must be smaller than 10 MB" in error_summary(response)
    response = _upload(browser, _csv(_learner_row("A1")), submission_type="XYZ")
    assert "Select what should happen to each learner" in error_summary(response)
    assert not Batch.objects.exists()


# --- Common Transfer Files -----------------------------------------------------------------------


def test_a_ctf_is_recognised_and_returned_with_ulns_and_an_exceptions_sheet(
    signed_in: SignIn, school: Organisation, make_user: MakeUser
) -> None:
    client = signed_in(make_user(school, ["batch"]))
    content = (FIXTURES / "ctf_v26_caereinion.xml").read_bytes()
    # The radios apply to LRB files only: a CTF always runs as FUL.
    response = _upload(client, content, "6664000_CTF.xml", submission_type="CHK")
    assert response.status_code == 302
    batch = Batch.objects.get()
    assert (batch.file_format, batch.submission_type) == ("ctf", "FUL")
    process_until_done(batch_id=batch.pk)

    page = text(client.get(_detail(batch)))
    assert "Common Transfer File" in page
    assert "100%" in page
    assert "Download the CTF with ULNs" in page
    assert "Download the exceptions spreadsheet" in page

    returned = client.get(_url("batch-output", batch.pk))
    assert returned.status_code == 200
    assert _attachment_name(returned) == "6664000_CTF_ULN.xml"
    assert returned["Content-Type"].startswith("application/xml")
    ulns = list(batch.rows.exclude(uln="").values_list("uln", flat=True))
    assert ulns
    for uln in ulns:
        assert f"<UniqueLearnerNumber>{uln}</UniqueLearnerNumber>".encode() in returned.content

    sheet = client.get(_url("batch-ctf-exceptions", batch.pk))
    assert sheet.status_code == 200
    assert _attachment_name(sheet).endswith(".xlsx")
    assert "spreadsheetml" in sheet["Content-Type"]
    workbook = openpyxl.load_workbook(io.BytesIO(sheet.content))
    assert {"Exceptions", "Summary"} <= set(workbook.sheetnames)
    downloads = AuditEvent.objects.filter(action=AuditAction.BATCH_OUTPUT_DOWNLOADED)
    assert downloads.count() == 2


def test_only_a_ctf_batch_has_an_exceptions_spreadsheet(browser: Client) -> None:
    _upload(browser, _csv(_learner_row("A1")))
    batch = Batch.objects.get()
    process_until_done(batch_id=batch.pk)
    assert browser.get(_url("batch-ctf-exceptions", batch.pk)).status_code == 404
    assert "Download the exceptions spreadsheet" not in text(browser.get(_detail(batch)))


# --- Exceptions ---------------------------------------------------------------------------------


def test_the_exceptions_queue_lists_open_exceptions_with_days_left(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    exception = possible_match()
    batch = exception.row.batch
    page = text(browser.get(_detail(batch)))
    assert "Possible matches 1" in page
    assert "Exceptions to resolve 1" in page
    assert "RC007" in page

    response = browser.get(EXCEPTIONS)
    assert response.status_code == 200
    listing = text(response)
    assert CSV_NAME in listing
    assert "P1" in listing
    assert "Elin Pritchard" in listing
    assert DOB.strftime("%-d %B %Y") in listing
    assert "45 days" in listing
    assert _url("exception-detail", exception.pk) in response.content.decode()
    # The batch page links to its own exceptions.
    filtered = text(browser.get(EXCEPTIONS + f"?batch={batch.pk}"))
    assert f"Showing the exceptions of {CSV_NAME} only." in filtered
    assert "Elin Pritchard" in filtered
    assert "No exceptions have been processed yet." in text(
        browser.get(EXCEPTIONS + "?status=processed")
    )


def test_the_exception_compares_the_details_side_by_side_without_the_upn(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    exception = possible_match()
    candidate = Learner.objects.get(given_name="Alys")
    response = browser.get(_url("exception-detail", exception.pk))
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    assert "Submitted in the file" in page
    assert f"Learner 1 ULN {candidate.uln}" in page
    assert "Given name Elin Alys Differs" in page
    assert "Family name Pritchard Pritchard" in page
    assert "Postcode CF10 3AT CF10 3AT" in page
    assert "Why it matched" in page
    assert "Family name matches" in page
    assert "None of these: register a new learner" in page
    assert UPN not in html
    assert "Unique Pupil Number" not in page


def test_choosing_the_learner_resolves_the_exception_and_the_output_has_the_uln(
    browser: Client, possible_match: Callable[..., BatchException], register: Register
) -> None:
    exception = possible_match()
    candidate = Learner.objects.get(given_name="Alys")
    url = _url("exception-detail", exception.pk)

    missing = browser.post(url, {})
    assert "Select the learner who matches, or choose to register a new learner" in (
        error_summary(missing)
    )
    assert 'href="#id_choice_0"' in missing.content.decode()
    stranger = register(given_name="Zara", family_name="Quinn")
    refused = browser.post(url, {"choice": str(stranger.pk)})
    assert "Select the learner who matches" in error_summary(refused)

    response = browser.post(url, {"choice": str(candidate.pk)})
    assert response.status_code == 302
    assert response["Location"] == EXCEPTIONS
    listing = browser.get(EXCEPTIONS)
    banner = text(listing)
    assert "Success" in banner
    assert f"Row 1 of {CSV_NAME} now has ULN {candidate.uln}." in banner
    assert "There are no exceptions to resolve." in banner
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.MATCHED
    assert exception.learner == candidate

    processed = text(browser.get(EXCEPTIONS + "?status=processed"))
    assert "Resolved: learner chosen" in processed
    assert candidate.uln in processed
    # Again: the exception is resolved and cannot be resolved twice.
    again = browser.get(url)
    assert "Resolved by" in text(again)
    assert 'name="choice"' not in again.content.decode()

    output = browser.get(_url("batch-output", exception.row.batch_id))
    cells = _csv_cells(output.content)
    assert cells[3][0] == candidate.uln
    assert cells[3][-1] == rc.RC001


def test_registering_a_new_learner_needs_the_warning_confirmed(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    exception = possible_match()
    response = browser.post(_url("exception-detail", exception.pk), {"choice": "new"})
    register_url = _url("exception-register", exception.pk)
    assert response["Location"] == register_url
    warning = browser.get(register_url)
    page = text(warning)
    assert "Register learner warning" in page
    assert SEED_WARNING in page
    assert "Elin Pritchard" in page
    assert Learner.objects.count() == 1  # nothing registered yet

    done = browser.post(register_url, {"confirm": "yes"})
    assert done["Location"] == EXCEPTIONS
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.REGISTERED
    assert exception.learner is not None
    assert exception.learner.given_name == "Elin"
    banner = text(browser.get(EXCEPTIONS))
    assert f"A new learner was registered for row 1 of {CSV_NAME}: ULN" in banner
    assert exception.learner.uln in banner
    # The warning page is gone once the exception is resolved.
    assert browser.get(register_url)["Location"] == _url("exception-detail", exception.pk)


def test_a_find_only_exception_offers_no_registration(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    exception = possible_match(submission_type="CHK")
    url = _url("exception-detail", exception.pk)
    page = text(browser.get(url))
    assert "None of these: register a new learner" not in page
    assert "find-only (CHK) file" in page
    refused = browser.post(url, {"choice": "new"})
    assert "Select the learner who matches" in error_summary(refused)
    register_url = _url("exception-register", exception.pk)
    assert browser.get(register_url)["Location"] == url
    assert browser.post(register_url, {"confirm": "yes"})["Location"] == url
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.OPEN
    assert Learner.objects.count() == 1


def test_after_resolving_the_list_keeps_its_batch_filter(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    exception = possible_match()
    batch_id = exception.row.batch_id
    filtered = EXCEPTIONS + f"?batch={batch_id}"
    detail = _url("exception-detail", exception.pk) + f"?batch={batch_id}"
    assert f'href="{detail}"' in browser.get(filtered).content.decode()
    page = browser.get(detail).content.decode()
    assert f'href="{filtered}"' in page  # the back link
    assert f'action="{detail}"' in page
    candidate = Learner.objects.get(given_name="Alys")
    response = browser.post(detail, {"choice": str(candidate.pk)})
    assert response["Location"] == filtered


def test_export_processed_exceptions_is_a_formula_safe_csv(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    exception = possible_match(mis="=HYPERLINK(1)")
    candidate = Learner.objects.get(given_name="Alys")
    browser.post(_url("exception-detail", exception.pk), {"choice": str(candidate.pk)})

    response = browser.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert _attachment_name(response).startswith("processed_exceptions_10034567_")
    cells = _csv_cells(response.content)
    assert cells[0] == [
        "Batch file",
        "Row",
        "MIS identifier",
        "Given name",
        "Middle names",
        "Family name",
        "Date of birth",
        "Postcode",
        "Resolution",
        "ULN",
        "Resolved by",
        "Resolved at",
    ]
    assert len(cells) == 2
    row = cells[1]
    assert row[:3] == [CSV_NAME, "1", "'=HYPERLINK(1)"]
    assert row[3] == "Elin"
    assert row[8:11] == [
        "Resolved: learner chosen",
        candidate.uln,
        exception.row.batch.submitted_by_username,
    ]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row)
    assert AuditEvent.objects.filter(
        action=AuditAction.BATCH_OUTPUT_DOWNLOADED, details__file="processed_exceptions"
    ).exists()


def test_an_expired_exception_is_not_offered(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    exception = possible_match()
    BatchException.objects.filter(pk=exception.pk).update(
        expires_at=exception.created_at - datetime.timedelta(days=1)
    )
    assert "There are no exceptions to resolve." in text(browser.get(EXCEPTIONS))
    page = browser.get(_url("exception-detail", exception.pk))
    assert "has expired" in text(page)
    assert 'name="choice"' not in page.content.decode()


# --- Who may see what ---------------------------------------------------------------------------


def _every_url(batch: Batch, exception: BatchException) -> list[str]:
    return [
        LIST,
        _detail(batch),
        _url("batch-progress", batch.pk),
        _url("batch-output", batch.pk),
        _url("batch-ctf-exceptions", batch.pk),
        EXCEPTIONS,
        EXPORT,
        _url("exception-detail", exception.pk),
        _url("exception-register", exception.pk),
    ]


def test_another_organisations_batches_and_exceptions_are_not_found(
    browser: Client,
    signed_in: SignIn,
    school: Organisation,
    make_user: MakeUser,
    possible_match: Callable[..., BatchException],
) -> None:
    exception = possible_match()
    batch = exception.row.batch
    outsider = signed_in(make_user(school, ["batch"]))
    scoped = [url for url in _every_url(batch, exception) if url not in (LIST, EXCEPTIONS, EXPORT)]
    for url in scoped:
        assert outsider.get(url).status_code == 404, url
    candidate = Learner.objects.get(given_name="Alys")
    detail = _url("exception-detail", exception.pk)
    assert outsider.post(detail, {"choice": str(candidate.pk)}).status_code == 404
    assert outsider.post(_url("exception-register", exception.pk)).status_code == 404
    assert outsider.get(EXCEPTIONS + f"?batch={batch.pk}").status_code == 404
    # Their own lists do not show the college's work.
    assert CSV_NAME not in text(outsider.get(LIST))
    assert "Elin" not in text(outsider.get(EXCEPTIONS))
    assert len(_csv_cells(outsider.get(EXPORT).content)) == 1
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.OPEN


@pytest.mark.parametrize("roles", [["online"], ["view"], ["super"], ["online", "plr", "vld"]])
def test_users_without_the_batch_role_are_refused_everywhere(
    roles: list[str],
    browser: Client,
    college: Organisation,
    make_user: MakeUser,
    signed_in: SignIn,
    possible_match: Callable[..., BatchException],
) -> None:
    exception = possible_match()
    client = signed_in(make_user(college, roles))
    for url in _every_url(exception.row.batch, exception):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"choice": "new", "confirm": "yes"}).status_code == 403, url
    upload = _upload(client, _csv(_learner_row("A9")))
    assert upload.status_code == 403
    assert Batch.objects.count() == 1
    assert f'href="{LIST}"' not in client.get(reverse("portal:home")).content.decode()
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.OPEN


def test_signed_out_users_are_sent_to_sign_in(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    exception = possible_match()
    anonymous = Client()
    for url in _every_url(exception.row.batch, exception):
        response = anonymous.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("portal:sign-in")), url


def test_progress_json_is_json(browser: Client) -> None:
    _upload(browser, _csv(_learner_row("A1")))
    batch = Batch.objects.get()
    response = browser.get(_url("batch-progress", batch.pk))
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["total"] == 1


def _in_welsh(english: str) -> str:
    with translation.override("cy"):
        welsh = gettext(english)
    assert welsh != english, f"no Welsh for {english!r}"
    return welsh


# Phrases of each page (the headings, labels and explanations a user reads), in English.
PAGE_PHRASES = {
    "list": ["Batch files", "Upload a batch file", "What should happen to each learner?"],
    "detail": [
        "Submission type",
        "Find, else register (FUL)",
        "What the return codes mean",
        "Possible match: choose the learner, or register a new one, in the portal.",
    ],
    "exceptions": ["Exceptions to resolve", "Name submitted", "Days left"],
    "exception": ["Compare the details", "Why it matched", "Which learner is this?"],
    "register": ["Register learner warning", "Learners found by the search"],
}


def test_the_pages_render_in_welsh(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    exception = possible_match()
    evidence = evidence_from_data(exception.candidates[0]["evidence"])
    english_reasons = match_reasons(evidence)
    with translation.override("cy"):
        welsh_reasons = match_reasons(evidence)
    assert english_reasons
    browser.cookies["lrs_language"] = "cy"
    pages = {
        "list": LIST,
        "detail": _detail(exception.row.batch),
        "exceptions": EXCEPTIONS,
        "exception": _url("exception-detail", exception.pk),
        "register": _url("exception-register", exception.pk),
    }
    for page, url in pages.items():
        response = browser.get(url)
        assert response.status_code == 200, url
        assert '<html lang="cy"' in response.content.decode(), url
        shown = text(response)
        for english in PAGE_PHRASES[page]:
            assert _in_welsh(english) in shown, (page, english)
            assert english not in shown, (page, english)
        if page in {"exception", "register"}:
            # Why the learner matched: the stored evidence, worded in Welsh.
            for welsh, english in zip(welsh_reasons, english_reasons, strict=True):
                assert welsh in shown, (page, welsh)
                assert english not in shown, (page, english)


def test_a_rejected_rows_details_are_shown_in_welsh_with_the_files_field_names(
    browser: Client,
) -> None:
    _upload(browser, _csv(_learner_row("A1", dob="31/02/2008")))
    batch = Batch.objects.get()
    process_until_done(batch_id=batch.pk)
    english = text(browser.get(_detail(batch)))
    assert "DateOfBirth: This date does not exist: check the day and the month." in english
    assert "date_of_birth" not in english
    browser.cookies["lrs_language"] = "cy"
    welsh = text(browser.get(_detail(batch)))
    assert "DateOfBirth: Nid yw'r dyddiad hwn yn bodoli" in welsh
    assert "does not exist" not in welsh
    assert "Incorrect format." not in welsh


@pytest.mark.parametrize("language", ["en", "cy"])
def test_the_file_name_pattern_is_shown_whole(browser: Client, language: str) -> None:
    browser.cookies["lrs_language"] = language
    page = text(browser.get(LIST))
    assert page.count("LRB_<UKPRN>_<DDMMYYYYHHMM>.CSV") == 2  # the hint and the checklist
    assert "LRB_ _ .CSV" not in page


def test_an_exception_lists_the_rows_of_files_sent_again_that_share_it(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    exception = possible_match()
    response = _upload(browser, _csv(_learner_row("P1", "Elin")))
    assert response.status_code == 302
    again = Batch.objects.exclude(pk=exception.row.batch_id).get()
    process_until_done(batch_id=again.pk)
    assert BatchException.objects.count() == 1
    page = text(browser.get(_url("exception-detail", exception.pk)))
    assert "these rows wait on this exception too" in page
    assert f"Row 1 of {again.file_name}" in page
    # The second file's page links to the shared exception.
    detail = browser.get(_detail(again)).content.decode()
    assert _url("exception-detail", exception.pk) in detail


def test_a_possible_match_says_how_strong_it_is_in_words(
    browser: Client, possible_match: Callable[..., BatchException]
) -> None:
    """Issue 19 item 21: the strength in words beside the reasons, never the bare number."""
    exception = possible_match()
    (candidate,) = exception.candidates
    probability = float(candidate["probability"])
    expected = "Strong possible match" if probability >= 0.5 else "Weak possible match"
    page = text(browser.get(_url("exception-detail", exception.pk)))
    assert expected in page
    assert f"{probability:g}" not in page
    assert "Family name matches" in page


def test_progress_of_a_large_file_gives_rows_a_second_and_time_left(browser: Client) -> None:
    """Issue 19 item 19: a large file's progress says how fast it goes and how long is left."""
    from django.utils import timezone

    from lrs.batches.models import BatchRow, BatchStatus, RowState

    _upload(
        browser, _csv(*(_learner_row(f"A{n}", given=f"Name{'x' * (n % 5)}") for n in range(600)))
    )
    batch = Batch.objects.get()
    assert batch.row_count == 600
    done = list(batch.rows.order_by("position").values_list("pk", flat=True)[:240])
    BatchRow.objects.filter(pk__in=done).update(state=RowState.DONE, return_code=rc.RC001)
    Batch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.PROCESSING,
        started_at=timezone.now() - datetime.timedelta(seconds=4),
    )
    data = json.loads(browser.get(_url("batch-progress", batch.pk)).content)
    assert data["done"] == 240
    assert 50 <= data["rows_per_second"] <= 60  # 240 rows in 4 s or a little more
    assert 6 <= data["seconds_left"] <= 8
    assert re.fullmatch(
        r"240 of 600 rows processed \(40%\): \d+ rows a second, about \d seconds left",
        data["text"],
    )
    assert re.search(
        r"240 of 600 rows processed \(40%\): \d+ rows a second, about \d seconds left",
        text(browser.get(_detail(batch))),
    )


def test_progress_of_a_small_file_is_rows_and_percent_only(browser: Client) -> None:
    _upload(browser, _csv(_learner_row("A1")))
    data = json.loads(browser.get(_url("batch-progress", Batch.objects.get().pk)).content)
    assert data["rows_per_second"] is None
    assert data["text"] == "0 of 1 row processed (0%)"


def test_the_progress_bar_polls_often_enough_to_move_on_a_file_of_seconds() -> None:
    """A 3,000-row file took 2.5 s: polled every 2 s, the bar went from 0 to 100 %."""
    script = (
        Path(__file__).resolve().parents[2] / "src/lrs/portal/static/portal/progress.js"
    ).read_text()
    poll_ms = int(re.search(r"const POLL_MS = (\d+);", script).group(1))  # type: ignore[union-attr]
    assert poll_ms <= 500


@pytest.mark.parametrize("file_format", ["csv", "xml"])
def test_a_template_downloads_with_the_users_ukprn_and_uploads_as_it_is(
    browser: Client, batch_user: User, file_format: str
) -> None:
    """Issue 19 item 15: a CSV and an XML template of two example learners."""
    list_page = browser.get(LIST).content.decode()
    url = reverse("portal:batch-template", args=[file_format])
    assert f'href="{url}"' in list_page
    response = browser.get(url)
    assert response.status_code == 200
    assert batch_user.organisation is not None
    ukprn = batch_user.organisation.ukprn
    disposition = response["Content-Disposition"]
    name = re.search(r'filename="([^"]+)"', disposition).group(1)  # type: ignore[union-attr]
    assert re.fullmatch(rf"LRB_{ukprn}_\d{{12}}\.{file_format.upper()}", name)
    content = response.content
    assert ukprn.encode() in content

    upload = SimpleUploadedFile(name, content)
    browser.post(LIST, {"file": upload, "submission_type": "FUL"})
    batch = Batch.objects.get()
    assert batch.row_count == 2
    process_until_done(batch_id=batch.pk)
    assert sorted(batch.rows.values_list("return_code", flat=True)) == [rc.RC002, rc.RC002]


def test_the_templates_in_docs_are_the_ones_the_portal_offers() -> None:
    from lrs.batches.file_templates import SAMPLE_NAME, SAMPLES

    docs = Path(__file__).resolve().parents[2] / "docs" / "batch-templates"
    for extension in ("CSV", "XML"):
        name = f"{SAMPLE_NAME}.{extension}"
        assert (docs / name).read_bytes() == (SAMPLES / name).read_bytes()


def test_other_template_formats_are_not_found(browser: Client) -> None:
    response = browser.get(reverse("portal:batch-template", args=["xlsx"]))
    assert response.status_code == 404
