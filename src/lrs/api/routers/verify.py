"""Verify learner web services (role VLD): is this ULN this person's?"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from lrs.api.auth import actor_for
from lrs.api.schemas.learners import ErrorOut
from lrs.api.schemas.verify import VerifiedLearnerOut, VerifyLearnerIn
from lrs.learners.errors import VerificationsRateLimited
from lrs.learners.verify import verify_learner

router = Router(tags=["Verify learner"])
ERRORS: dict[int, type[ErrorOut]] = {
    401: ErrorOut,
    403: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


@router.post(
    "/verify-learner",
    response={200: VerifiedLearnerOut, **ERRORS},
    operation_id="verifyLearner",
    summary="Verify a learner's ULN and details",
)
def verify(request: HttpRequest, payload: VerifyLearnerIn) -> VerifiedLearnerOut | Status[ErrorOut]:
    """Do these details belong to the learner with this ULN? (role verify learner)

    One response code: WSVRC001 verified, WSVRC002 verified through a linked ULN (`uln` is the
    master ULN), WSVRC003/WSVRC004 the same with a name as one of the learner's other names,
    WSVRC005 a detail differs (`fields` and `failure_flags` say which), WSVRC006 no learner
    has this ULN. A ULN whose check digit is wrong is refused (422). Every look-up is audited;
    each user may make `LRS_VERIFICATIONS_PER_HOUR` an hour (429 past it).
    """
    try:
        result = verify_learner(actor=actor_for(request), request=payload.to_request())
    except VerificationsRateLimited as exc:
        return Status(429, ErrorOut(code=exc.code, message=exc.message))
    return VerifiedLearnerOut.of(result)
