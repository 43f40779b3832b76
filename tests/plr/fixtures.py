"""Shared data of the PLR tests (a pytest plugin of tests/conftest.py): catalogue, AO, learners."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from lrs.core.actor import Actor, Channel
from lrs.learners.models import Learner
from lrs.learners.selectors import find_learner_by_uln
from lrs.learners.services import register_learner
from lrs.organisations.models import Organisation, User
from lrs.organisations.services import create_organisation, service_desk_system_actor
from lrs.plr.catalogue import import_qualifications, import_units, link_awarding_body
from lrs.plr.services import EventRow
from tests.conftest import learner_details

# Real QNs (shared/reference/ofqual-qualification-numbers.txt) with invented titles.
GCSE_QN = "601/4703/9"
DIPLOMA_QN = "603/4266/3"
OTHER_AO_QN = "500/2527/2"
UNIT_A = "A/601/0001"
UNIT_B = "B/601/0002"
UNIT_C = "C/601/0003"


def qualification_rows() -> list[dict[str, str]]:
    return [
        {
            "Qualification Number": GCSE_QN,
            "Qualification Title": "Invented GCSE (9 to 1) in Welsh Language",
            "Owner Organisation Recognition Number": "RN5001",
            "Owner Organisation Name": "Example Awarding Body",
            "Owner Organisation Acronym": "EAB",
            "Qualification Level": "Level 1/2",
            "Qualification Type": "GCSE (9 to 1)",
            "Qualification SSA": "12.1 Languages, literature and culture of the British Isles",
            "Total Credits": "",
            "Qualification Status": "Available to learners",
            "Operational Start Date": "2015-09-01T00:00:00",
            "Operational End Date": "",
            "Certification End Date": "31/08/2030",
        },
        {
            "Qualification Number": DIPLOMA_QN,
            "Qualification Title": "Invented Level 3 Diploma in Engineering",
            "Owner Organisation Recognition Number": "RN5001",
            "Owner Organisation Name": "Example Awarding Body",
            "Owner Organisation Acronym": "EAB",
            "Qualification Level": "Level 3",
            "Qualification Type": "Vocationally-Related Qualification",
            "Qualification SSA": "4.1 Engineering",
            "Total Credits": "30",
            "Guided Learning Hours": "240",
            "Operational Start Date": "2019-09-01",
        },
        {
            "Qualification Number": OTHER_AO_QN,
            "Qualification Title": "Invented Entry Level Certificate in Mathematics",
            "Owner Organisation Recognition Number": "RN5002",
            "Owner Organisation Name": "Another Awarding Body",
            "Qualification Level": "Entry Level",
            "Qualification Type": "Entry Level",
            "Qualification SSA": "2.1 Mathematics and statistics",
        },
    ]


def unit_rows() -> list[dict[str, str]]:
    common = {"Qualification Number": DIPLOMA_QN, "Unit Level": "Level 3"}
    return [
        {
            **common,
            "Rule Group": "A",
            "Group Type": "Mandatory",
            "Group Minimum Credits": "10",
            "Unit Reference": UNIT_A,
            "Unit Title": "Invented unit: Health and safety",
            "Credit Value": "10",
        },
        {
            **common,
            "Rule Group": "B",
            "Group Type": "Optional",
            "Group Minimum Credits": "20",
            "Unit Reference": UNIT_B,
            "Unit Title": "Invented unit: Welding",
            "Credit Value": "15",
        },
        {
            **common,
            "Rule Group": "B",
            "Group Type": "Optional",
            "Group Minimum Credits": "20",
            "Unit Reference": UNIT_C,
            "Unit Title": "Invented unit: Machining",
            "Credit Value": "15",
        },
    ]


@pytest.fixture
def operator(db: None) -> Actor:
    return service_desk_system_actor(channel=Channel.CLI)


@pytest.fixture
def awarding_org(operator: Actor) -> Organisation:
    return create_organisation(
        actor=operator,
        ukprn="10099001",
        name="Example Awarding Body",
        organisation_type="awarding_organisation",
        granted_roles=["super", "ao", "online", "plr"],
    )


@pytest.fixture
def odd_college(operator: Actor) -> Organisation:
    """A college granted the awarding organisation role, which counts only in an AO."""
    return create_organisation(
        actor=operator,
        ukprn="10077777",
        name="Odd College",
        organisation_type="college",
        granted_roles=["ao"],
    )


@pytest.fixture
def catalogue(operator: Actor, awarding_org: Organisation) -> None:
    import_qualifications(actor=operator, rows=qualification_rows())
    import_units(actor=operator, rows=unit_rows())
    link_awarding_body(actor=operator, recognition_number="RN5001", organisation=awarding_org)


@pytest.fixture
def ao_user(awarding_org: Organisation, make_user: Callable[..., User]) -> User:
    return make_user(awarding_org, ["ao"])


@pytest.fixture
def ao_actor(ao_user: User) -> Actor:
    return Actor(user=ao_user, channel=Channel.API)


@pytest.fixture
def registrar(college: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(college, ["online"]), channel=Channel.PORTAL)


@pytest.fixture
def register(registrar: Actor) -> Callable[..., Learner]:
    def _register(**overrides: Any) -> Learner:
        result = register_learner(
            details=learner_details(**overrides), actor=registrar, confirm_not_possible_match=True
        )
        assert result.learner is not None
        return result.learner

    return _register


@pytest.fixture
def megan(register: Callable[..., Learner]) -> Learner:
    return register()


@pytest.fixture
def plr_actor(college: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(college, ["plr"]), channel=Channel.PORTAL)


def found(learner: Learner, actor: Actor) -> Learner:
    """The actor's organisation finds the learner by ULN and names (as a user would first)."""
    return find_learner_by_uln(
        uln=learner.uln, given_name=learner.given_name, family_name=learner.family_name, actor=actor
    ).learner


def row(learner: Learner, **overrides: Any) -> EventRow:
    values: dict[str, Any] = {
        "uln": learner.uln,
        "given_name": learner.given_name,
        "family_name": learner.family_name,
        "date_of_birth": learner.date_of_birth,
        "subject_code": GCSE_QN,
        "source_record_id": "R1",
        "grade": "7",
        "achievement_award_date": datetime.date(2025, 8, 21),
    }
    values.update(overrides)
    return EventRow(**values)
