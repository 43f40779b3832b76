"""Workers' heartbeats (`models.WorkerHeartbeat`): written by each polling worker's loop."""

from __future__ import annotations

import os
import socket
import threading

from django.utils import timezone

from lrs.batches.models import WorkerHeartbeat


def worker_name() -> str:
    """This worker's name: host, process and thread, unique among running workers."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def beat(name: str) -> None:
    """Record that the worker called `name` is running, now."""
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})


def forget(name: str) -> None:
    """The worker called `name` has stopped."""
    WorkerHeartbeat.objects.filter(name=name).delete()
