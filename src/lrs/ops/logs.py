"""Structured request logs: one JSON object a line, each with the request's id.

`RequestLogMiddleware` gives every request an id (the proxy's `X-Request-ID` when it is a
plain token, else a new one), sends it back in `X-Request-ID`, and logs one line per request:
method, URL name and pattern (never the path or query, which can hold a ULN or a name), status,
duration, and the user and organisation by id only. `JsonFormatter` writes every log record
(ours and the libraries') as JSON with the id of the request it belongs to.

Personal data never goes into a log: log ids and codes, never names, dates of birth,
postcodes, ULNs or free text from a request (STYLE: logging). A test runs a search and a
registration and looks for them in the captured logs.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from lrs.core import metrics

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("lrs_request_id", default="")
request_logger = logging.getLogger("lrs.requests")

_GIVEN_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The LogRecord attributes every record has; anything else was passed as `extra`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Put the current request's id on every record (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or request_id_var.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _endpoint(request: HttpRequest) -> tuple[str, str]:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched", ""
    return match.view_name or "unnamed", match.route


def _who(request: HttpRequest) -> tuple[int | None, int | None]:
    """The signed-in user's and organisation's ids (portal session or API token), or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        # An API call: the token's actor (lrs.api.auth), set once the endpoint authenticated.
        user = getattr(getattr(request, "auth", None), "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None, None
    return getattr(user, "pk", None), getattr(user, "organisation_id", None)


class RequestLogMiddleware:
    """Request id, one log line and the latency metric for every request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _GIVEN_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            endpoint, route = _endpoint(request)
            status = response.status_code
            metrics.REQUEST_LATENCY.labels(endpoint, request.method, f"{status // 100}xx").observe(
                seconds
            )
            response["X-Request-ID"] = request_id
            user_id, organisation_id = _who(request)
            request_logger.info(
                "request",
                extra={
                    "method": request.method,
                    "endpoint": endpoint,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 1),
                    "user_id": user_id,
                    "organisation_id": organisation_id,
                },
            )
            return response
        finally:
            request_id_var.reset(token)
