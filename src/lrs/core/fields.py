"""Model fields shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class ByteOrderCharField(models.CharField):
    """A CharField compared byte by byte on PostgreSQL (`COLLATE "C"`).

    For machine-made text that is only ever compared for equality or sorted to build an index:
    ULNs, identity keys, blocking keys. Under a language's collation (even `C.UTF-8` before
    PostgreSQL 17) every comparison goes through the C library's `strcoll` and sorts cannot use
    abbreviated keys, so building an index over tens of millions of such values after a bulk
    load took about twice as long, and every look-up paid for it too. Equality is the same
    under any deterministic collation, so no answer changes. SQLite compares bytes already.
    """

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, Any]:
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters
