"""`/metrics`: the Prometheus metrics (`lrs.core.metrics`), when a token is configured.

Off by default (404). With `LRS_METRICS_TOKEN` set, a scrape must send
`Authorization: Bearer <token>`; anything else gets 401. The queue depth is read from the
database (and RQ) when scraped, so it is right whichever process did the work.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from lrs.batches import queue as batch_queue
from lrs.batches.models import Batch, BatchRow, BatchStatus, RowState
from lrs.core import metrics


class QueueDepthCollector(Collector):
    """Batch rows waiting (in batches not yet complete) and, with RQ, jobs queued."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pending = GaugeMetricFamily(
            "lrs_batch_queue_depth_rows", "Batch rows waiting to be processed."
        )
        # Only the unfinished batches (few), each counted through its (batch, state) index.
        active = Batch.objects.filter(status__in=[BatchStatus.QUEUED, BatchStatus.PROCESSING])
        counted = (
            BatchRow.objects.filter(batch__in=active, state=RowState.PENDING)
            .values("batch_id")
            .annotate(n=Count("id"))
        )
        pending.add_metric([], sum(row["n"] for row in counted))
        yield pending
        batches = GaugeMetricFamily(
            "lrs_batch_queue_depth_batches", "Batch files not yet complete."
        )
        batches.add_metric([], active.count())
        yield batches
        if batch_queue.queue_backend() is batch_queue.QueueBackend.RQ:
            jobs = GaugeMetricFamily("lrs_rq_queue_jobs", "Jobs waiting on the RQ batch queue.")
            try:
                jobs.add_metric([], len(batch_queue.rq_queue()))
            except OSError:
                return
            yield jobs


def _authorised(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(given.strip(), token)


def render_metrics() -> bytes:
    """This process's counts (or, under gunicorn, every process's) and the queue's depth."""
    if metrics.multiprocess_dir():
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    queue = CollectorRegistry()
    queue.register(QueueDepthCollector())
    return generate_latest(counted) + generate_latest(queue)


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.LRS_METRICS_TOKEN
    if not token:
        raise Http404
    if not _authorised(request, token):
        response = HttpResponse("Unauthorised", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_LATEST)
