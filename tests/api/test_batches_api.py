"""Batch web services: upload, progress, output, CTF round trip, exceptions."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import defusedxml.ElementTree as DefusedET
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lrs.batches import queue
from lrs.batches import return_codes as rc
from lrs.batches.models import Batch, BatchException, BatchStatus
from lrs.batches.services import process_until_done
from lrs.batches.uploads import MAX_UPLOAD_BYTES
from lrs.core.actor import Actor, Channel
from lrs.core.audit import AuditAction
from lrs.core.models import AuditEvent
from lrs.learners.details import LearnerDetails
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation, User

if TYPE_CHECKING:
    from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

CTF_FIXTURE = Path(__file__).parent.parent / "batches" / "fixtures" / "ctf_v26_caereinion.xml"
COLUMNS = (
    "MISIdentifier",
    "GivenName",
    "MiddleOtherName",
    "FamilyName",
    "DateOfBirth",
    "Gender",
    "LastKnownPostCode",
    "VerificationType",
    "PrivacyNoticeSeen",
)
MEGAN = ("A0001", "Megan", "Eleri", "Pritchard", "2009-04-12", "2", "CF10 3AT", "1", "1")
DAFYDD = ("A0002", "Dafydd", "", "O'Brien", "2008-05-12", "1", "SA1 1AA", "1", "1")
# Alys Pritchard is on the register (the `alys` fixture): Elin, same family name, date of
# birth and postcode, is a possible match, an exception to resolve.
ELIN = ("A0003", "Elin", "", "Pritchard", "2009-04-12", "2", "CF10 3AT", "1", "1")


def batch_csv(
    *rows: tuple[str, ...], ukprn: str = "10034567", stamp: str = "231120260900"
) -> tuple[str, bytes]:
    """A valid LRB CSV file: header names, header values, learner headings, learners."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["FileVersion", "FileName", "UKPRN", "Email"])
    writer.writerow(["3A", "Autumn intake", ukprn, "mis@riverside.example.ac.uk"])
    writer.writerow(COLUMNS)
    writer.writerows(rows or (MEGAN,))
    return f"LRB_{ukprn}_{stamp}.CSV", out.getvalue().encode()


def upload(client: ApiClient, name: str, content: bytes, **fields: str) -> Any:
    return client.client.post(
        "/api/v1/batches",
        data={"file": SimpleUploadedFile(name, content), **fields},
        headers=client.headers,
    )


def output_table(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.fixture
def batch_api(api_as: Callable[..., ApiClient], college: Organisation) -> ApiClient:
    return api_as(college, ["batch"])


@pytest.fixture
def alys(
    college: Organisation, make_user: Callable[..., User], details: Callable[..., LearnerDetails]
) -> Learner:
    actor = Actor(user=make_user(college, ["online"]), channel=Channel.PORTAL)
    learner = register_learner(
        details=details(given_name="Alys"), actor=actor, confirm_not_possible_match=True
    ).learner
    assert learner is not None
    return learner


def submitted(client: ApiClient, *rows: tuple[str, ...], process: bool = True) -> int:
    response = upload(client, *batch_csv(*rows))
    assert response.status_code == 202, response.content
    batch_id = int(response.json()["id"])
    if process:
        process_until_done(batch_id=batch_id)
    return batch_id


# --- Upload -------------------------------------------------------------------------------------


class TestUpload:
    def test_a_csv_upload_is_accepted_and_queued(self, batch_api: ApiClient) -> None:
        name, content = batch_csv(MEGAN, DAFYDD)
        response = upload(batch_api, name, content)

        assert response.status_code == 202
        body = response.json()
        assert body["status"] == "queued"
        assert body["file_name"] == name
        assert body["file_format"] == "csv"
        assert body["submission_type"] == "FUL"
        assert body["row_count"] == 2
        assert body["links"] == {
            "self": f"/api/v1/batches/{body['id']}",
            "output": f"/api/v1/batches/{body['id']}/output",
            "exceptions": None,
        }
        batch = Batch.objects.get(pk=body["id"])
        assert (batch.channel, batch.rows.count()) == ("api", 2)

    def test_a_submission_wakes_the_workers_once_committed(
        self, batch_api: ApiClient, django_capture_on_commit_callbacks: Any
    ) -> None:
        queue.work_available.clear()
        try:
            with django_capture_on_commit_callbacks(execute=True) as callbacks:
                assert upload(batch_api, *batch_csv()).status_code == 202
            assert len(callbacks) == 1
            assert queue.work_available.is_set()
            with django_capture_on_commit_callbacks() as callbacks:
                assert upload(batch_api, *batch_csv(ukprn="10099999")).status_code == 422
            assert callbacks == []
        finally:
            queue.work_available.clear()

    def test_the_submission_type_field_overrides_the_file(self, batch_api: ApiClient) -> None:
        response = upload(batch_api, *batch_csv(), submission_type="chk")
        assert response.status_code == 202
        assert response.json()["submission_type"] == "CHK"

    def test_a_bad_file_is_422_with_the_reason(self, batch_api: ApiClient) -> None:
        name, content = batch_csv()
        broken = content.replace(b"LastKnownPostCode", b"Postcode")
        response = upload(batch_api, name, broken)

        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "bad_batch_file"
        assert body["message"].startswith("Unknown learner column(s) in row 3")
        assert "Postcode" in body["message"]
        assert not Batch.objects.exists()

    def test_another_organisations_ukprn_is_422(self, batch_api: ApiClient) -> None:
        response = upload(batch_api, *batch_csv(ukprn="10099999"))
        assert response.status_code == 422
        assert response.json()["code"] == "bad_batch_file"
        assert "10099999" in response.json()["message"]
        assert "10034567" in response.json()["message"]

    def test_an_empty_file_is_422(self, batch_api: ApiClient) -> None:
        response = upload(batch_api, "LRB_10034567_231120260900.CSV", b"")
        assert response.status_code == 422
        assert response.json()["message"] == "The file is empty."

    def test_no_file_is_422(self, batch_api: ApiClient) -> None:
        response = batch_api.client.post(
            "/api/v1/batches", data={"submission_type": "FUL"}, headers=batch_api.headers
        )
        assert response.status_code == 422
        assert "file" in response.json()["errors"]

    def test_over_10_mb_is_413(self, batch_api: ApiClient) -> None:
        name, content = batch_csv()
        response = upload(batch_api, name, content + b" " * MAX_UPLOAD_BYTES)
        assert response.status_code == 413
        assert response.json()["code"] == "request_too_large"
        assert "10 MB" in response.json()["message"]

    def test_users_without_the_batch_role_get_403(
        self, api_as: Callable[..., ApiClient], college: Organisation
    ) -> None:
        online = api_as(college, ["online"])
        assert upload(online, *batch_csv()).status_code == 403
        assert online.get("/api/v1/batches").status_code == 403
        assert online.get("/api/v1/batch-exceptions").status_code == 403
        assert not Batch.objects.exists()

    def test_no_token_is_401(self, client: Any) -> None:
        name, content = batch_csv()
        response = client.post("/api/v1/batches", {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 401


# --- Progress, totals and output --------------------------------------------------------------


class TestProgressAndOutput:
    def test_a_processed_batch_shows_100_percent_and_its_totals(self, batch_api: ApiClient) -> None:
        batch_id = submitted(batch_api, MEGAN, DAFYDD, (*MEGAN[:1], "", *MEGAN[2:]))

        response = batch_api.get(f"/api/v1/batches/{batch_id}")

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "complete"
        assert all(body[moment] for moment in ("submitted_at", "started_at", "finished_at"))
        assert body["progress"] == {"done": 3, "total": 3, "percent": 100}
        assert body["counts"] == {
            "new": 2,
            "found": 0,
            "possible_match": 0,
            "not_found": 0,
            "rejected": 1,  # the same MIS identifier twice
            "skipped": 0,
            "open_exceptions": 0,
        }

    def test_a_queued_batch_shows_no_progress(self, batch_api: ApiClient) -> None:
        batch_id = submitted(batch_api, MEGAN, DAFYDD, process=False)
        body = batch_api.get(f"/api/v1/batches/{batch_id}").json()
        assert body["status"] == "queued"
        assert body["progress"] == {"done": 0, "total": 2, "percent": 0}
        assert body["started_at"] is None

    def test_the_output_has_a_uln_and_return_code_per_learner(self, batch_api: ApiClient) -> None:
        batch_id = submitted(batch_api, MEGAN, DAFYDD)

        response = batch_api.get(f"/api/v1/batches/{batch_id}/output")

        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            'attachment; filename="LRB_10034567_231120260900_OUTPUT.CSV"'
        )
        table = output_table(response.content)
        totals = dict(zip(table[0], table[1], strict=True))
        assert totals["NewLearnersCount"] == "2"
        assert totals["UKPRN"] == "10034567"
        headings, learners = table[2], table[3:]
        assert headings[0] == "ULN"
        assert headings[-1] == "ReturnCode"
        assert [row[-1] for row in learners] == [rc.RC002, rc.RC002]
        by_mis = {row[headings.index("MISIdentifier")]: row[0] for row in learners}
        assert Learner.objects.get(uln=by_mis["A0001"]).given_name == "Megan"
        assert AuditEvent.objects.filter(
            action=AuditAction.BATCH_OUTPUT_DOWNLOADED, details__batch_id=batch_id
        ).exists()

    def test_the_output_before_completion_is_409(self, batch_api: ApiClient) -> None:
        batch_id = submitted(batch_api, MEGAN, process=False)
        response = batch_api.get(f"/api/v1/batches/{batch_id}/output")
        assert response.status_code == 409
        assert response.json()["code"] == "batch_not_complete"
        assert "0 of 1" in response.json()["message"]
        assert not AuditEvent.objects.filter(action=AuditAction.BATCH_OUTPUT_DOWNLOADED).exists()

    def test_a_csv_batch_has_no_exceptions_spreadsheet(self, batch_api: ApiClient) -> None:
        batch_id = submitted(batch_api, MEGAN)
        assert batch_api.get(f"/api/v1/batches/{batch_id}/exceptions.xlsx").status_code == 404

    def test_the_list_is_the_organisations_newest_first_and_paginated(
        self, batch_api: ApiClient, api_as: Callable[..., ApiClient], college: Organisation
    ) -> None:
        first = submitted(batch_api, MEGAN, process=False)
        colleague = api_as(college, ["batch"])
        second = submitted(colleague, DAFYDD, process=False)

        body = batch_api.get("/api/v1/batches").json()
        assert body["count"] == 2
        assert [item["id"] for item in body["items"]] == [second, first]
        assert body["items"][0]["links"]["self"] == f"/api/v1/batches/{second}"

        page = batch_api.get("/api/v1/batches?limit=1&offset=1").json()
        assert (page["count"], [item["id"] for item in page["items"]]) == (2, [first])
        assert batch_api.get("/api/v1/batches?limit=0").status_code == 422

    def test_another_organisations_batch_is_404(
        self, batch_api: ApiClient, api_as: Callable[..., ApiClient], school: Organisation
    ) -> None:
        batch_id = submitted(batch_api, MEGAN)
        stranger = api_as(school, ["batch"])
        for path in ("", "/output", "/exceptions.xlsx"):
            response = stranger.get(f"/api/v1/batches/{batch_id}{path}")
            assert response.status_code == 404, path
            assert response.json()["code"] == "not_found"
        assert stranger.get("/api/v1/batches").json()["count"] == 0


# --- Common Transfer Files --------------------------------------------------------------------


class TestCtf:
    def test_a_ctf_round_trip(self, api_as: Callable[..., ApiClient], school: Organisation) -> None:
        client = api_as(school, ["batch"])
        response = upload(client, "6664000_CTF.xml", CTF_FIXTURE.read_bytes())

        assert response.status_code == 202, response.content
        body = response.json()
        assert (body["file_format"], body["row_count"]) == ("ctf", 8)
        exceptions_link = f"/api/v1/batches/{body['id']}/exceptions.xlsx"
        assert body["links"]["exceptions"] == exceptions_link
        assert client.get(body["links"]["output"]).status_code == 409

        process_until_done(batch_id=body["id"])
        detail = client.get(body["links"]["self"]).json()
        assert detail["progress"]["percent"] == 100
        assert detail["counts"]["skipped"] == 1  # a pupil under 14
        assert detail["counts"]["rejected"] >= 1  # a pupil without a postcode

        returned = client.get(body["links"]["output"])
        assert returned.status_code == 200
        assert returned["Content-Type"] == "application/xml"
        assert 'filename="6664000_CTF_ULN.xml"' in returned["Content-Disposition"]
        root = DefusedET.fromstring(returned.content)
        pupils = root.findall("./CTFpupilData/Pupil")
        batch = Batch.objects.get(pk=body["id"])
        for row in batch.rows.order_by("position"):
            uln = pupils[row.position - 1].findtext("UniqueLearnerNumber")
            if row.return_code in {rc.RC001, rc.RC002, rc.RC003, rc.RC004}:
                assert uln == row.uln

        sheet = client.get(exceptions_link)
        assert sheet.status_code == 200
        assert 'filename="6664000_CTF_exceptions.xlsx"' in sheet["Content-Disposition"]
        book = openpyxl.load_workbook(io.BytesIO(sheet.content))
        assert book.sheetnames == ["Exceptions", "Summary"]
        upns = [row[0] for row in book["Exceptions"].iter_rows(min_row=2, values_only=True)]
        assert "Z666400014021" in upns  # no postcode
        assert AuditEvent.objects.filter(action=AuditAction.BATCH_OUTPUT_DOWNLOADED).count() == 2

    def test_kind_batch_reads_a_ctf_as_a_batch_file(
        self, api_as: Callable[..., ApiClient], school: Organisation
    ) -> None:
        client = api_as(school, ["batch"])
        response = upload(client, "6664000_CTF.xml", CTF_FIXTURE.read_bytes(), kind="batch")
        assert response.status_code == 422
        assert response.json()["code"] == "bad_batch_file"

    def test_a_bad_ctf_is_422_with_the_reason(
        self, api_as: Callable[..., ApiClient], school: Organisation
    ) -> None:
        client = api_as(school, ["batch"])
        content = CTF_FIXTURE.read_bytes().replace(b"</CTfile>", b"")
        response = upload(client, "6664000_CTF.xml", content)
        assert response.status_code == 422
        assert response.json()["code"] == "bad_ctf_file"
        assert "not well-formed" in response.json()["message"]

        not_ctf = upload(client, "pupils.csv", b"UPN,Surname\nA1,Jones\n", kind="ctf")
        assert not_ctf.status_code == 422
        assert not_ctf.json()["code"] == "bad_ctf_file"

    def test_a_ctf_is_always_ful(
        self, api_as: Callable[..., ApiClient], school: Organisation
    ) -> None:
        client = api_as(school, ["batch"])
        response = upload(client, "x.xml", CTF_FIXTURE.read_bytes(), submission_type="CHK")
        assert response.status_code == 422
        assert response.json()["code"] == "bad_ctf_file"


# --- Exceptions -------------------------------------------------------------------------------


class TestExceptions:
    def test_the_open_exceptions_list_the_candidates(
        self, batch_api: ApiClient, alys: Learner
    ) -> None:
        batch_id = submitted(batch_api, ELIN, DAFYDD)

        body = batch_api.get("/api/v1/batch-exceptions?status=open").json()

        assert body["count"] == 1
        item = body["items"][0]
        assert item["status"] == "open"
        assert (item["batch_id"], item["row"], item["mis_identifier"]) == (batch_id, 1, "A0003")
        assert item["return_code"] == rc.RC007
        assert item["submitted"]["GivenName"] == "Elin"
        assert item["uln"] is None
        (candidate,) = item["candidates"]
        assert candidate["uln"] == alys.uln
        assert (candidate["given_name"], candidate["family_name"]) == ("Alys", "Pritchard")
        assert candidate["date_of_birth"] == "2009-04-12"
        assert candidate["last_known_postcode"] == "CF10 3AT"
        assert candidate["reasons"]
        assert "upn" not in candidate
        assert "learner_id" not in candidate
        detail = batch_api.get(f"/api/v1/batches/{batch_id}").json()
        assert detail["counts"]["open_exceptions"] == 1
        assert batch_api.get(f"/api/v1/batch-exceptions?batch_id={batch_id + 1}").json() == {
            "items": [],
            "count": 0,
        }

    def test_choosing_a_candidate_gives_the_row_its_uln(
        self, batch_api: ApiClient, alys: Learner
    ) -> None:
        batch_id = submitted(batch_api, ELIN)
        exception = BatchException.objects.get(row__batch_id=batch_id)
        path = f"/api/v1/batch-exceptions/{exception.pk}/resolve"

        response = batch_api.post(path, {"learner_uln": alys.uln})

        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["uln"]) == ("matched", alys.uln)
        assert body["resolved_by"]
        assert batch_api.get("/api/v1/batch-exceptions").json()["count"] == 0
        assert batch_api.get("/api/v1/batch-exceptions?status=matched").json()["count"] == 1
        table = output_table(batch_api.get(f"/api/v1/batches/{batch_id}/output").content)
        assert (table[3][0], table[3][-1]) == (alys.uln, rc.RC001)
        again = batch_api.post(path, {"learner_uln": alys.uln})
        assert again.status_code == 409

    def test_registering_a_new_learner(self, batch_api: ApiClient, alys: Learner) -> None:
        batch_id = submitted(batch_api, ELIN)
        exception = BatchException.objects.get(row__batch_id=batch_id)

        response = batch_api.post(
            f"/api/v1/batch-exceptions/{exception.pk}/resolve", {"register_new": True}
        )

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "registered"
        assert body["uln"] != alys.uln
        assert Learner.objects.get(uln=body["uln"]).given_name == "Elin"

    @pytest.mark.parametrize(
        "payload",
        [{}, {"register_new": True, "learner_uln": "x"}, {"learner_uln": "9999999999"}],
    )
    def test_a_resolution_must_be_one_candidate_or_a_new_learner(
        self, batch_api: ApiClient, alys: Learner, payload: dict[str, Any]
    ) -> None:
        batch_id = submitted(batch_api, ELIN)
        exception = BatchException.objects.get(row__batch_id=batch_id)
        response = batch_api.post(f"/api/v1/batch-exceptions/{exception.pk}/resolve", payload)
        assert response.status_code == 422
        assert "learner_uln" in response.json()["errors"]
        exception.refresh_from_db()
        assert exception.status == "open"

    def test_another_organisations_exception_is_404(
        self,
        batch_api: ApiClient,
        alys: Learner,
        api_as: Callable[..., ApiClient],
        school: Organisation,
    ) -> None:
        batch_id = submitted(batch_api, ELIN)
        exception = BatchException.objects.get(row__batch_id=batch_id)
        stranger = api_as(school, ["batch"])

        assert stranger.get("/api/v1/batch-exceptions").json()["count"] == 0
        assert stranger.get(f"/api/v1/batch-exceptions/{exception.pk}").status_code == 404
        response = stranger.post(
            f"/api/v1/batch-exceptions/{exception.pk}/resolve", {"learner_uln": alys.uln}
        )
        assert response.status_code == 404
        assert batch_api.get(f"/api/v1/batch-exceptions/{exception.pk}").status_code == 200

    def test_users_without_the_batch_role_cannot_resolve(
        self,
        batch_api: ApiClient,
        alys: Learner,
        api_as: Callable[..., ApiClient],
        college: Organisation,
    ) -> None:
        batch_id = submitted(batch_api, ELIN)
        exception = BatchException.objects.get(row__batch_id=batch_id)
        online = api_as(college, ["online"])
        response = online.post(
            f"/api/v1/batch-exceptions/{exception.pk}/resolve", {"register_new": True}
        )
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"

    def test_an_exception_past_its_expiry_lists_as_expired(
        self, batch_api: ApiClient, alys: Learner
    ) -> None:
        from django.utils import timezone

        batch_id = submitted(batch_api, ELIN)
        BatchException.objects.filter(row__batch_id=batch_id).update(expires_at=timezone.now())
        assert batch_api.get("/api/v1/batch-exceptions").json()["count"] == 0
        expired = batch_api.get("/api/v1/batch-exceptions?status=expired").json()
        assert [item["status"] for item in expired["items"]] == ["expired"]
        assert batch_api.get("/api/v1/batch-exceptions?status=all").json()["count"] == 1


def test_batch_status_values_are_the_models(batch_api: ApiClient) -> None:
    batch_id = submitted(batch_api, MEGAN)
    assert batch_api.get(f"/api/v1/batches/{batch_id}").json()["status"] == BatchStatus.COMPLETE
