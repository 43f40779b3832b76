"""The learner answers are built without validating them again (`model_construct`, issue 16):
their bodies must be exactly those the validating construction gave, for learners just
registered and learners read from the database, with and without linked ULNs."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from ninja.responses import NinjaJSONEncoder
from pydantic import BaseModel

from lrs.api import response_codes as rc
from lrs.api.routers.learners import _search_body
from lrs.api.schemas.learners import (
    FindByUlnOut,
    LearnerOut,
    LearnerResponseOut,
    MatchedLearnerOut,
    MatchOut,
    SearchOut,
    _learner_fields,
)
from lrs.core.actor import Actor
from lrs.learners.details import LearnerDetails, SearchDetails
from lrs.learners.match_reasons import match_reasons, match_strength
from lrs.learners.matching_adapter import LearnerMatch
from lrs.learners.models import Learner
from lrs.learners.response_codes import ResponseCode
from lrs.learners.selectors import linked_ulns_of, search_learners
from lrs.learners.services import RegistrationStatus, register_learner
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


def _rendered(model: BaseModel) -> str:
    """The body as django-ninja renders a response model instance (`model_dump`, then JSON)."""
    return json.dumps(model.model_dump(), cls=NinjaJSONEncoder)


def _validated_match(match: LearnerMatch, linked: list[str]) -> MatchedLearnerOut:
    """`MatchedLearnerOut.of_match` as it was, validating every value."""
    return MatchedLearnerOut(
        **_learner_fields(match.learner, linked),
        match=MatchOut(
            score=round(match.scored.score, 3),
            probability=round(match.scored.probability, 4),
            strength=match_strength(match.scored.probability),
            reasons=match_reasons(match.scored.evidence),
        ),
    )


def _register(actor: Actor, details: LearnerDetails) -> Learner:
    result = register_learner(details=details, actor=actor, confirm_not_possible_match=True)
    assert result.status is RegistrationStatus.REGISTERED
    assert result.learner is not None
    return result.learner


@pytest.fixture
def registered(online_actor: Actor, details: Callable[..., LearnerDetails]) -> list[Learner]:
    return [
        _register(
            online_actor,
            details(given_name=name, date_of_birth=born, email_address=email, title=title),
        )
        for name, born, email, title in (
            ("Megan", datetime.date(2009, 4, 12), "megan@example.org", "Miss"),
            ("Meghan", datetime.date(2007, 6, 20), "", ""),
            ("Sioned", datetime.date(2008, 1, 30), "", "Ms"),
        )
    ]


def test_a_learner_just_registered_renders_as_validated(registered: list[Learner]) -> None:
    for learner in registered:
        constructed = LearnerOut.of(learner, linked_ulns=[])
        validated = LearnerOut(**_learner_fields(learner, []))
        assert _rendered(constructed) == _rendered(validated)
        body = LearnerResponseOut.model_construct(
            response_code=ResponseCode.REGISTERED,
            message=rc.message_for(ResponseCode.REGISTERED),
            learner=constructed,
        )
        assert _rendered(body) == _rendered(
            LearnerResponseOut(
                response_code=ResponseCode.REGISTERED,
                message=rc.message_for(ResponseCode.REGISTERED),
                learner=validated,
            )
        )


def test_learners_read_back_render_as_validated(registered: list[Learner]) -> None:
    for stored in Learner.objects.filter(pk__in=[learner.pk for learner in registered]):
        constructed = FindByUlnOut.model_construct(
            response_code=ResponseCode.EXACT_MATCH,
            message=rc.message_for(ResponseCode.EXACT_MATCH),
            searched_uln=stored.uln,
            master_substituted=False,
            learner=LearnerOut.of(stored),
        )
        validated = FindByUlnOut(
            response_code=ResponseCode.EXACT_MATCH,
            message=rc.message_for(ResponseCode.EXACT_MATCH),
            searched_uln=stored.uln,
            master_substituted=False,
            learner=LearnerOut(**_learner_fields(stored, None)),
        )
        assert _rendered(constructed) == _rendered(validated)


@pytest.mark.parametrize(
    "searched",
    [
        {"given_name": "Megan"},  # the exact match
        {"given_name": "Meg"},  # possible matches
        {"given_name": "Zebedee", "family_name": "Quartermaine"},  # none
    ],
)
def test_search_bodies_render_as_validated(
    online_actor: Actor, registered: list[Learner], searched: dict[str, str]
) -> None:
    values: dict[str, Any] = {
        "given_name": "Megan",
        "family_name": "Pritchard",
        "date_of_birth": registered[0].date_of_birth,
        "gender": "2",
        "last_known_postcode": "CF10 3AT",
        **searched,
    }
    outcome = search_learners(details=SearchDetails(**values), actor=online_actor)
    linked = linked_ulns_of(outcome.learners)
    validated = SearchOut(
        response_code=rc.FOR_MATCH_KIND[outcome.kind],
        message=rc.message_for(rc.FOR_MATCH_KIND[outcome.kind]),
        learners=[_validated_match(match, linked[match.learner.pk]) for match in outcome.matches],
    )
    constructed = _search_body(outcome)
    assert _rendered(constructed) == _rendered(validated)
    assert len(constructed.learners) == len(outcome.matches)
    assert json.loads(_rendered(constructed))["response_code"] == rc.FOR_MATCH_KIND[outcome.kind]


def test_a_linked_uln_renders_as_validated(registered: list[Learner]) -> None:
    master, other = registered[0], registered[1]
    Learner.objects.filter(pk=other.pk).update(master=master)
    stored = Learner.objects.get(pk=master.pk)
    assert LearnerOut.of(stored).linked_ulns == [other.uln]
    assert _rendered(LearnerOut.of(stored)) == _rendered(
        LearnerOut(**_learner_fields(stored, None))
    )


def test_api_answers_conform_to_their_schemas(online: ApiClient) -> None:
    """Through the API: each body is what validating it against its schema gives back."""
    register: dict[str, Any] = {
        "given_name": "Megan",
        "family_name": "Pritchard",
        "date_of_birth": "2009-04-12",
        "gender": "2",
        "last_known_postcode": "CF10 3AT",
        "verification_type": "1",
        "ability_to_share": "1",
    }
    created = online.post("/api/v1/learners", register)
    assert created.status_code == 201, created.content
    found = online.post(
        "/api/v1/learners/find-by-uln",
        {
            "uln": created.json()["learner"]["uln"],
            "given_name": "Megan",
            "family_name": "Pritchard",
        },
    )
    searched = online.post(
        "/api/v1/learners/search",
        {key: register[key] for key in list(register)[:5]},
    )
    for response, schema in (
        (created, LearnerResponseOut),
        (found, FindByUlnOut),
        (searched, SearchOut),
    ):
        body = response.json()
        assert json.loads(_rendered(schema.model_validate(body))) == body
    assert searched.json()["learners"][0]["uln"] == created.json()["learner"]["uln"]


@pytest.fixture
def online(api_as: Callable[..., ApiClient], college: Any) -> ApiClient:
    return api_as(college, ["online"])
