"""The base of every request body: a field the service does not know is refused.

A misspelt or misplaced field (`{"changes": {...}}` on an update) silently ignored would make
the call look successful while doing nothing the caller meant; it is a 422 naming the field.
"""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict


class RequestSchema(Schema):
    model_config = ConfigDict(extra="forbid")
