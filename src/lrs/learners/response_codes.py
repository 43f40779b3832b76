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
    BATCH_SUBMITTED = "WSRC0007"
    BATCH_INCOMPLETE = "WSRC0008"
    BATCH_SUCCESSFUL = "WSRC0009"
    BATCH_FAILED = "WSRC0010"
    STALE_VERSION = "WSRC0013"
    RECORD_COUNT_INCORRECT = "WSRC0017"
    UNKNOWN_JOB = "WSRC0018"
    NOT_FOUND_FOR_UPDATE = "WSRC0019"
    NO_CHANGES = "WSRC0020"
    IDENTICAL_LEARNER = "WSRC0021"
    MASTER_SUBSTITUTED = "WSRC0022"
    ULNS_NOT_FOUND = "WSRC0023"


class VerifyResponseCode(enum.StrEnum):
    """Verify learner's answers (`verifyLearner`, `VerifiedLearner.ResponseCode`)."""

    SUCCESSFUL_MATCH = "WSVRC001"
    SUCCESSFUL_LINKED_MATCH = "WSVRC002"
    SIMILAR_MATCH = "WSVRC003"
    SIMILAR_LINKED_MATCH = "WSVRC004"
    LEARNER_DOES_NOT_MATCH = "WSVRC005"
    ULN_NOT_FOUND = "WSVRC006"


class FailureFlag(enum.StrEnum):
    """Verify learner's `FailureFlag` values: which comparison of a detail failed.

    The member names are the real service's (GivenDoesntMatchGiven ...) in upper snake case.
    """

    GIVEN_DOESNT_MATCH_GIVEN = "VRF1"
    GIVEN_DOESNT_MATCH_FAMILY = "VRF2"
    GIVEN_DOESNT_MATCH_PREVIOUS_FAMILY = "VRF3"
    FAMILY_DOESNT_MATCH_GIVEN = "VRF4"
    FAMILY_DOESNT_MATCH_FAMILY = "VRF5"
    FAMILY_DOESNT_MATCH_PREVIOUS_FAMILY = "VRF6"
    DATE_OF_BIRTH_DOESNT_MATCH_DATE_OF_BIRTH = "VRF7"
    GENDER_DOESNT_MATCH_GENDER = "VRF8"

    @property
    def real_name(self) -> str:
        """The real service's name: GivenDoesntMatchGiven ..."""
        return "".join(word.capitalize() for word in self.name.split("_"))
