"""The base of every request body: a field the service does not know is refused.

A misspelt or misplaced field (`{"changes": {...}}` on an update) silently ignored would make
the call look successful while doing nothing the caller meant; it is a 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Schema
from pydantic import ConfigDict


class RequestSchema(Schema):
    model_config = ConfigDict(extra="forbid")


# Bounds of every integer a caller sends: a number the database cannot hold (PostgreSQL's
# integer and bigint) is a 422, never a 500 "out of range" from the database.
MAX_INT = 2**31 - 1
MAX_ID = 2**63 - 1
# What the services refuse, said in the schema so that a request valid by the schema is not
# then refused for its shape: a name or postcode of only spaces, a ULN that is not 10 digits,
# a code outside its list. (Rules no schema can state, such as a ULN's check digit or a
# placeholder name like "Unknown", still answer 422 validation_failed.)
NON_BLANK = r"\S"
NO_NUL = r"^[^\x00]*$"
ULN_PATTERN = r"^\s*[0-9]{10}\s*$"
GENDER_PATTERN = r"^[0129]$"
VERIFICATION_TYPE_PATTERN = r"^(?:[0-7]|999)$"
ABILITY_TO_SHARE_PATTERN = r"^[01]$"


# A ULN in a URL (`/learners/{uln}`): ten digits, so that a word there (`/learners/search`) is
# never taken for a ULN.
UlnInPath = Annotated[str, Path(pattern=r"^[0-9]{10}$", description="The learner's ULN")]
