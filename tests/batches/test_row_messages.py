"""What a row's message says: the file's own field names, one piece of advice, and the
reader's language (issue 18 items 7 and 8, issue 19 item 18).

Rows store what was wrong (the field, the service's message in English); every place a row is
read (the output file's ReturnMessage, the CTF exceptions sheet, the portal, the API) shows it
in the reader's language under the name the user's file gives the field.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable

import openpyxl
import pytest
from django.utils import translation

from lrs.batches import return_codes as rc
from lrs.batches.ctf import parse_ctf, write_ctf_exceptions_xlsx
from lrs.batches.messages import details_of, encode_errors, row_details, translate_stored
from lrs.batches.models import Batch, BatchRow
from lrs.batches.output import write_output
from lrs.batches.selectors import batch_counts
from lrs.batches.services import process_until_done, submit_batch
from lrs.core.actor import Actor, Channel
from lrs.organisations.models import Organisation, User

from .conftest import MakeRow, SubmitRows

ADULT = (datetime.date.today() - datetime.timedelta(days=365 * 20)).isoformat()


def _output_messages(batch: Batch) -> dict[str, str]:
    content = write_output(batch, batch.rows.order_by("position"), batch_counts(batch))[0]
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    headings = table[2]
    at_mis, at_message = headings.index("MISIdentifier"), headings.index("ReturnMessage")
    return {line[at_mis]: line[at_message] for line in table[3:]}


# Rows each refused for one reason, and the message their output file gives, in English and
# in Welsh: every kind of message a batch row stores.
BAD_ROWS: list[tuple[str, dict[str, str], str, str]] = [
    (
        "feb31",
        {"DateOfBirth": "31/02/2008"},
        "DateOfBirth: This date does not exist: check the day and the month.",
        "DateOfBirth: Nid yw'r dyddiad hwn yn bodoli: gwiriwch y diwrnod a'r mis.",
    ),
    (
        "words",
        {"DateOfBirth": "twelfth of April"},
        "DateOfBirth: Write dates as YYYY-MM-DD or DD/MM/YYYY.",
        "DateOfBirth: Ysgrifennwch ddyddiadau ar y ffurf YYYY-MM-DD neu DD/MM/YYYY.",
    ),
    ("postcode", {"LastKnownPostCode": ""}, "LastKnownPostCode: Enter the learner's", ""),
    ("gender", {"Gender": "X"}, "Gender: Choose a gender", ""),
    ("noname", {"GivenName": ""}, "GivenName: Enter the learner's given name.", ""),
    ("long", {"FamilyName": "A" * 120}, "FamilyName: Must be", ""),
    ("upn", {"UPN": "A666400014021"}, "UPN: ", ""),
    ("email", {"EmailAddress": "none"}, "EmailAddress: ", ""),
]


@pytest.fixture
def refused(batch_actor: Actor, make_row: MakeRow, submit_rows: SubmitRows) -> Batch:
    rows = [make_row(mis, **values) for mis, values, _en, _cy in BAD_ROWS]
    batch = submit_rows(batch_actor, rows)
    process_until_done(batch_id=batch.pk)
    return batch


def test_the_output_file_says_what_was_wrong_with_the_files_field_names(refused: Batch) -> None:
    messages = _output_messages(refused)
    codes = dict(refused.rows.values_list("mis_identifier", "return_code"))
    for mis, _values, english, _welsh in BAD_ROWS:
        assert messages[mis].startswith(str(rc.TABLE[codes[mis]].meaning)), mis
        assert english in messages[mis], mis
        for internal in ("date_of_birth", "last_known_postcode", "given_name", "upn:"):
            assert internal not in messages[mis], mis


def test_every_stored_message_is_shown_in_welsh(refused: Batch) -> None:
    english = _output_messages(refused)
    with translation.override("cy"):
        welsh = _output_messages(refused)
    for mis, _values, fragment, expected in BAD_ROWS:
        assert welsh[mis].startswith("Fformat"), mis
        assert welsh[mis] != english[mis], mis
        if expected:
            assert expected in welsh[mis], mis
        # The field names stay the file's own; the words after them are Welsh.
        field = fragment.split(":")[0]
        assert f"{field}: " in welsh[mis], mis
        assert english[mis].rsplit(": ", 1)[1] not in welsh[mis], mis


def test_a_message_with_values_in_it_is_translated_with_them() -> None:
    english = "Must be 100 characters or fewer (you entered 120)."
    with translation.override("cy"):
        welsh = translate_stored(english)
    assert welsh != english
    assert "100" in welsh
    assert "120" in welsh
    with translation.override("en"):
        assert translate_stored(english) == english


def test_rows_stored_as_plain_text_are_shown_as_stored() -> None:
    assert row_details("upn: UPN invalid", {}) == "upn: UPN invalid"
    stored = encode_errors({"date_of_birth": ["Date of birth must be in the past."]})
    assert row_details(stored, {}) == "DateOfBirth: Date of birth must be in the past."
    assert row_details(stored, {}, ctf=True) == "DOB: Date of birth must be in the past."


def test_a_match_exception_stores_no_sentence_of_its_own(
    batch_actor: Actor, make_row: MakeRow, submit_rows: SubmitRows, register: Callable[..., object]
) -> None:
    register(Actor(user=batch_actor.user, channel=Channel.BATCH), given_name="Alys")
    batch = submit_rows(batch_actor, [make_row("P1", GivenName="Elin", MiddleOtherName="")])
    process_until_done(batch_id=batch.pk)
    row = batch.rows.get()
    assert row.return_code == rc.RC007
    assert row.message == ""
    with translation.override("cy"):
        message = _output_messages(batch)["P1"]
        assert message == str(rc.TABLE[rc.RC007].meaning)
    assert "Possible match" not in message


# --- The CTF exceptions sheet ------------------------------------------------------------------


def _pupil(surname: str, dob: str, postcode: str = "SY21 0HW") -> str:
    address = f"<Address><Postcode>{postcode}</Postcode></Address>" if postcode else ""
    return (
        f"<Pupil><Surname>{surname}</Surname><Forename>Nia</Forename><DOB>{dob}</DOB>"
        f"<Sex>F</Sex>{address}</Pupil>"
    )


@pytest.fixture
def ctf_batch(school: Organisation, make_user: Callable[..., User]) -> Batch:
    content = (
        '<?xml version="1.0" encoding="utf-8"?><CTfile><Header><DocumentName>Common Transfer '
        "File</DocumentName><CTFversion>23.0</CTFversion><DateTime>2026-11-13T09:15:00</DateTime>"
        "<SourceSchool><LEA>666</LEA><Estab>4000</Estab></SourceSchool></Header><CTFpupilData>"
        + _pupil("Morgan", "2011-06-15", postcode="")
        + _pupil("Price", "31/02/2011")
        + "</CTFpupilData></CTfile>"
    ).encode()
    actor = Actor(user=make_user(school, ["batch"]), channel=Channel.PORTAL)
    parsed = parse_ctf(file_name="6664000_CTF.xml", content=content, uploader_ukprn="10045678")
    batch = submit_batch(actor=actor, parsed=parsed)
    process_until_done(batch_id=batch.pk)
    return batch


def _what_to_do(batch: Batch) -> dict[str, str]:
    book = openpyxl.load_workbook(
        io.BytesIO(write_ctf_exceptions_xlsx(batch, batch.rows.order_by("position")))
    )
    sheet = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    return {str(line[1]): str(line[6]) for line in sheet[1:]}


def test_the_ctf_sheet_gives_one_piece_of_advice_in_the_ctfs_names(ctf_batch: Batch) -> None:
    advice = _what_to_do(ctf_batch)
    morgan, price = advice["Morgan"], advice["Price"]
    assert "Add the pupil's postcode in your MIS" in morgan
    assert "ZZ99 9ZZ" not in morgan  # no second, contradicting piece of advice
    assert "last_known_postcode" not in morgan
    assert "DOB: This date does not exist" in price
    assert "date_of_birth" not in price


def test_the_ctf_sheet_in_welsh_has_no_english_messages(ctf_batch: Batch) -> None:
    with translation.override("cy"):
        advice = _what_to_do(ctf_batch)
    price = advice["Price"]
    assert "DOB: Nid yw'r dyddiad hwn yn bodoli" in price
    assert "does not exist" not in price
    assert "Add the pupil's postcode" not in advice["Morgan"]


def test_the_api_and_the_portal_read_the_same_details(refused: Batch) -> None:
    row = refused.rows.get(mis_identifier="feb31")
    assert details_of(row) == "DateOfBirth: This date does not exist: check the day and the month."
    with translation.override("cy"):
        assert details_of(row).startswith("DateOfBirth: Nid yw'r dyddiad")
    assert isinstance(row, BatchRow)


def test_the_whole_ctf_spreadsheet_is_in_welsh(ctf_batch: Batch) -> None:
    def sheets() -> list[list[tuple[object, ...]]]:
        data = write_ctf_exceptions_xlsx(ctf_batch, ctf_batch.rows.order_by("position"))
        book = openpyxl.load_workbook(io.BytesIO(data))
        return [[tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in book]

    english = sheets()
    with translation.override("cy"):
        welsh = sheets()
    (en_rows, en_summary), (cy_rows, cy_summary) = english, welsh
    for en, cy in zip(en_rows[0], cy_rows[0], strict=True):  # the column headings
        assert en != cy or en in {"UPN", "DOB"}, en
    for en_line, cy_line in zip(en_rows[1:], cy_rows[1:], strict=True):
        assert en_line[6] != cy_line[6]  # What to do
    for (en_label, _en), (cy_label, _cy) in zip(en_summary, cy_summary, strict=True):
        assert en_label != cy_label or en_label == "CTF version", en_label
