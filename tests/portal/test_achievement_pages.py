"""The achievement file pages (awarding organisations): upload, progress, output file."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from lrs.batches.models import Batch
from lrs.batches.selectors import list_batches
from lrs.batches.services import process_until_done, submit_upload
from lrs.core.actor import Actor, Channel
from lrs.core.errors import PermissionDenied
from lrs.core.roles import Permission
from lrs.learners.models import Learner
from lrs.organisations.models import Organisation, User
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


def test_the_portal_uploads_shows_progress_and_gives_the_output(
    ao_user: User, megan: Learner, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(ao_user)
    upload = SimpleUploadedFile("results.csv", achievement_file(megan), "text/csv")

    response = client.post(reverse("portal:achievement-files"), {"file": upload})

    batch = Batch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:achievement-file", args=[batch.pk])
    waiting = client.get(reverse("portal:achievement-file", args=[batch.pk]))
    assert b"0 of 4 rows processed" in waiting.content
    assert client.get(reverse("portal:achievement-output", args=[batch.pk])).status_code == 302
    process_until_done(batch_id=batch.pk)
    done = client.get(reverse("portal:achievement-file", args=[batch.pk]))
    assert b"4 of 4 rows processed (100%)" in done.content
    assert b"Download the output file" in done.content
    listing = client.get(reverse("portal:achievement-files"))
    assert b"results.csv" in listing.content

    output = client.get(reverse("portal:achievement-output", args=[batch.pk]))

    assert output["Content-Disposition"].endswith('filename="results_OUTCOMES.CSV"')
    lines = outcomes(output.content)
    assert lines[0] == ["Row", "SourceRecordId", "ULN", "Outcome", "Code", "Message"]
    assert [line[3:5] for line in lines[1:]] == [
        ["created", ""],
        ["rejected", "learner_mismatch"],
        ["rejected", "not_owner"],
        ["rejected", "uln_unknown"],
    ]
    assert "family name" in lines[2][5]


def test_a_bad_file_is_refused_on_the_page(
    ao_user: User, signed_in: Callable[[User], Client]
) -> None:
    client = signed_in(ao_user)
    upload = SimpleUploadedFile("results.csv", b"ULN,Colour\n1,red\n", "text/csv")

    response = client.post(reverse("portal:achievement-files"), {"file": upload})

    assert response.status_code == 200
    assert b"missing column" in response.content
    assert not Batch.objects.exists()


def test_achievement_files_and_learner_batches_stay_apart(
    ao_actor: Actor,
    megan: Learner,
    college: Organisation,
    awarding_org: Organisation,
    make_user: Callable[..., User],
    signed_in: Callable[[User], Client],
) -> None:
    batch = submit_upload(actor=ao_actor, file_name="r.csv", content=achievement_file(megan))
    batch_user = Actor(user=make_user(awarding_org, ["super"]), channel=Channel.PORTAL)

    with pytest.raises(PermissionDenied):
        list_batches(batch_user)
    assert list(list_batches(ao_actor, permission=Permission.SUBMIT_ACHIEVEMENTS)) == [batch]
    online = signed_in(make_user(college, ["online", "batch", "plr"]))
    for url in (
        reverse("portal:achievement-files"),
        reverse("portal:achievement-file", args=[batch.pk]),
        reverse("portal:achievement-output", args=[batch.pk]),
    ):
        assert online.get(url).status_code == 403, url
    assert online.get(reverse("portal:batch-detail", args=[batch.pk])).status_code == 404
