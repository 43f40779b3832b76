"""Verify files through the batch machinery: layout, the workers, the output file, audit."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable

import pytest

from lrs.batches.models import BatchStatus, SubmissionType
from lrs.batches.selectors import read_output
from lrs.batches.services import process_until_done, submit_upload
from lrs.batches.uploads import upload_kind_names
from lrs.batches.verify_files import OUTPUT_COLUMNS, verify_counts
from lrs.core.actor import Actor, Channel
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.core.roles import Permission
from lrs.identifiers import generate_uln
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation, User
from tests.conftest import learner_details

# A second record of Megan's, different enough to be registered (then linked in the test).
ANOTHER_RECORD = {
    "family_name": "Prichard",
    "date_of_birth": datetime.date(2009, 5, 12),
    "last_known_postcode": "SA1 1NW",
    "middle_other_name": "",
}

pytestmark = pytest.mark.django_db

HEADER = "MISIdentifier,ULN,FamilyName,GivenName,DateOfBirth,Gender,Postcode"


@pytest.fixture
def enrol(registrar: Actor) -> Callable[..., Learner]:
    """Registers a learner (the batch tests' own `register` fixture is another one)."""

    def _enrol(**overrides: object) -> Learner:
        result = register_learner(
            details=learner_details(**overrides), actor=registrar, confirm_not_possible_match=True
        )
        assert result.learner is not None
        return result.learner

    return _enrol


@pytest.fixture
def megan(enrol: Callable[..., Learner]) -> Learner:
    return enrol()


@pytest.fixture
def vld_actor(college: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(college, ["vld"]), channel=Channel.PORTAL)


def output_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def unknown(*taken: str) -> str:
    while (uln := generate_uln()) in taken:
        pass
    return uln


def test_verify_is_a_kind_of_upload() -> None:
    assert "verify" in upload_kind_names()


def test_a_file_is_verified_by_the_workers_with_each_rows_answer(
    vld_actor: Actor, megan: Learner, enrol: Callable[..., Learner], college: Organisation
) -> None:
    linked = enrol(**ANOTHER_RECORD)
    assert linked.pk != megan.pk
    Learner.objects.filter(pk=linked.pk).update(master=megan, learner_status="2")
    wrong_digit = megan.uln[:9] + str((int(megan.uln[9]) + 1) % 10)
    content = (
        f"{HEADER}\n"
        f"A1,{megan.uln},Pritchard,Megan,2009-04-12,2,CF10 3AT\n"
        f"A2,{megan.uln},Pritchard,Meg,12/04/2009,2,\n"
        f"A3,{linked.uln},Pritchard,Megan,2009-04-12,2,\n"
        f"A4,{megan.uln},Pritchard,Ffion,2009-04-13,1,\n"
        f"A5,{unknown(megan.uln, linked.uln)},Pritchard,Megan,2009-04-12,2,\n"
        f"A6,{wrong_digit},Pritchard,Megan,2009-04-12,2,\n"
        f"A7,{megan.uln},Pritchard,Megan,12th April,2,\n"
    ).encode()

    batch = submit_upload(actor=vld_actor, file_name="verify.csv", content=content, kind="verify")

    assert (batch.kind, batch.row_count, batch.status) == ("verify", 7, BatchStatus.QUEUED)
    assert batch.submission_type == SubmissionType.CHECK
    process_until_done(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETE
    counts = verify_counts(batch)
    assert (
        counts.done,
        counts.verified,
        counts.not_matched,
        counts.not_found,
        counts.rejected,
    ) == (
        7,
        3,
        1,
        1,
        2,
    )

    output = read_output(vld_actor, batch.pk, permission=Permission.VERIFY_LEARNER)
    assert output.file_name == "verify_VERIFIED.CSV"
    assert output.content.decode().splitlines()[0] == ",".join(OUTPUT_COLUMNS)
    rows = output_rows(output.content)
    assert [(r["MISIdentifier"], r["ResponseCode"], r["ULN"]) for r in rows] == [
        ("A1", "WSVRC001", megan.uln),
        ("A2", "WSVRC003", megan.uln),
        ("A3", "WSVRC002", megan.uln),
        ("A4", "WSVRC005", ""),
        ("A5", "WSVRC006", ""),
        ("A6", "RC011", ""),
        ("A7", "RC011", ""),
    ]
    assert rows[0]["PostcodeResult"] == "matches"
    assert rows[0]["Message"] == "Verified: the details are those of the learner with this ULN."
    assert rows[1]["FailureFlag"] == "VRF1;VRF2;VRF3"
    assert rows[3]["FailureFlag"] == "VRF1;VRF2;VRF3;VRF7;VRF8"
    assert rows[3]["DifferingFields"] == "GivenName;DateOfBirth;Gender"
    assert rows[5]["Message"] == "ULN: ULN check digit is wrong"
    assert rows[6]["Message"] == "DateOfBirth: Write dates as YYYY-MM-DD or DD/MM/YYYY."
    # Every row looked up is audited, on the learner, with the batch channel.
    audited = AuditEvent.objects.filter(action="learner.verified")
    assert audited.count() == 5
    assert set(audited.values_list("channel", "organisation_id")) == {("batch", college.pk)}
    assert audited.filter(learner_id=megan.pk).count() == 4


def test_a_repeated_mis_identifier_is_rc010(vld_actor: Actor, megan: Learner) -> None:
    content = (
        f"{HEADER}\nA1,{megan.uln},Pritchard,Megan,2009-04-12,2,\n"
        f"A1,{megan.uln},Pritchard,Megan,2009-04-12,2,\n"
    ).encode()
    batch = submit_upload(actor=vld_actor, file_name="v.csv", content=content, kind="verify")
    process_until_done(batch_id=batch.pk)

    rows = output_rows(
        read_output(vld_actor, batch.pk, permission=Permission.VERIFY_LEARNER).content
    )

    assert [r["ResponseCode"] for r in rows] == ["WSVRC001", "RC010"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ULN,GivenName,FamilyName,DateOfBirth\n1,2,3,4\n", "missing column(s): Gender"),
        (
            b"ULN,GivenName,FamilyName,DateOfBirth,Gender,Email\n1,2,3,4,5,6\n",
            "unknown column(s): Email",
        ),
        (HEADER.encode() + b"\n", "The verify file has no learners."),
        (b"\xff\xfeU\x00L\x00N\x00", "NUL byte"),
    ],
)
def test_an_unusable_file_is_refused_whole(vld_actor: Actor, content: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        submit_upload(actor=vld_actor, file_name="v.csv", content=content, kind="verify")

    assert message in refused.value.message


def test_at_most_5000_learners(vld_actor: Actor, megan: Learner) -> None:
    line = f",{megan.uln},Pritchard,Megan,2009-04-12,2,\n"
    content = (HEADER + "\n" + line * 5001).encode()

    with pytest.raises(ValidationFailed) as refused:
        submit_upload(actor=vld_actor, file_name="v.csv", content=content, kind="verify")

    assert "at most 5000 learners" in refused.value.message


def test_windows_1252_is_read(vld_actor: Actor, enrol: Callable[..., Learner]) -> None:
    sian = enrol(given_name="Siân", family_name="Prys")
    content = f"{HEADER}\n,{sian.uln},Prys,Siân,2009-04-12,2,\n".encode("cp1252")
    batch = submit_upload(actor=vld_actor, file_name="v.csv", content=content, kind="verify")
    process_until_done(batch_id=batch.pk)

    rows = output_rows(
        read_output(vld_actor, batch.pk, permission=Permission.VERIFY_LEARNER).content
    )

    assert rows[0]["ResponseCode"] == "WSVRC001"
    assert rows[0]["SearchedGivenName"] == "Siân"


def test_only_chk(vld_actor: Actor, megan: Learner) -> None:
    content = f"{HEADER}\n,{megan.uln},Pritchard,Megan,2009-04-12,2,\n".encode()

    with pytest.raises(ValidationFailed):
        submit_upload(
            actor=vld_actor,
            file_name="v.csv",
            content=content,
            kind="verify",
            submission_type="FUL",
        )


@pytest.mark.parametrize("roles", [["batch"], ["online"], ["plr"]])
def test_only_the_verify_role_uploads_or_reads_them(
    college: Organisation,
    make_user: Callable[..., User],
    vld_actor: Actor,
    megan: Learner,
    roles: list[str],
) -> None:
    other = Actor(user=make_user(college, roles), channel=Channel.PORTAL)
    content = f"{HEADER}\n,{megan.uln},Pritchard,Megan,2009-04-12,2,\n".encode()

    with pytest.raises(PermissionDenied):
        submit_upload(actor=other, file_name="v.csv", content=content, kind="verify")
    batch = submit_upload(actor=vld_actor, file_name="v.csv", content=content, kind="verify")
    process_until_done(batch_id=batch.pk)
    with pytest.raises(PermissionDenied):
        read_output(other, batch.pk, permission=Permission.VERIFY_LEARNER)
    # A batch user's batch list does not show verify files.
    if roles == ["batch"]:
        from lrs.batches.selectors import list_batches

        assert not list_batches(other).exists()


def test_another_organisations_verify_file_is_not_found(
    school: Organisation, make_user: Callable[..., User], vld_actor: Actor, megan: Learner
) -> None:
    from lrs.core.errors import NotFound

    content = f"{HEADER}\n,{megan.uln},Pritchard,Megan,2009-04-12,2,\n".encode()
    batch = submit_upload(actor=vld_actor, file_name="v.csv", content=content, kind="verify")
    process_until_done(batch_id=batch.pk)
    elsewhere = Actor(user=make_user(school, ["vld"]), channel=Channel.PORTAL)

    with pytest.raises(NotFound):
        read_output(elsewhere, batch.pk, permission=Permission.VERIFY_LEARNER)
