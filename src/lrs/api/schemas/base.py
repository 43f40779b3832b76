"""The base of every request body: a field the service does not know is refused.

A misspelt or misplaced field (`{"changes": {...}}` on an update) silently ignored would make
the call look successful while doing nothing the caller meant; it is a 422 naming the field.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Path, Schema
from ninja.schema import DjangoGetter
from pydantic import ConfigDict, ValidationInfo, model_validator
from pydantic.functional_validators import ModelWrapValidatorHandler


class RequestSchema(Schema):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        """A JSON body (a dict) validated once.

        django-ninja's `Schema` validates a model that forbids extra fields twice: the input
        as given (which refuses the extra fields), then again read through its `DjangoGetter`
        (for ORM objects and `resolve_` methods, which request bodies have none of; a dict's
        values come back from it as they are). The first result is the second's for a dict,
        so it is kept (issue 16: every API request paid for the second). Anything else than a
        dict goes the way django-ninja takes it.
        """
        if isinstance(values, dict):
            return handler(values)
        handler(values)
        return handler(DjangoGetter(values, cls, info.context))


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
