"""Learning the matching model from the service's own decisions, and the fit as a worker job
(issue 13 items 1 and 4)."""

from __future__ import annotations

import datetime
import io
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command

from lrs.batches.models import BatchException
from lrs.batches.parsed import ParsedBatch
from lrs.batches.services import (
    process_until_done,
    resolve_by_choosing,
    resolve_by_registering,
    submit_batch,
)
from lrs.challenges import model_fits
from lrs.challenges.choices import DuplicateRunState, FitRunPhase, SuspectStatus
from lrs.challenges.duplicates import decide_suspect, find_duplicates
from lrs.challenges.labelled_pairs import (
    CHOSEN,
    MERGED,
    NOT_CHOSEN,
    NOT_DUPLICATE,
    REGISTERED_INSTEAD,
    _one_learner,
    labelled_pairs,
)
from lrs.challenges.model_fits import (
    JOB_FUNCTION,
    enqueue_lost_fit_runs,
    fit_now,
    request_fit_run,
    run_next_queued_fit,
)
from lrs.challenges.models import MatchingFitRun, SuspectedDuplicate
from lrs.challenges.services.resolutions import demerge_ulns, merge_ulns
from lrs.core.actor import Actor, Channel
from lrs.core.errors import PermissionDenied
from lrs.core.models import AuditEvent
from lrs.learners import matching_fit
from lrs.learners.imports import import_learners
from lrs.learners.matching_adapter import active_parameters, parameters_of, person_from
from lrs.learners.matching_fit import decision_changes, fit_matching_model, pair_outcome
from lrs.learners.models import Learner, MatchingModel
from lrs.matching import DEFAULT_PARAMETERS, ModelParameters
from lrs.matching.compare import prepared_verdicts
from lrs.matching.estimate import LabelledPair
from lrs.matching.prepare import prepared
from lrs.matching.types import PersonDetails
from lrs.organisations.models import Organisation, User
from lrs.organisations.services import service_desk_system_actor
from lrs.synthetic import generate_register, personal_fields
from tests.batches.test_worker import _purge_rq_queue, redis_url  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

Register = Callable[..., Learner]


@pytest.fixture
def loaded() -> None:
    """A synthetic register of 400 learners: the unlabelled pairs EM works on."""
    rows = (
        {"ULN": person.uln, **personal_fields(person)} for person in generate_register(400, seed=13)
    )
    import_learners(rows=rows, actor=service_desk_system_actor(channel=Channel.CLI))


@pytest.fixture
def batch_actor(college: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(college, ["batch"]), channel=Channel.PORTAL)


def _row(mis: str, **values: str) -> dict[str, str]:
    return {
        "MISIdentifier": mis,
        "GivenName": "Megan",
        "FamilyName": "Pritchard",
        "DateOfBirth": "2009-04-12",
        "Gender": "2",
        "LastKnownPostCode": "CF10 3AT",
        "VerificationType": "1",
        "PrivacyNoticeSeen": "1",
        **values,
    }


def _exceptions(actor: Actor, *rows: dict[str, str]) -> list[BatchException]:
    """The rows sent as a FUL batch file and processed; the exceptions they became."""
    batch = submit_batch(
        actor=actor,
        parsed=ParsedBatch(
            file_name="LRB_10034567_231120260900.CSV",
            file_format="csv",
            submission_type="FUL",
            rows=list(rows),
            file_version="3A",
        ),
    )
    process_until_done(batch_id=batch.pk)
    return list(BatchException.objects.filter(row__batch=batch).order_by("row__position"))


def _family_row(pair: LabelledPair) -> tuple[str, str]:
    """The (model row, verdict) the pair's family names compare at."""
    for field, verdict, row in prepared_verdicts(prepared(pair.query), prepared(pair.record)):
        if field == "family_name":
            return row, verdict
    raise AssertionError("no family name compared")


# --- The decisions as labelled pairs -------------------------------------------------------------


def test_every_kind_of_decision_is_a_labelled_pair(
    desk: Actor, batch_actor: Actor, register: Register
) -> None:
    alys = register(given_name="Alys", middle_other_name="")
    carys = register(given_name="Carys", middle_other_name="", family_name="Probert")
    # Two rows that possibly match Alys: one is her (chosen), one is someone else (registered).
    chosen, registered = _exceptions(
        batch_actor,
        _row("P1", GivenName="Alys", FamilyName="Totallydifferent", MiddleOtherName=""),
        _row("P2", GivenName="Elin", MiddleOtherName=""),
    )
    assert [c["learner_id"] for c in chosen.candidates] == [alys.pk]
    resolve_by_choosing(actor=batch_actor, exception_id=chosen.pk, learner_id=alys.pk)
    offered = [int(c["learner_id"]) for c in registered.candidates]
    assert alys.pk in offered
    resolve_by_registering(actor=batch_actor, exception_id=registered.pk)
    registered.refresh_from_db()
    # The service desk merges a second ULN of Carys and dismisses a pair of sisters.
    carys_again = register(given_name="Carys", family_name="Probert", last_known_postcode="SA1 1AA")
    merge_ulns(master_uln=carys.uln, duplicate_uln=carys_again.uln, actor=desk)
    sister = register(given_name="Cara", middle_other_name="", family_name="Probert")
    low, high = sorted((carys.pk, sister.pk))
    suspect = SuspectedDuplicate.objects.create(
        low_id=low, high_id=high, score=1.0, probability=0.5, found_at=carys.created_at
    )
    decide_suspect(suspect_id=suspect.pk, status=SuspectStatus.NOT_DUPLICATE, actor=desk)
    # A merge undone is a decision taken back: not a label.
    undone = register(given_name="Carys", family_name="Probert", last_known_postcode="LL11 1AA")
    merge_ulns(master_uln=carys.uln, duplicate_uln=undone.uln, actor=desk)
    demerge_ulns(duplicate_uln=undone.uln, actor=desk)

    pairs = labelled_pairs()
    by_source: dict[str, list[LabelledPair]] = {}
    for pair in pairs:
        by_source.setdefault(pair.source, []).append(pair)
    assert sorted(by_source) == sorted([CHOSEN, REGISTERED_INSTEAD, MERGED, NOT_DUPLICATE])
    (picked,) = by_source[CHOSEN]
    assert picked.same
    assert (picked.query.family_name, picked.record) == ("Totallydifferent", person_from(alys))
    assert picked.keys is None  # the row was never registered
    assert {pair.record for pair in by_source[REGISTERED_INSTEAD]} == {
        person_from(Learner.objects.get(pk=pk)) for pk in offered
    }
    assert all(not pair.same for pair in by_source[REGISTERED_INSTEAD])
    assert {pair.keys for pair in by_source[REGISTERED_INSTEAD]} == {
        (registered.learner_id, pk) for pk in offered
    }
    (merged,) = by_source[MERGED]
    assert merged.same
    assert (merged.query.postcode, merged.record.postcode) == ("SA1 1AA", "CF10 3AT")
    (dismissed,) = by_source[NOT_DUPLICATE]
    assert not dismissed.same
    assert dismissed.keys == (low, high)


def test_the_learners_offered_but_not_chosen_are_non_matches_unless_merged_with_the_chosen(
    desk: Actor, batch_actor: Actor, register: Register
) -> None:
    # Two Megan Pritchards born the same day at other addresses: a row for a Megan Pritchard
    # who has moved is offered both, and the user chooses one.
    first = register(given_name="Megan", middle_other_name="", last_known_postcode="SA1 1AA")
    second = register(given_name="Megan", middle_other_name="", last_known_postcode="LL11 1AA")
    third = register(given_name="Megan", middle_other_name="", last_known_postcode="NP20 1AA")
    (exception,) = _exceptions(batch_actor, _row("P1", MiddleOtherName=""))
    offered = {int(c["learner_id"]) for c in exception.candidates}
    assert offered == {first.pk, second.pk, third.pk}
    resolve_by_choosing(actor=batch_actor, exception_id=exception.pk, learner_id=first.pk)
    # Later the desk finds that the third record was the chosen Megan all along.
    merge_ulns(master_uln=first.uln, duplicate_uln=third.uln, actor=desk)

    pairs = labelled_pairs()

    (chosen,) = [pair for pair in pairs if pair.source == CHOSEN]
    assert chosen.same
    assert chosen.record == person_from(first)
    (not_chosen,) = [pair for pair in pairs if pair.source == NOT_CHOSEN]
    assert not not_chosen.same
    assert not_chosen.record == person_from(second)
    assert (not_chosen.query.postcode, not_chosen.keys) == ("CF10 3AT", None)


def test_one_learner_follows_merge_chains() -> None:
    one_learner = _one_learner([(3, 2), (2, 1), (5, 4)])
    assert one_learner(3, 1)
    assert one_learner(1, 3)
    assert one_learner(2, 2)
    assert not one_learner(3, 4)
    assert not one_learner(6, 7)


# --- The domain rules: labelled pairs move the estimate the right way ----------------------------


def test_a_labelled_match_with_another_family_name_raises_the_m_of_that_level(
    loaded: None, desk: Actor, register: Register
) -> None:
    # People registered twice under a new family name (married, say), merged by the desk.
    for given in ("Megan", "Alys", "Carys", "Elin", "Ffion"):
        first = register(given_name=given, middle_other_name="")
        again = register(
            given_name=given,
            middle_other_name="",
            family_name="Zeller",
            last_known_postcode="SA1 1AA",
        )
        merge_ulns(master_uln=first.uln, duplicate_uln=again.uln, actor=desk)
    pairs = labelled_pairs()
    assert len(pairs) == 5
    row, verdict = _family_row(pairs[0])
    assert verdict == "different"
    without = fit_now(actor=desk).model
    learned = fit_now(actor=desk, with_decisions=True).model
    assert without is not None
    assert learned is not None
    assert learned.parameters["m"][row][verdict] > without.parameters["m"][row][verdict]
    assert parameters_of(learned).weight(row, verdict) > parameters_of(without).weight(row, verdict)
    assert learned.fit["labelled"]["matches"] == 5
    assert learned.fit["labelled"]["by_source"] == {"merge:match": 5}
    assert "labelled" not in without.fit


def test_labelled_non_matches_raise_the_u_of_what_they_agree_on(loaded: None) -> None:
    # Pairs of different people that agree on name and date of birth (namesakes) lower the
    # weight of that agreement.
    learners = list(Learner.objects.order_by("pk")[:40])
    pairs = [
        LabelledPair(
            person_from(a),
            PersonDetails(
                given_name=a.given_name,
                family_name=a.family_name,
                date_of_birth=a.date_of_birth,
                gender=a.gender,
                postcode="ZZ1 1ZZ",
            ),
            False,
            "test",
        )
        for a in learners
    ]
    without = fit_matching_model()
    learned = fit_matching_model(labelled=pairs)
    row, verdict = _family_row(pairs[0])
    assert verdict == "exact"
    assert learned.parameters["u"][row][verdict] > without.parameters["u"][row][verdict]
    assert learned.fit["labelled"]["non_matches"] == 40


def test_a_fit_without_decisions_is_unchanged_by_them(loaded: None, desk: Actor) -> None:
    before = fit_now(actor=desk).model
    # The desk dismisses the worklist: decisions that do not change the register.
    find_duplicates(actor=desk)
    suspects = list(SuspectedDuplicate.objects.values_list("pk", flat=True))
    assert suspects, "the synthetic register gives the worklist pairs"
    for pk in suspects:
        decide_suspect(suspect_id=pk, status=SuspectStatus.NOT_DUPLICATE, actor=desk)
    after = fit_now(actor=desk).model
    assert before is not None
    assert after is not None
    assert after.parameters["m"] == before.parameters["m"]
    assert after.parameters["u"] == before.parameters["u"]
    learned = fit_now(actor=desk, with_decisions=True).model
    assert learned is not None
    assert learned.fit["labelled"]["non_matches"] == len(suspects)
    # The dismissed pairs count once, as non-matches, not also among the unlabelled pairs.
    assert learned.fit["pairs"] < after.fit["pairs"]
    assert learned.parameters["u"] != after.parameters["u"]


def test_the_report_counts_the_labelled_pairs_decided_differently() -> None:
    def person(
        given: str, family: str, middle: str = "Haf", postcode: str = "CF10 3AT"
    ) -> PersonDetails:
        return PersonDetails(given, family, datetime.date(2009, 4, 12), "2", postcode, middle)

    married_and_moved = LabelledPair(
        person("Megan", "Pritchard", postcode="SA1 1AA"), person("Megan", "Zeller"), True
    )
    unexplained = LabelledPair(
        person("Megan", "Pritchard", middle=""), person("Megan", "Zeller", middle=""), True
    )
    sister = LabelledPair(person("Megan", "Pritchard"), person("Elin", "Pritchard"), False)
    pairs = [married_and_moved, unexplained, sister]
    same = decision_changes(pairs, DEFAULT_PARAMETERS, DEFAULT_PARAMETERS)
    assert same["pairs"] == 3
    assert same["decided_differently"] == 0
    assert same["matches"]["current"] == same["matches"]["new"]
    # A table where a differing family name counts for the same person (what labelled matches
    # with new family names teach): the married Megan who also moved, corroborated by her
    # middle name, goes from review to an automatic match.
    m = {row: dict(values) for row, values in DEFAULT_PARAMETERS.m.items()}
    u = {row: dict(values) for row, values in DEFAULT_PARAMETERS.u.items()}
    m["family_name"]["different"], u["family_name"]["different"] = 0.5, 0.001
    lenient = ModelParameters(m=m, u=u, prior=DEFAULT_PARAMETERS.prior)
    changed = decision_changes(pairs, DEFAULT_PARAMETERS, lenient)
    assert changed["decided_differently"] == 1
    assert changed["matches"]["changes"] == {"review -> auto-match": 1}
    assert changed["matches"]["current"] == {"auto-match": 0, "review": 2, "no match": 0}
    assert changed["matches"]["new"] == {"auto-match": 1, "review": 1, "no match": 0}
    # The hard rule stands whatever the weights: a family name that differs with nothing to
    # explain or corroborate it is never certain.
    assert pair_outcome(unexplained, lenient) == "review"
    assert changed["non_matches"]["changes"] == {}


# --- The fit as a worker job ---------------------------------------------------------------------


def queue_fit(actor: Actor, capture: Any, **kwargs: Any) -> MatchingFitRun:
    with capture(execute=True):
        run, new = request_fit_run(actor=actor, **kwargs)
    assert new
    return run


def test_a_queued_fit_is_run_by_the_polling_worker_and_not_switched_on(
    loaded: None, desk: Actor, django_capture_on_commit_callbacks: Any
) -> None:
    run = queue_fit(desk, django_capture_on_commit_callbacks, with_decisions=True)
    assert (run.state, run.phase, run.model) == (DuplicateRunState.QUEUED, "", None)
    assert AuditEvent.objects.filter(action="matching.fit_queued").count() == 1
    assert run_next_queued_fit()
    run.refresh_from_db()
    assert run.state == DuplicateRunState.FINISHED
    assert run.phase == FitRunPhase.DONE
    assert run.processed == run.total == 400
    assert run.model is not None
    assert not run.model.active
    assert active_parameters()[0] is None, "a fitted version waits for an operator"
    assert run.model.fit["labelled"] == {
        "matches": 0,
        "non_matches": 0,
        "register_pairs_left_out": 0,
        "by_source": {},
    }
    fitted = AuditEvent.objects.get(action="matching.fitted")
    assert fitted.details["version"] == run.model.pk
    assert not run_next_queued_fit(), "nothing left to run"
    # Re-runnable: another request is another run and another version.
    again = queue_fit(desk, django_capture_on_commit_callbacks)
    assert again.pk != run.pk
    assert run_next_queued_fit()
    again.refresh_from_db()
    assert again.model is not None
    assert again.model.pk != run.model.pk
    assert MatchingModel.objects.filter(active=True).count() == 0


def test_progress_is_saved_as_the_learners_are_paired(
    desk: Actor, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    for given in ("Megan", "Alys", "Carys"):
        register(given_name=given)
    monkeypatch.setattr(matching_fit, "_CHUNK", 1)
    saved: list[tuple[int, int, str, str]] = []

    def progress(done: int, total: int) -> None:
        run = MatchingFitRun.objects.latest("pk")
        saved.append((run.processed, run.total, run.state, run.phase))

    run = fit_now(actor=desk, progress=progress)
    assert saved == [
        (1, 3, "running", "pairing"),
        (2, 3, "running", "pairing"),
        (3, 3, "running", "estimating"),
    ]
    run.refresh_from_db()
    assert (run.state, run.phase) == ("finished", "done")
    assert run.progress_at == run.finished_at


def test_one_fit_at_a_time(desk: Actor, django_capture_on_commit_callbacks: Any) -> None:
    run = queue_fit(desk, django_capture_on_commit_callbacks)
    again, new = request_fit_run(actor=desk, with_decisions=True)
    assert (again.pk, new) == (run.pk, False)


def test_only_the_service_desk_fits_the_model(online_actor: Actor) -> None:
    with pytest.raises(PermissionDenied):
        request_fit_run(actor=online_actor)
    with pytest.raises(PermissionDenied):
        fit_now(actor=online_actor)
    assert not MatchingFitRun.objects.exists()


def test_a_failed_fit_is_marked_failed(
    desk: Actor, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = queue_fit(desk, django_capture_on_commit_callbacks)

    def broken(**_kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(model_fits, "fit_matching_model", broken)
    with pytest.raises(RuntimeError):
        run_next_queued_fit()
    run.refresh_from_db()
    assert run.state == DuplicateRunState.FAILED
    # A failed run is not in the way of the next request.
    _again, new = request_fit_run(actor=desk)
    assert new


@pytest.fixture
def rq_queue(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:  # noqa: F811
    from lrs.batches import queue

    monkeypatch.setenv("LRS_QUEUE", "rq")
    monkeypatch.setenv("LRS_REDIS_URL", redis_url)
    monkeypatch.setenv("LRS_RQ_QUEUE", f"lrs-fits-test-{uuid.uuid4().hex[:8]}")
    rq_queue = queue.rq_queue()
    try:
        yield rq_queue
    finally:
        _purge_rq_queue(rq_queue.connection, rq_queue.name)


def test_with_rq_the_fit_is_a_job_of_the_batch_queue(
    desk: Actor, megan: Learner, rq_queue: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from rq import SimpleWorker

    run = queue_fit(desk, django_capture_on_commit_callbacks)
    (job,) = rq_queue.get_jobs()
    assert (job.func_name, job.kwargs) == (JOB_FUNCTION, {"run_id": run.pk})
    SimpleWorker([rq_queue], connection=rq_queue.connection).work(burst=True)
    run.refresh_from_db()
    assert (run.state, run.processed, run.total) == ("finished", 1, 1)
    # A run asked for while Redis was down is queued again when `lrs worker --rq` starts.
    lost, _new = request_fit_run(actor=desk)
    assert enqueue_lost_fit_runs(rq_queue) == [lost.pk]
    assert enqueue_lost_fit_runs(rq_queue) == []


# --- The command --------------------------------------------------------------------------------


def test_the_command_queues_or_fits_with_decisions_and_reports(
    loaded: None, desk: Actor, register: Register, django_capture_on_commit_callbacks: Any
) -> None:
    first = register(given_name="Megan", middle_other_name="")
    again = register(given_name="Megan", family_name="Zeller", middle_other_name="")
    merge_ulns(master_uln=first.uln, duplicate_uln=again.uln, actor=desk)
    out = io.StringIO()
    call_command("fit_matching", "--with-decisions", "--quiet", stdout=out)
    text = out.getvalue()
    version = MatchingModel.objects.get().pk
    assert f"matching model version {version}, not active" in text
    assert "labelled pairs used: 1 matches, 0 non-matches (merge:match 1)" in text
    assert "decided differently from the shipped defaults (in use at the fit): " in text
    assert "labelled matches (1): auto-match" in text
    assert "in use: shipped" in text
    report = io.StringIO()
    call_command("fit_matching", "--report", str(version), stdout=report)
    assert "labelled pairs used: 1 matches" in report.getvalue()
    queued = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("fit_matching", "--queue", "--with-decisions", stdout=queued)
    run = MatchingFitRun.objects.latest("pk")
    assert f"Queued matching fit run {run.pk}" in queued.getvalue()
    assert run.state == DuplicateRunState.QUEUED
    assert run.with_decisions
    assert MatchingModel.objects.count() == 1, "queued: a worker fits it"


@pytest.mark.django_db(transaction=True)
def test_with_the_embedded_queue_the_web_process_worker_runs_a_queued_fit(
    desk: Actor, megan: Learner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `lrs demo` and `lrs serve` have no Redis: the worker thread of the web process runs the
    # queued fit when it has no batch rows and no duplicate run to do.
    import time

    from lrs.batches.worker import start_embedded_worker, stop_embedded_worker

    monkeypatch.setenv("LRS_QUEUE", "embedded")
    stop_embedded_worker()
    start_embedded_worker(poll_seconds=60)  # finishing sooner shows the request woke it
    try:
        time.sleep(0.3)  # let it find nothing and go idle
        run, _new = request_fit_run(actor=desk, with_decisions=True)
        deadline = time.monotonic() + 30
        while MatchingFitRun.objects.get(pk=run.pk).state != DuplicateRunState.FINISHED:
            assert time.monotonic() < deadline, "the embedded worker did not run the fit"
            time.sleep(0.1)
    finally:
        assert stop_embedded_worker(timeout=30)
    run.refresh_from_db()
    assert run.model is not None
    assert not run.model.active
    assert run.processed == run.total == 1
