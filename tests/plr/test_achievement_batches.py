"""Achievement files through the batch machinery: upload (portal, command line), the workers'
processing through the one achievement service, and the output file of per-row outcomes."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command

from lrs.batches.models import Batch, BatchStatus
from lrs.batches.services import process_until_done, submit_upload
from lrs.core.actor import Actor, Channel
from lrs.core.errors import PermissionDenied
from lrs.core.models import AuditEvent
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User
from lrs.plr.models import LearningEvent
from tests.plr.fixtures import GCSE_QN, OTHER_AO_QN, UNIT_A

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

HEADER = (
    "ULN,GivenName,FamilyName,DateOfBirth,SubjectCode,SourceRecordId,AchievementAwardDate,Grade"
)


def achievement_file(learner: Learner) -> bytes:
    return (
        HEADER + "\n"
        f"{learner.uln},Megan,Pritchard,2009-04-12,{GCSE_QN},F1,2025-08-21,7\n"
        f"{learner.uln},Megan,Jones,2009-04-12,{UNIT_A},F2,2025-08-21,Pass\n"
        f"{learner.uln},Megan,Pritchard,2009-04-12,{OTHER_AO_QN},F3,2025-08-21,Pass\n"
        f"1000000043,Megan,Pritchard,2009-04-12,{UNIT_A},F4,2025-08-21,Pass\n"
    ).encode()


def outcomes(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8"))))


def test_a_file_is_processed_by_the_workers_with_per_row_outcomes(
    ao_actor: Actor, megan: Learner
) -> None:
    batch = submit_upload(
        actor=ao_actor, file_name="results.csv", content=achievement_file(megan)
    )  # recognised as an achievement file from its header

    assert (batch.kind, batch.row_count, batch.status) == ("achievements", 4, BatchStatus.QUEUED)
    assert not LearningEvent.objects.exists()
    process_until_done(batch_id=batch.pk)

    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMPLETE
    assert list(LearningEvent.objects.values_list("source_record_id", flat=True)) == ["F1"]
    assert LearningEvent.objects.get().channel == Channel.BATCH
    rows = list(batch.rows.order_by("position").values_list("return_code", "uln"))
    assert rows == [
        ("AC000", megan.uln),
        ("AC015", megan.uln),
        ("AC017", megan.uln),
        ("AC013", "1000000043"),
    ]
    assert AuditEvent.objects.filter(action="plr.achievements_submitted").exists()


def test_only_awarding_users_upload_achievement_files(
    college: Organisation, megan: Learner, make_user: Callable[..., User]
) -> None:
    batch_user = Actor(user=make_user(college, ["batch"]), channel=Channel.API)
    with pytest.raises(PermissionDenied):
        submit_upload(actor=batch_user, file_name="r.csv", content=achievement_file(megan))
    assert not Batch.objects.exists()


def test_the_command_submits_waits_and_writes_the_output(
    ao_user: User, megan: Learner, tmp_path: Path
) -> None:
    source = tmp_path / "results.csv"
    source.write_bytes(achievement_file(megan))
    out = tmp_path / "out.csv"
    stdout = io.StringIO()

    call_command(
        "achievements",
        "submit",
        str(source),
        "--user",
        ao_user.username,
        "--wait",
        "--out",
        str(out),
        stdout=stdout,
    )

    assert "1 recorded, 0 corrected, 0 unchanged, 3 rejected" in stdout.getvalue()
    assert [line[3] for line in outcomes(out.read_bytes())[1:]] == [
        "created",
        "rejected",
        "rejected",
        "rejected",
    ]
