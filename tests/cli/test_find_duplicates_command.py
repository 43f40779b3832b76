"""`lrs find-duplicates`: the duplicate finder from the command line, with its progress."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command

from lrs.challenges.models import DuplicateRun, SuspectedDuplicate
from tests.batches.test_worker import redis_url  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


def test_runs_the_finder_and_reports(register):
    register()
    register(given_name="Megn", last_known_postcode="SA1 1AA", middle_other_name="")
    out, err = io.StringIO(), io.StringIO()
    call_command("find_duplicates", "--now", stdout=out, stderr=err)
    assert "Compared 2 learners" in out.getvalue()
    assert "1 suspected pairs" in out.getvalue()
    assert "2/2 learners" in err.getvalue()
    assert SuspectedDuplicate.objects.count() == 1
    call_command("find_duplicates", "--now", stdout=out, stderr=err)
    assert DuplicateRun.objects.order_by("-pk")[0].processed == 0


def test_queues_a_run_for_the_worker(
    register,
    redis_url,  # noqa: F811 - the fixture imported above
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    from lrs.batches import queue
    from tests.batches.test_worker import _purge_rq_queue

    monkeypatch.setenv("LRS_QUEUE", "rq")
    monkeypatch.setenv("LRS_REDIS_URL", redis_url)
    monkeypatch.setenv("LRS_RQ_QUEUE", f"lrs-duplicates-test-{uuid.uuid4().hex[:8]}")
    rq_queue = queue.rq_queue()
    register()
    out = io.StringIO()
    try:
        # The job is queued when the command's transaction commits.
        with django_capture_on_commit_callbacks(execute=True):
            call_command("find_duplicates", "--full", stdout=out)
        run = DuplicateRun.objects.get()
        (job,) = rq_queue.get_jobs()
        assert job.kwargs == {"run_id": run.pk}
        assert f"Queued duplicate run {run.pk}" in out.getvalue()
        assert (run.state, run.full, run.processed) == ("queued", True, 0)
        call_command("find_duplicates", stdout=out)
        assert f"Duplicate run {run.pk} is already queued" in out.getvalue()
        assert DuplicateRun.objects.count() == 1
    finally:
        _purge_rq_queue(rq_queue.connection, rq_queue.name)
