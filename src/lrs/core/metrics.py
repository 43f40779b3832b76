"""The service's Prometheus metrics, counted where things happen and read at `/metrics`.

One registry per process; under gunicorn (`lrs serve --workers N`) every process, and the batch
worker it starts, counts into files in `PROMETHEUS_MULTIPROC_DIR` and `/metrics` adds them up
(prometheus-client's multiprocess mode; `lrs.cli` sets the folder before anything is imported).

No label ever carries personal data: endpoints are URL names, outcomes and actions are codes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from prometheus_client import Counter, Histogram

# Seconds; fine below 100 ms, where searches and look-ups should be.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUEST_LATENCY = Histogram(
    "lrs_http_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint (URL name), method and status class.",
    ["endpoint", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
AUDIT_EVENTS = Counter(
    "lrs_audit_events_total", "Audit rows written, by action (every recorded action).", ["action"]
)
SEARCHES = Counter(
    "lrs_searches_total", "Demographic searches, by outcome kind (any channel).", ["outcome"]
)
REGISTRATIONS = Counter("lrs_registrations_total", "Learners registered (given a new ULN).")
SIGN_IN_FAILURES = Counter(
    "lrs_sign_in_failures_total",
    "Failed sign-ins to a known account, by result (failed, locked_out).",
    ["result"],
)
BATCH_ROWS_PROCESSED = Counter(
    "lrs_batch_rows_processed_total", "Batch file rows processed by the workers."
)

# The audit actions counted beyond AUDIT_EVENTS (the values of lrs.core.audit.AuditAction).
_SEARCHED = "learner.searched"
_REGISTERED = "learner.registered"
_SIGN_IN_FAILED = {"user.sign_in_failed": "failed", "user.locked_out": "locked_out"}


def count_audited(events: Iterable[Any]) -> None:
    """Count what audit rows record (objects with `action` and `details`)."""
    for event in events:
        action = str(event.action)
        AUDIT_EVENTS.labels(action).inc()
        if action == _SEARCHED:
            SEARCHES.labels(str(event.details.get("outcome", "unknown"))).inc()
        elif action == _REGISTERED:
            REGISTRATIONS.inc()
        elif action in _SIGN_IN_FAILED:
            SIGN_IN_FAILURES.labels(_SIGN_IN_FAILED[action]).inc()


def count_batch_rows(rows: int) -> None:
    if rows:
        BATCH_ROWS_PROCESSED.inc(rows)


def multiprocess_dir() -> str:
    """The multiprocess folder in use, or "" when this process counts alone."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
