"""Input and output shapes of verify learner (the real `LearnerToVerify` / `VerifiedLearner`).

Inputs refuse fields they don't know (a misspelt `postcode` is an error, not ignored).
"""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema

from lrs.api.schemas.base import GENDER_PATTERN, NON_BLANK, ULN_PATTERN, RequestSchema
from lrs.learners.verify import FLAG_DESCRIPTIONS, VerifyRequest, VerifyResult

Verdict = Literal["matches", "similar", "differs", "not_compared"]


class VerifyLearnerIn(RequestSchema):
    uln: str = Field(max_length=20, pattern=ULN_PATTERN)
    given_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    family_name: str = Field(min_length=1, max_length=100, pattern=NON_BLANK)
    date_of_birth: datetime.date
    gender: str = Field(
        pattern=GENDER_PATTERN, description='"0" not known, "1" male, "2" female, "9" not specified'
    )
    postcode: str = Field(
        default="",
        max_length=20,
        description="Optional: compared with the last known postcode and reported; it does "
        "not change the response code",
    )

    def to_request(self) -> VerifyRequest:
        return VerifyRequest(**self.dict())


class SearchedLearnerOut(Schema):
    uln: str
    given_name: str
    family_name: str
    date_of_birth: datetime.date | None
    gender: str
    postcode: str


class FieldVerdictsOut(Schema):
    given_name: Verdict
    family_name: Verdict
    date_of_birth: Verdict
    gender: Verdict
    postcode: Verdict


class FailureFlagOut(Schema):
    code: str = Field(description="VRF1 ... VRF8")
    name: str = Field(description="the real service's name, e.g. GivenDoesntMatchGiven")
    message: str


class VerifiedLearnerOut(Schema):
    response_code: str = Field(
        description="WSVRC001 successful match, WSVRC002 successful linked match, WSVRC003 "
        "similar match, WSVRC004 similar linked match, WSVRC005 learner does not match, "
        "WSVRC006 ULN not found"
    )
    message: str
    verified: bool = Field(description="true for WSVRC001-WSVRC004")
    uln: str | None = Field(
        description="the ULN verified: the master ULN for a linked ULN; null unless verified"
    )
    searched: SearchedLearnerOut
    fields: FieldVerdictsOut | None = Field(description="each detail's verdict; null for WSVRC006")
    failure_flags: list[FailureFlagOut]

    @classmethod
    def of(cls, result: VerifyResult) -> VerifiedLearnerOut:
        searched = result.searched
        return cls(
            response_code=result.response_code.value,
            message=result.message,
            verified=result.verified,
            uln=result.uln or None,
            searched=SearchedLearnerOut(
                uln=searched.uln,
                given_name=searched.given_name,
                family_name=searched.family_name,
                date_of_birth=searched.date_of_birth,
                gender=searched.gender,
                postcode=searched.postcode,
            ),
            fields=(
                FieldVerdictsOut(**{k: v.value for k, v in result.fields.items()})
                if result.fields
                else None
            ),
            failure_flags=[
                FailureFlagOut(
                    code=flag.value, name=flag.real_name, message=str(FLAG_DESCRIPTIONS[flag])
                )
                for flag in result.failure_flags
            ],
        )


class VerifyFileOut(Schema):
    id: int
    file_name: str
    status: str = Field(description="queued, processing or complete")
    rows: int
    done: int
    verified: int = Field(description="rows answered WSVRC001-WSVRC004")
    not_matched: int = Field(description="rows answered WSVRC005")
    not_found: int = Field(description="rows answered WSVRC006")
    rejected: int = Field(description="rows that could not be looked up (RC010, RC011)")
    output: str | None = Field(description="where to download the answers once complete")
