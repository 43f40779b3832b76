"""Our responses against the real service's, element by element.

For every envelope in `reference/lrs-soap/` (copied beside this file, `real/`), the same
situation is set up here, the request a real client sends is posted, and the two responses are
compared by structure: element names, namespaces, order and which elements are present. Values
that depend on the data (names, ULNs, dates) are left aside; the response codes are compared.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from lrs.core.actor import Actor
from lrs.learners.details import LearnerDetails
from lrs.learners.models import Learner
from lrs.learners.services import register_learner
from tests.api.soap.conftest import SoapCaller, body_of, envelope, post
from tests.conftest import learner_details

REAL = Path(__file__).resolve().parent / "real"
FIND = "http://api.lrs.miap.gov.uk/findmsg"
EXC = "http://api.lrs.miap.gov.uk/exceptions"

pytestmark = pytest.mark.django_db


def real_body(name: str) -> etree._Element:
    root = etree.parse(str(REAL / name)).getroot()
    return body_of(root)


def shape(element: etree._Element) -> list[tuple[int, str]]:
    """Every element below (and including) this one: (depth, {namespace}name), in order."""
    result: list[tuple[int, str]] = []

    def walk(node: etree._Element, depth: int) -> None:
        if not isinstance(node.tag, str):
            return
        result.append((depth, node.tag))
        for child in node:
            walk(child, depth + 1)

    walk(element, 0)
    return result


def assert_same_shape(ours: etree._Element, real: etree._Element) -> None:
    assert shape(ours) == shape(real), "\n".join(
        f"{a!s:60} {b!s}" for a, b in zip(shape(ours), shape(real), strict=False)
    )


# The real sample learner (FindLearnerByDemographics__exact_match_ful.xml) in our own words:
# the same fields filled and the same ones empty.
SAMPLE = LearnerDetails(
    title="Mrs",
    given_name="Samira",
    middle_other_name="Tesni",
    family_name="Tamworth",
    preferred_given_name="Sam",
    previous_family_name="Oldfield",
    family_name_at_16="Tamworth",
    school_at_16="Strategy School Foundation",
    last_known_address_line1="1 Jobs Lane",
    last_known_address_town="Coventry",
    last_known_address_county_or_city="West Midlands",
    last_known_postcode="CV4 9EE",
    date_of_address_capture=datetime.date(2009, 4, 25),
    date_of_birth=datetime.date(1976, 8, 16),
    place_of_birth="Blean",
    gender="2",
    email_address="samira.tamworth@example.com",
    scottish_candidate_number="845759406",
    verification_type="1",
    ability_to_share="1",
)


def demographics_request(
    caller: SoapCaller, family: str, given: str, dob: str, gender: str, postcode: str
) -> bytes:
    """As ministryofjustice/hmpps-learner-records-api builds it: empty optional elements."""
    return envelope(
        "fin",
        FIND,
        "<fin:FindLearnerByDemographics>"
        f"{caller.header(find_type='FUL')}"
        f"<FamilyName>{family}</FamilyName><GivenName>{given}</GivenName>"
        f"<DateOfBirth>{dob}</DateOfBirth><Gender>{gender}</Gender>"
        f"<LastKnownPostCode>{postcode}</LastKnownPostCode>"
        "<PreviousFamilyName></PreviousFamilyName><SchoolAtAge16></SchoolAtAge16>"
        "<PlaceOfBirth></PlaceOfBirth><EmailAddress></EmailAddress>"
        "</fin:FindLearnerByDemographics>",
    )


def test_exact_match(caller: Callable[..., SoapCaller], online_actor: Actor) -> None:
    register_learner(details=SAMPLE, actor=online_actor)
    request = demographics_request(
        caller(["online"]), "Tamworth", "Samira", "1976-08-16", "2", "CV49EE"
    )
    status, root = post(request)
    assert status == 200
    ours, real = body_of(root), real_body("FindLearnerByDemographics__exact_match_ful.xml")
    assert_same_shape(ours, real)
    assert ours.findtext("ResponseCode") == real.findtext("ResponseCode") == "WSRC0004"


def test_no_match(caller: Callable[..., SoapCaller]) -> None:
    request = demographics_request(
        caller(["online"]), "Nobody", "Nobody", "2000-01-01", "2", "CV49EE"
    )
    _, root = post(request)
    ours, real = body_of(root), real_body("FindLearnerByDemographics__no_match_ful.xml")
    assert_same_shape(ours, real)
    assert ours.findtext("ResponseCode") == real.findtext("ResponseCode") == "WSRC0001"


def test_too_many_matches(caller: Callable[..., SoapCaller], online_actor: Actor) -> None:
    postcodes = [
        "CF10 1AA", "CF11 6BB", "CF14 2DD", "CF23 5EE", "CF24 3FF", "CF3 4GG",
        "CF5 2HH", "CF15 7JJ", "CF62 4LL", "CF64 1NN", "CF72 8PP", "CF83 1QQ",
    ]  # fmt: skip
    for postcode in postcodes:
        register_learner(
            details=learner_details(
                given_name="Emily",
                family_name="Jones",
                middle_other_name="",
                last_known_postcode=postcode,
                date_of_birth=datetime.date(2000, 1, 1),
            ),
            actor=online_actor,
            confirm_not_possible_match=True,
        )
    request = demographics_request(
        caller(["online"]), "Jones", "Emily", "2000-01-01", "2", "ZZ999ZZ"
    )
    _, root = post(request)
    ours = body_of(root)
    real = real_body("FindLearnerByDemographics__too_many_matches_ful.xml")
    assert_same_shape(ours, real)
    assert ours.findtext("ResponseCode") == real.findtext("ResponseCode") == "WSRC0002"


def test_linked_learner(caller: Callable[..., SoapCaller], online_actor: Actor) -> None:
    """The real sample finds a linked learner by personal details; here the search looks at
    masters only (a linked record's details live on its master), so the same response comes
    from a find by the linked ULN: the Learner element is compared (docs/soap.md)."""
    master = register_learner(
        details=SAMPLE.replace(
            title="Mr",
            given_name="Tomos",
            gender="1",
            previous_family_name="",
            date_of_birth=datetime.date(1985, 3, 27),
            last_known_postcode="AB12 3EQ",
            verification_type="0",
        ),
        actor=online_actor,
    ).learner
    duplicate = register_learner(
        details=SAMPLE.replace(given_name="Tom", date_of_birth=datetime.date(1985, 3, 28)),
        actor=online_actor,
        confirm_not_possible_match=True,
    ).learner
    assert master is not None
    assert duplicate is not None
    Learner.objects.filter(pk=duplicate.pk).update(master=master, learner_status="2")
    who = caller(["online"])
    request = envelope(
        "fin",
        FIND,
        f"<fin:FindLearnerByULN>{who.header(find_type='FUL')}<ULN>{duplicate.uln}</ULN>"
        "<FamilyName>Tamworth</FamilyName><GivenName>Tom</GivenName></fin:FindLearnerByULN>",
    )
    _, root = post(request)
    ours = body_of(root)
    real = real_body("FindLearnerByDemographics__linked_learner_found_ful.xml")
    assert ours.findtext("ResponseCode") == real.findtext("ResponseCode") == "WSRC0022"
    ours_learner, real_learner = ours.find("Learner"), real.find("Learner")
    assert ours_learner is not None
    assert real_learner is not None
    assert_same_shape(ours_learner, real_learner)


def test_fault(caller: Callable[..., SoapCaller]) -> None:
    request = demographics_request(caller(["online"]), "", "Nobody", "2000-01-01", "2", "CV49EE")
    status, root = post(request)
    assert status == 500
    ours, real = body_of(root), real_body("resources__error_ful.xml")
    assert_same_shape(ours, real)
    for name in ("faultcode", "faultstring"):
        assert ours.findtext(name) == real.findtext(name)
    ours_exc = ours.find(f"detail/{{{EXC}}}MIAPAPIException")
    real_exc = real.find(f"detail/{{{EXC}}}MIAPAPIException")
    assert ours_exc is not None
    assert real_exc is not None
    for name in ("ErrorCode", "ErrorActor", "Description"):
        assert ours_exc.findtext(name) == real_exc.findtext(name)
    # Both name the type and its pattern (the real one in Xerces' words, ours in libxml2's).
    assert "[\\s]*[\\S][\\s\\S]*" in (ours_exc.findtext("FurtherDetails") or "")
    assert "FamilyName" in (ours_exc.findtext("FurtherDetails") or "")
    stamp = ours_exc.findtext("ErrorTimestamp") or ""
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", stamp)
