"""`/healthz` and `/readyz`: for load balancers and orchestrators; no sign-in and no data.

`/healthz` says the process is up (it touches nothing). `/readyz` says this process can serve:
the database answers, every migration is applied and, when batches go through RQ
(`LRS_QUEUE=rq`), Redis answers. The answer names each check and "ok" or "failed", nothing else.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lrs.batches import queue as batch_queue

logger = logging.getLogger(__name__)

# Once this process has seen every migration applied it stops asking: migrations are applied
# before new code starts (docs/deploy.md, upgrades), never taken back under a running process.
_migrations_seen_applied = False


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("readiness: the database does not answer", exc_info=True)
        return False


def _migrations_ok() -> bool:
    global _migrations_seen_applied
    if _migrations_seen_applied:
        return True
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        logger.warning("readiness: cannot read the applied migrations", exc_info=True)
        return False
    _migrations_seen_applied = not pending
    return _migrations_seen_applied


def _redis_ok() -> bool:
    from redis.exceptions import RedisError

    try:
        return bool(batch_queue.redis_connection().ping())
    except (RedisError, OSError):
        logger.warning("readiness: Redis does not answer")
        return False


def reset_migration_cache() -> None:
    """Forget that migrations were seen applied (tests)."""
    global _migrations_seen_applied
    _migrations_seen_applied = False


@never_cache
@require_GET
def healthz_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz_view(request: HttpRequest) -> JsonResponse:
    checks: dict[str, bool] = {"database": _database_ok()}
    checks["migrations"] = checks["database"] and _migrations_ok()
    if batch_queue.queue_backend() is batch_queue.QueueBackend.RQ:
        checks["redis"] = _redis_ok()
    ready = all(checks.values())
    return JsonResponse(
        {
            "status": "ready" if ready else "not ready",
            "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
        },
        status=200 if ready else 503,
    )
