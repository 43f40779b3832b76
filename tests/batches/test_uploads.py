"""The one upload path: `submit_upload` checks, reads, stores and queues an uploaded file."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lrs.batches import queue
from lrs.batches.ctf import BadCtfFile
from lrs.batches.files import BadBatchFile
from lrs.batches.models import Batch, RowState
from lrs.batches.services import submit_upload
from lrs.batches.uploads import (
    MAX_UPLOAD_BYTES,
    UploadTooLarge,
    recognise_upload,
    upload_kind_names,
)
from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.organisations.models import Organisation, User

pytestmark = pytest.mark.django_db

CTF = (Path(__file__).parent / "fixtures" / "ctf_v26_caereinion.xml").read_bytes()
CTF_NAME = "6664000_CTF.xml"
CSV_NAME = "LRB_10034567_231120260900.CSV"
CSV = (
    b"FileVersion,FileName,UKPRN,Email\r\n"
    b"3A,Autumn intake,10034567,mis@riverside.example.ac.uk\r\n"
    b"MISIdentifier,GivenName,FamilyName,DateOfBirth,Gender,LastKnownPostCode,"
    b"VerificationType,PrivacyNoticeSeen\r\n"
    b"A0001,Megan,Pritchard,2009-04-12,2,CF10 3AT,1,1\r\n"
    b"A0002,Dafydd,O'Brien,12/05/2008,1,SA1 1AA,1,1\r\n"
)


@pytest.fixture
def school_batch_actor(school: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(school, ["batch"]), channel=Channel.API)


def _padded_ctf(size: int) -> bytes:
    """The CTF fixture with a comment after its declaration making it `size` bytes long."""
    declaration, rest = CTF.split(b"\n", 1)
    frame = len(declaration) + len(b"\n<!---->\n") + len(rest)
    return declaration + b"\n<!--" + b"x" * (size - frame) + b"-->\n" + rest


def test_an_upload_becomes_a_pending_batch_queued_once_it_commits(
    batch_actor: Actor,
    django_capture_on_commit_callbacks: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LRS_QUEUE", "embedded")
    queue.work_available.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = submit_upload(actor=batch_actor, file_name=CSV_NAME, content=io.BytesIO(CSV))
        assert not queue.work_available.is_set(), "nothing is queued before the commit"
    assert len(callbacks) == 1
    assert queue.work_available.is_set()
    queue.work_available.clear()
    assert (batch.file_name, batch.file_format, batch.submission_type) == (CSV_NAME, "csv", "FUL")
    assert batch.row_count == 2
    assert set(batch.rows.values_list("state", flat=True)) == {RowState.PENDING}
    assert AuditEvent.objects.filter(
        action=AuditAction.BATCH_SUBMITTED, details__batch_id=batch.pk
    ).exists()


def test_a_refused_upload_stores_and_queues_nothing(
    batch_actor: Actor, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(BadBatchFile, match="does not follow the pattern"),
    ):
        submit_upload(actor=batch_actor, file_name="learners.csv", content=CSV)
    assert callbacks == []
    assert not Batch.objects.exists()


def test_a_file_of_exactly_10_mb_is_read_and_one_byte_more_is_refused(
    school_batch_actor: Actor,
) -> None:
    largest = _padded_ctf(MAX_UPLOAD_BYTES)
    assert len(largest) == MAX_UPLOAD_BYTES
    batch = submit_upload(actor=school_batch_actor, file_name=CTF_NAME, content=largest)
    assert batch.file_format == "ctf"

    with pytest.raises(UploadTooLarge) as caught:
        submit_upload(
            actor=school_batch_actor,
            file_name=CTF_NAME,
            content=_padded_ctf(MAX_UPLOAD_BYTES + 1),
        )
    assert caught.value.code == "request_too_large"
    assert caught.value.message == "The selected file must be smaller than 10 MB"
    assert Batch.objects.count() == 1


@pytest.mark.parametrize("kind", ["batch", "ctf"])
def test_a_file_object_is_read_no_further_than_one_byte_past_the_limit(
    batch_actor: Actor, kind: str
) -> None:
    stream = io.BytesIO(b"x" * (MAX_UPLOAD_BYTES + 4096))
    with pytest.raises(UploadTooLarge):
        submit_upload(actor=batch_actor, file_name=CSV_NAME, content=stream, kind=kind)
    assert stream.tell() == MAX_UPLOAD_BYTES + 1


def test_only_batch_users_upload_and_nothing_is_read_for_anyone_else(online_actor: Actor) -> None:
    stream = io.BytesIO(CSV)
    with pytest.raises(PermissionDenied):
        submit_upload(actor=online_actor, file_name=CSV_NAME, content=stream, kind="batch")
    assert stream.tell() == 0
    assert not Batch.objects.exists()


def test_a_ctf_is_recognised_by_its_content_and_always_runs_as_ful(
    school_batch_actor: Actor,
) -> None:
    batch = submit_upload(actor=school_batch_actor, file_name=CTF_NAME, content=io.BytesIO(CTF))
    assert (batch.file_format, batch.submission_type) == ("ctf", "FUL")
    with pytest.raises(BadCtfFile, match="always processed as FUL"):
        submit_upload(
            actor=school_batch_actor, file_name=CTF_NAME, content=CTF, submission_type="CHK"
        )


def test_a_named_kind_is_read_as_that_kind_and_an_unknown_kind_is_refused(
    school_batch_actor: Actor,
) -> None:
    with pytest.raises(BadBatchFile, match="does not follow the pattern"):
        submit_upload(actor=school_batch_actor, file_name=CTF_NAME, content=CTF, kind="batch")
    with pytest.raises(ValidationFailed) as caught:
        submit_upload(actor=school_batch_actor, file_name=CTF_NAME, content=CTF, kind="xlsx")
    assert caught.value.field_errors == {
        "kind": ["The kind of file must be one of: batch, ctf, verify, achievements."]
    }
    # The batches app adds verify files, the PLR app awarding organisations' achievement files.
    assert upload_kind_names() == ("batch", "ctf", "verify", "achievements")
    assert not Batch.objects.exists()


def test_recognising_an_upload_leaves_the_file_where_it_was() -> None:
    stream = io.BytesIO(CTF)
    assert recognise_upload(stream).name == "ctf"
    assert stream.tell() == 0
    assert recognise_upload(CSV).name == "batch"
    # Not well-formed, but its start is a CTF's: the CTF reader says what is wrong with it.
    assert recognise_upload(b'<?xml version="1.0"?>\n<CTfile><Header></CTfile>').name == "ctf"
    assert recognise_upload(b"<BatchRegistration></BatchRegistration>").name == "batch"
