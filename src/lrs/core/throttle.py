"""Rate limits per client address and per account, counted in Django's cache by django-ratelimit.

The cache is Redis when `LRS_REDIS_URL` is set (one count for every web process), else the
process's own memory (the embedded default: one web process). Each limit has a name; its rate
("30/h", "10/10m") comes from `settings.LRS_RATE_LIMITS`, which `LRS_RATE_LIMIT_<NAME>` in the
environment overrides. The portal and the API call these at their doors (docs/adr/0006); the
account rules themselves (ten wrong passwords, the paused reset route) are in the database.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit.core import ALL, _get_window, _make_cache_key, _split_rate, get_usage

from lrs.core.errors import TooManyRequests


@dataclass(frozen=True)
class Usage:
    count: int
    limit: int
    retry_after: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit


def client_address(request: HttpRequest) -> str:
    """The client's address as the web server saw it (the only one a client can't forge)."""
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def account_key(value: str) -> str:
    """A key for an account named by the client (a username, a token): never stored raw."""
    return hashlib.sha256(value.strip().casefold().encode()).hexdigest()


def _usage(request: HttpRequest, *, limit_name: str, key: str, increment: bool) -> Usage | None:
    rate = settings.LRS_RATE_LIMITS.get(limit_name)
    if not rate:
        return None
    usage = get_usage(
        request,
        group=f"lrs.{limit_name}",
        key=lambda _group, _request: key,
        rate=rate,
        increment=increment,
    )
    if usage is None:
        return None
    return Usage(
        count=int(usage["count"]),
        limit=int(usage["limit"]),
        retry_after=max(1, int(usage["time_left"])),
    )


def count_request(request: HttpRequest, *, limit_name: str, key: str) -> None:
    """Count this request against the limit; raise TooManyRequests once it is past it."""
    usage = _usage(request, limit_name=limit_name, key=key, increment=True)
    if usage is not None and usage.exceeded:
        raise TooManyRequests(retry_after=usage.retry_after)


def _peek(limit_name: str, key: str) -> Usage | None:
    """The count so far, read with one cache call.

    `get_usage(increment=False)` would first write a zero count (a cache `add`) and then read
    it: two round trips on every API request for the wrong-token check. The same counter,
    found by django-ratelimit's own key and window functions (its version is pinned).
    """
    rate = settings.LRS_RATE_LIMITS.get(limit_name)
    if not rate or not getattr(settings, "RATELIMIT_ENABLE", True):
        return None
    limit, period = _split_rate(rate)
    window = _get_window(key, period)
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    count = cache.get(_make_cache_key(f"lrs.{limit_name}", window, rate, key, ALL), 0)
    return Usage(count=int(count), limit=limit, retry_after=max(1, window - int(time.time())))


def ensure_under_limit(request: HttpRequest, *, limit_name: str, key: str) -> None:
    """Raise TooManyRequests if the limit is already used up, without counting this request.

    With `count_failure` it limits only failures (wrong tokens, wrong answers).
    """
    usage = _peek(limit_name, key)
    if usage is not None and usage.count >= usage.limit:
        raise TooManyRequests(retry_after=usage.retry_after)


def count_failure(request: HttpRequest, *, limit_name: str, key: str) -> None:
    """Count one failure against a limit that `ensure_under_limit` checks."""
    _usage(request, limit_name=limit_name, key=key, increment=True)
