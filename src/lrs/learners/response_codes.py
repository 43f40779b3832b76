"""The real service's web-service response codes (WSRC) for learner outcomes, defined once.

The learner services' refusals carry them as their codes, and every web service that reports
an outcome (the JSON API; SOAP to come) answers with them, so that MIS developers recognise
them (DESIGN 3.3).
"""

from __future__ import annotations

import enum


class ResponseCode(enum.StrEnum):
    NO_MATCH = "WSRC0001"
    TOO_MANY_MATCHES = "WSRC0002"
    POSSIBLE_MATCHES = "WSRC0003"
    EXACT_MATCH = "WSRC0004"
    REGISTERED = "WSRC0005"
    UPDATED = "WSRC0006"
    STALE_VERSION = "WSRC0013"
    NOT_FOUND_FOR_UPDATE = "WSRC0019"
    NO_CHANGES = "WSRC0020"
    IDENTICAL_LEARNER = "WSRC0021"
    MASTER_SUBSTITUTED = "WSRC0022"
