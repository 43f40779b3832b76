"""A school's CTF round trip: the CTF sent, the returned CTF sent back next term (issue 18).

Schools' MIS software sends the CTF again with the ULNs this service returned. The pupils'
details may have moved on a little meanwhile (a typo corrected or made, a day and month
swapped, a new surname with the old one as FormerSurname): a ULN supplied with details that
the search would have matched to that same learner is confirmed (RC003), never an exception,
and no ULN ever comes back on two pupils.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import defusedxml.ElementTree as DefusedET
import openpyxl
import pytest

from lrs.batches import return_codes as rc
from lrs.batches.ctf import parse_ctf, write_ctf, write_ctf_exceptions_xlsx
from lrs.batches.models import Batch, BatchException, ExceptionStatus
from lrs.batches.services import process_until_done, submit_batch
from lrs.core.actor import Actor, Channel
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User

HEADER = (
    "<Header><DocumentName>Common Transfer File</DocumentName><CTFversion>23.0</CTFversion>"
    "<DateTime>2026-11-13T09:15:00</DateTime><DocumentQualifier>partial</DocumentQualifier>"
    "<SourceSchool><LEA>666</LEA><Estab>4000</Estab><SchoolName>Ysgol Glan Afon</SchoolName>"
    "</SourceSchool></Header>"
)


def pupil(
    forename: str,
    surname: str,
    dob: str,
    *,
    sex: str = "F",
    postcode: str = "SY21 0HW",
    uln: str = "",
    former: str = "",
) -> str:
    fields = [("UniqueLearnerNumber", uln)] if uln else []
    fields += [("Surname", surname), ("Forename", forename)]
    if former:
        fields.append(("FormerSurname", former))
    fields += [("DOB", dob), ("Sex", sex)]
    body = "".join(f"<{name}>{value}</{name}>" for name, value in fields)
    return f"<Pupil>{body}<Address><Postcode>{postcode}</Postcode></Address></Pupil>"


def ctf(*pupils: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<CTfile>'
        + HEADER
        + "<CTFpupilData>"
        + "".join(pupils)
        + "</CTFpupilData></CTfile>"
    ).encode()


def pupil_ulns(content: bytes) -> list[str]:
    root = DefusedET.fromstring(content)
    return [pupil.findtext("UniqueLearnerNumber") or "" for pupil in root.iter("Pupil")]


@pytest.fixture
def school_actor(school: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(school, ["batch"]), channel=Channel.PORTAL)


def send(actor: Actor, content: bytes, name: str = "6664000_CTF.xml") -> Batch:
    parsed = parse_ctf(file_name=name, content=content, uploader_ukprn="10045678")
    batch = submit_batch(actor=actor, parsed=parsed)
    process_until_done(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def returned(batch: Batch) -> bytes:
    return write_ctf(batch, batch.rows.order_by("position"))[0]


def codes(batch: Batch) -> list[str]:
    return list(batch.rows.order_by("position").values_list("return_code", flat=True))


def open_exceptions(organisation: Organisation) -> int:
    return BatchException.objects.filter(
        organisation=organisation, status=ExceptionStatus.OPEN
    ).count()


FIRST_TERM = (
    pupil("Megan", "Pritchard", "2011-04-12"),
    pupil("Siân", "Griffiths", "2010-03-07"),
    pupil("Dafydd", "Ellis", "2011-02-10", sex="M"),
    pupil("Gethin", "Jones", "2011-06-01", sex="M"),
    pupil("Carys", "Evans", "2010-09-30"),
)


def test_the_returned_ctf_sent_back_as_it_is_raises_no_exceptions(
    school: Organisation, school_actor: Actor
) -> None:
    first = send(school_actor, ctf(*FIRST_TERM))
    assert codes(first) == [rc.RC002] * 5
    back = returned(first)
    again = send(school_actor, back, "6664000_CTF_ULN.xml")
    assert codes(again) == [rc.RC003] * 5
    assert open_exceptions(school) == 0
    assert returned(again) == back


def test_the_returned_ctf_with_next_terms_details_is_confirmed_not_rc008(
    school: Organisation, school_actor: Actor
) -> None:
    """A swapped day and month, a family-name typo, a new surname with the registered one as
    FormerSurname: the details still point to the learner the ULN belongs to."""
    first = send(school_actor, ctf(*FIRST_TERM))
    megan, sian, dafydd, gethin, carys = pupil_ulns(returned(first))
    next_term = ctf(
        pupil("Megan", "Pritchard", "2011-12-04", uln=megan),  # day and month swapped
        pupil("Siân", "Grifiths", "2010-03-07", uln=sian),  # typo
        pupil("Dafydd", "Ellis-Hughes", "2011-02-10", sex="M", uln=dafydd, former="Ellis"),
        pupil("Gethin", "Jones", "2011-06-01", sex="M", uln=gethin),
        pupil("Carys", "Evans", "2010-09-30", uln=carys),
    )
    again = send(school_actor, next_term, "6664000_CTF_ULN.xml")
    assert codes(again) == [rc.RC003] * 5
    assert open_exceptions(school) == 0
    assert pupil_ulns(returned(again)) == [megan, sian, dafydd, gethin, carys]
    # Sent a third time: still nothing to resolve.
    third = send(school_actor, returned(again), "6664000_CTF_ULN_ULN.xml")
    assert codes(third) == [rc.RC003] * 5
    assert open_exceptions(school) == 0


def test_a_uln_is_never_returned_on_two_pupils(school: Organisation, school_actor: Actor) -> None:
    """Dafydd's MIS record carries Megan's ULN; Megan comes without one. Megan gets her ULN
    back, and Dafydd's wrong one is not returned (the spreadsheet shows it)."""
    first = send(school_actor, ctf(*FIRST_TERM))
    megan = pupil_ulns(returned(first))[0]
    mixed = ctf(
        pupil("Dafydd", "Ellis", "2011-02-10", sex="M", uln=megan),
        pupil("Megan", "Pritchard", "2011-04-12"),
    )
    batch = send(school_actor, mixed, "6664000_CTF_mixed.xml")
    assert codes(batch) == [rc.RC008, rc.RC001]
    assert pupil_ulns(returned(batch)) == ["", megan]
    book = openpyxl.load_workbook(io.BytesIO(write_ctf_exceptions_xlsx(batch, batch.rows.all())))
    sheet = [tuple(r) for r in book["Exceptions"].iter_rows(values_only=True)]
    header, line = sheet[0], sheet[1]
    assert "ULN in the file" in header
    assert line[header.index("ULN in the file")] == megan
    assert line[header.index("Return code")] == rc.RC008


def test_no_uln_on_two_pupils_whatever_the_file_carries(
    school: Organisation, school_actor: Actor
) -> None:
    """The same valid ULN on two pupils of one file: it comes back on at most one."""
    first = send(school_actor, ctf(*FIRST_TERM))
    megan = pupil_ulns(returned(first))[0]
    both = ctf(
        pupil("Megan", "Pritchard", "2011-04-12", uln=megan),
        pupil("Siân", "Griffiths", "2010-03-07", uln=megan),
    )
    batch = send(school_actor, both, "6664000_CTF_both.xml")
    ulns = [uln for uln in pupil_ulns(returned(batch)) if uln]
    assert len(ulns) == len(set(ulns))
    assert re.fullmatch(r"\d{10}", ulns[0])


def test_an_invalid_upn_is_dropped_and_listed_not_the_pupil(
    school: Organisation, school_actor: Actor
) -> None:
    """The UPN only helps matching: the pupil gets a ULN, and the sheet lists the UPN."""
    content = ctf(pupil("Megan", "Pritchard", "2011-04-12")).replace(
        b"<Surname>", b"<UPN>A666400014021</UPN><Surname>"
    )
    batch = send(school_actor, content)
    row = batch.rows.get()
    assert row.return_code == rc.RC002
    assert pupil_ulns(returned(batch)) == [row.uln]
    book = openpyxl.load_workbook(io.BytesIO(write_ctf_exceptions_xlsx(batch, batch.rows.all())))
    sheet = [tuple(r) for r in book["Exceptions"].iter_rows(values_only=True)]
    assert len(sheet) == 2
    header, line = sheet
    assert line[0] == "A666400014021"
    assert line[header.index("Return code")] == rc.RC002
    what = str(line[header.index("What to do")])
    assert "The UPN in the file is not valid (UPN invalid (wrong check letter" in what
    summary = {label: value for label, value in book["Summary"].iter_rows(values_only=True)}
    assert summary["ULN returned in the CTF"] == 1
    assert summary["Pupils needing action (Exceptions sheet)"] == 1


@pytest.mark.parametrize("dob", ["14/03/2013", "2013-03-14Z"])
def test_a_13_year_old_is_not_sent_whatever_the_form_of_the_date(
    school_actor: Actor, dob: str
) -> None:
    batch = send(school_actor, ctf(pupil("Nia", "Rees", dob)))
    row = batch.rows.get()
    assert row.return_code == ""
    assert Learner.objects.count() == 0


@pytest.mark.parametrize(("sex", "gender"), [("Male", "1"), ("F", "2"), ("Female", "2")])
def test_sex_as_mis_software_writes_it_is_registered(
    school_actor: Actor, sex: str, gender: str
) -> None:
    batch = send(school_actor, ctf(pupil("Alex", "Rees", "2010-05-05", sex=sex)))
    row = batch.rows.get()
    assert row.return_code == rc.RC002
    assert row.learner is not None
    assert row.learner.gender == gender


@pytest.mark.parametrize("fixture", ["ctf_v26_caereinion.xml", "ctf_v25_latin1_crlf.xml"])
def test_a_schools_real_ctf_sent_back_raises_nothing_new(
    school: Organisation, school_actor: Actor, fixture: str
) -> None:
    """The MIS exports (UTF-8 with BasicDetails and Sex; ISO-8859-1, CRLF, Gender): the
    returned CTF sent back gives every pupil who got a ULN the same ULN, confirmed, and opens
    no exception."""
    content = (Path(__file__).parent / "fixtures" / fixture).read_bytes()
    first = send(school_actor, content, fixture)
    before = open_exceptions(school)
    back = returned(first)
    given = dict(enumerate(pupil_ulns(back)))
    again = send(school_actor, back, fixture.replace(".xml", "_ULN.xml"))
    assert open_exceptions(school) == before
    rows = list(again.rows.order_by("position"))
    for position, row in enumerate(rows):
        if first.rows.get(position=position + 1).return_code in {rc.RC001, rc.RC002}:
            assert row.return_code == rc.RC003, row.submitted
            assert row.uln == given[position]
    ulns = [uln for uln in pupil_ulns(returned(again)) if uln]
    assert len(ulns) == len(set(ulns))


def test_a_sex_a_ctf_cannot_have_is_refused_in_the_ctfs_terms(school_actor: Actor) -> None:
    batch = send(school_actor, ctf(pupil("Alex", "Rees", "2010-05-05", sex="Other")))
    row = batch.rows.get()
    assert row.return_code == rc.RC011
    book = openpyxl.load_workbook(io.BytesIO(write_ctf_exceptions_xlsx(batch, batch.rows.all())))
    what = str(next(book["Exceptions"].iter_rows(min_row=2, values_only=True))[6])
    assert "Sex: Other is not a value a CTF can have" in what
    assert "0 not known" not in what  # not the register's gender codes
