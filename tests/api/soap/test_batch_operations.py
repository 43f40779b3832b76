"""submitBatchRegistration and getBatchRegistrationOutput: a SOAP batch goes through the same
rows, worker and return codes as an uploaded file."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lrs.batches.models import Batch
from lrs.batches.services import process_until_done
from tests.api.soap.conftest import SoapCaller, body_of, envelope, fault_code, post

BAT = "http://api.lrs.miap.gov.uk/batchmsg"

pytestmark = pytest.mark.django_db


def learner(mis: str, given: str, dob: str = "2009-04-12") -> str:
    return (
        f"<Learner><MISIdentifier>{mis}</MISIdentifier><GivenName>{given}</GivenName>"
        f"<FamilyName>Pritchard</FamilyName><LastKnownPostCode>CF10 3AT</LastKnownPostCode>"
        f"<DateOfBirth>{dob}</DateOfBirth><Gender>2</Gender><AbilityToShare>1</AbilityToShare>"
        "<VerificationType>1</VerificationType></Learner>"
    )


def submit(who: SoapCaller, learners: list[str], count: int | None = None) -> bytes:
    return envelope(
        "bat",
        BAT,
        f"<bat:SubmitBatch>{who.header()}<JobType>FUL</JobType>"
        f"<LearnerRecordCount>{len(learners) if count is None else count}</LearnerRecordCount>"
        f"{''.join(learners)}</bat:SubmitBatch>",
    )


def output(who: SoapCaller, job: str) -> bytes:
    return envelope(
        "bat",
        BAT,
        f"<bat:GetSubmitBatchOutput>{who.header()}<JobID>{job}</JobID></bat:GetSubmitBatchOutput>",
    )


def test_submit_then_read_the_output(caller: Callable[..., SoapCaller]) -> None:
    who = caller(["batch"])
    status, root = post(submit(who, [learner("A1", "Megan"), learner("A2", "Ffion", "bad")]))
    assert status == 200
    response = body_of(root)
    assert response.findtext("ResponseCode") == "WSRC0007"
    job = response.findtext("JobID") or ""
    batch = Batch.objects.get(pk=int(job))
    assert (batch.channel, batch.row_count) == ("soap", 2)

    _, root = post(output(who, job))
    assert body_of(root).findtext("ResponseCode") == "WSRC0008"  # not processed yet

    process_until_done(batch_id=batch.pk)
    _, root = post(output(who, job))
    response = body_of(root)
    assert response.findtext("ResponseCode") == "WSRC0009"
    assert response.findtext("NewLearnersCount") == "1"
    assert response.findtext("RejectedLearnersCount") == "1"
    rows = response.findall("Learner")
    assert [row.findtext("MISIdentifier") for row in rows] == ["A1", "A2"]
    assert rows[0].findtext("ULN")
    assert rows[0].findtext("ReturnCode")
    assert rows[1].findtext("ReturnCode") == "RC011"
    assert [child.tag for child in rows[0]][-1] == "ReturnCode"


def test_record_count_incorrect(caller: Callable[..., SoapCaller]) -> None:
    _, root = post(submit(caller(["batch"]), [learner("A1", "Megan")], count=2))
    assert body_of(root).findtext("ResponseCode") == "WSRC0017"


def test_unknown_job_and_another_organisations_job(
    caller: Callable[..., SoapCaller], school: object, make_user: Callable[..., object]
) -> None:
    from lrs.core.actor import Actor, Channel
    from lrs.organisations.services import set_web_service_password

    who = caller(["batch"])
    _, root = post(output(who, "987654"))
    assert body_of(root).findtext("ResponseCode") == "WSRC0018"
    _, root = post(submit(who, [learner("A1", "Megan")]))
    job = body_of(root).findtext("JobID") or ""
    school_super = make_user(school, ["super"])
    set_web_service_password(
        actor=Actor(user=school_super, channel=Channel.PORTAL),  # type: ignore[arg-type]
        password="School-Pass-2026",
    )
    other = make_user(school, ["batch"])
    stranger = SoapCaller(school.ukprn, other.username, "School-Pass-2026")  # type: ignore[attr-defined]
    _, root = post(output(stranger, job))
    assert body_of(root).findtext("ResponseCode") == "WSRC0018"


def test_batches_need_the_batch_role(caller: Callable[..., SoapCaller]) -> None:
    _, root = post(submit(caller(["online"]), [learner("A1", "Megan")]))
    assert fault_code(root) == "WSEC0006"


VLD = "http://api.lrs.miap.gov.uk/vldmsg"


def test_verify_batch(caller: Callable[..., SoapCaller], online_actor: object) -> None:
    from lrs.learners.services import register_learner
    from tests.conftest import learner_details

    megan = register_learner(details=learner_details(), actor=online_actor).learner  # type: ignore[arg-type]
    assert megan is not None
    who = caller(["vld"])
    rows = "".join(
        f"<Learner><MISIdentifier>{mis}</MISIdentifier><ULN>{megan.uln}</ULN>"
        f"<FamilyName>{family}</FamilyName><GivenName>Megan</GivenName>"
        "<DateOfBirth>2009-04-12</DateOfBirth><Gender>2</Gender></Learner>"
        for mis, family in (("V1", "Pritchard"), ("V2", "Jones"))
    )
    _, root = post(
        envelope(
            "vld",
            VLD,
            f"<vld:SubmitVerifyBatch>{who.header()}<LearnerRecordCount>2</LearnerRecordCount>"
            f"{rows}</vld:SubmitVerifyBatch>",
        )
    )
    response = body_of(root)
    assert response.findtext("ResponseCode") == "WSRC0007"
    job = response.findtext("JobID") or ""
    process_until_done(batch_id=int(job))
    _, root = post(
        envelope(
            "vld",
            VLD,
            f"<vld:GetVerifyBatchOutput>{who.header()}<JobID>{job}</JobID>"
            "</vld:GetVerifyBatchOutput>",
        )
    )
    response = body_of(root)
    assert response.findtext("ResponseCode") == "WSRC0009"
    answers = response.findall("VerifiedLearner")
    assert [a.findtext("ResponseCode") for a in answers] == ["WSVRC001", "WSVRC005"]
    assert answers[0].findtext("ULN") == megan.uln
    assert "VRF5" in [flag.text for flag in answers[1].findall("FailureFlag")]
    # The batch user role is not the verify role.
    _, root = post(
        envelope(
            "vld",
            VLD,
            f"<vld:GetVerifyBatchOutput>{caller(['batch']).header()}<JobID>{job}</JobID>"
            "</vld:GetVerifyBatchOutput>",
        )
    )
    assert fault_code(root) == "WSEC0006"
