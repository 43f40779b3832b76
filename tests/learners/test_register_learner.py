from __future__ import annotations

import datetime
import itertools
import random

import pytest

from lrs.core.errors import PermissionDenied, ValidationFailed
from lrs.core.models import AuditEvent
from lrs.identifiers import generate_uln, is_valid_uln, uln_check_digit
from lrs.learners.errors import IdenticalLearnerExists
from lrs.learners.models import Learner, LearnerMatchKey
from lrs.learners.services import RegistrationStatus, register_learner
from lrs.matching import MatchKind
from tests.conftest import learner_details

pytestmark = pytest.mark.django_db


def test_registering_a_new_learner_issues_a_valid_random_uln(online_actor):
    result = register_learner(details=learner_details(), actor=online_actor)

    assert result.status is RegistrationStatus.REGISTERED
    assert result.learner is not None
    assert is_valid_uln(result.learner.uln)
    assert result.learner.uln[0] != "0"
    assert result.learner.version_number == 1
    assert LearnerMatchKey.objects.filter(learner=result.learner).exists()


def test_registration_is_audited_with_who_organisation_channel_and_values(online_actor):
    learner = register_learner(details=learner_details(), actor=online_actor).learner
    assert learner is not None

    event = AuditEvent.objects.get(learner_id=learner.pk, action="learner.registered")
    assert event.username == online_actor.user.username
    assert event.organisation_name == "Riverside College"
    assert event.channel == "portal"
    assert event.changes["given_name"] == [None, "Megan"]
    assert event.changes["date_of_birth"] == [None, "2009-04-12"]


def _guessable(ulns: list[str]) -> str:
    """Why ULNs issued one after another look allocated in a guessable way, or "" if they don't.

    A valid ULN ends in a check digit, so a sequential allocator issues the next valid number:
    nine-digit prefixes one or two apart, not consecutive integers. A counter, a clock or a
    fixed stride issues them in order. Random ULNs do neither: twelve in order (either way) is
    a chance of 1 in 2 × 10^8, two prefixes within 10 of each other about 1 in 700,000.
    """
    prefixes = [int(uln[:9]) for uln in ulns]
    if prefixes in (sorted(prefixes), sorted(prefixes, reverse=True)):
        return "issued in order"
    close = [(a, b) for a, b in itertools.combinations(prefixes, 2) if abs(a - b) < 10]
    if close:
        return f"issued next to each other: {close}"
    return ""


def _sequential_ulns(start: int, count: int) -> list[str]:
    """What a sequential allocator would issue: the next valid ULNs from `start` on."""
    issued: list[str] = []
    prefix = start
    while len(issued) < count:
        check = uln_check_digit(str(prefix))
        if check is not None:
            issued.append(f"{prefix}{check}")
        prefix += 1
    return issued


def test_the_guessability_check_catches_what_guessable_allocators_issue():
    sequential = _sequential_ulns(100_000_000, 12)
    assert "in order" in _guessable(sequential)
    assert "next to each other" in _guessable(sequential[::2] + sequential[1::2])
    strided = [f"{p}{uln_check_digit(str(p))}" for p in range(100_000_000, 10**9, 7919)]
    assert "in order" in _guessable([uln for uln in strided if not uln.endswith("None")][:12])
    assert _guessable([generate_uln(random.Random(seed)) for seed in range(12)]) == ""


def test_ulns_are_issued_in_no_guessable_order(online_actor):
    ulns = [
        register_learner(
            details=learner_details(
                given_name=given,
                family_name=family,
                date_of_birth=datetime.date(2008, 1 + number % 12, 1 + number),
                last_known_postcode=postcode,
            ),
            actor=online_actor,
            confirm_not_possible_match=True,
        ).learner.uln  # type: ignore[union-attr]
        for number, (given, family, postcode) in enumerate(
            [
                ("Dafydd", "Rees", "SA1 1NW"),
                ("Oliver", "Nowak", "B15 2TT"),
                ("Amara", "Okafor", "M14 5RX"),
                ("Catrin", "Morgan", "LL57 2DG"),
                ("Jamal", "Hussain", "BD7 1DP"),
                ("Eilidh", "Fraser", "IV2 3JH"),
                ("Tomasz", "Kowalski", "PE1 1XL"),
                ("Grace", "Adeyemi", "SE15 5EW"),
                ("Harri", "Pugh", "SY23 3BU"),
                ("Priya", "Shah", "LE4 6RE"),
                ("Niamh", "Doherty", "BT48 6HQ"),
                ("Osian", "Jenkins", "CF24 4HQ"),
            ]
        )
    ]

    assert len(set(ulns)) == 12
    assert _guessable(ulns) == ""


def test_the_same_learner_registered_again_gets_another_uln(online_actor):
    """A ULN derived from the learner's details could be worked out from them."""
    first = register_learner(details=learner_details(), actor=online_actor).learner
    assert first is not None
    Learner.objects.filter(pk=first.pk).delete()

    again = register_learner(details=learner_details(), actor=online_actor).learner

    assert again is not None
    assert again.uln != first.uln


def test_identical_key_information_is_refused(online_actor):
    register_learner(details=learner_details(), actor=online_actor)

    with pytest.raises(IdenticalLearnerExists) as refused:
        register_learner(
            details=learner_details(middle_other_name="", email_address="megan@example.com"),
            actor=online_actor,
            confirm_not_possible_match=True,
        )
    assert refused.value.code == "WSRC0021"
    assert Learner.objects.count() == 1


def test_identical_key_ignores_case_and_postcode_spacing(online_actor):
    register_learner(details=learner_details(), actor=online_actor)

    with pytest.raises(IdenticalLearnerExists):
        register_learner(
            details=learner_details(
                given_name="MEGAN", family_name="pritchard", last_known_postcode="cf103at"
            ),
            actor=online_actor,
            confirm_not_possible_match=True,
        )


def test_an_exact_match_returns_the_existing_learner_not_a_new_uln(online_actor):
    existing = register_learner(details=learner_details(), actor=online_actor).learner

    result = register_learner(
        details=learner_details(last_known_postcode="CF10 3AU", email_address="m@example.com"),
        actor=online_actor,
    )

    assert result.status in {
        RegistrationStatus.ALREADY_REGISTERED,
        RegistrationStatus.NEEDS_CONFIRMATION,
    }
    assert existing in result.search.learners
    assert Learner.objects.count() == 1


def test_a_possible_match_needs_confirmation_before_a_uln_is_issued(online_actor):
    register_learner(details=learner_details(), actor=online_actor)
    twin = learner_details(given_name="Ffion", middle_other_name="")

    first = register_learner(details=twin, actor=online_actor)
    assert first.status is RegistrationStatus.NEEDS_CONFIRMATION
    assert first.search.kind is MatchKind.POSSIBLE
    assert Learner.objects.count() == 1

    confirmed = register_learner(details=twin, actor=online_actor, confirm_not_possible_match=True)
    assert confirmed.status is RegistrationStatus.REGISTERED
    assert Learner.objects.count() == 2


def test_view_only_users_cannot_register(view_actor):
    with pytest.raises(PermissionDenied):
        register_learner(details=learner_details(), actor=view_actor)
    assert Learner.objects.count() == 0


def test_a_user_whose_role_the_organisation_lost_cannot_register(online_actor):
    organisation = online_actor.organisation
    organisation.granted_roles = ["view"]
    organisation.save()
    online_actor.user.refresh_from_db()

    with pytest.raises(PermissionDenied):
        register_learner(details=learner_details(), actor=online_actor)


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"given_name": "   "}, "given_name", "given name"),
        ({"family_name": ""}, "family_name", "family name"),
        ({"family_name": "Prisoner"}, "family_name", "not allowed"),
        ({"given_name": "Megan2"}, "given_name", "only contain letters"),
        ({"date_of_birth": datetime.date(2020, 1, 1)}, "date_of_birth", "between 13 and 110"),
        ({"date_of_birth": datetime.date(1900, 1, 1)}, "date_of_birth", "between 13 and 110"),
        ({"date_of_birth": datetime.date(2030, 1, 1)}, "date_of_birth", "in the past"),
        ({"date_of_birth": None}, "date_of_birth", "Enter the learner's date of birth"),
        ({"last_known_postcode": "NOT A PC"}, "last_known_postcode", "real UK postcode"),
        ({"last_known_postcode": ""}, "last_known_postcode", "ZZ99 9ZZ"),
        ({"gender": "3"}, "gender", "Choose a gender"),
        ({"upn": "B801200005001"}, "upn", "under 16"),
        ({"upn": "A801200005001"}, "upn", "check letter"),
        ({"uci": "681990012058A"}, "uci", ""),
        ({"verification_type": "999"}, "other_verification_description", "Other"),
        ({"verification_type": "42"}, "verification_type", "verified"),
        ({"ability_to_share": "2"}, "ability_to_share", "privacy notice"),
        ({"email_address": "none"}, "email_address", "'none'"),
        ({"email_address": "megan@"}, "email_address", "email address"),
        ({"given_name": "M" * 36}, "given_name", "35 characters"),
    ],
)
def test_invalid_details_are_refused_with_a_message_for_the_field(
    online_actor, overrides, field, fragment
):
    with pytest.raises(ValidationFailed) as refused:
        register_learner(details=learner_details(**overrides), actor=online_actor)

    assert field in refused.value.field_errors
    assert fragment in " ".join(refused.value.field_errors[field])
    assert Learner.objects.count() == 0


def test_accents_and_apostrophes_are_legal(online_actor):
    result = register_learner(
        details=learner_details(given_name="Siân", family_name="O'Brien-Ní Dhuibhir"),
        actor=online_actor,
    )

    assert result.learner is not None
    assert result.learner.given_name == "Siân"
    assert result.learner.family_name == "O'Brien-Ní Dhuibhir"


def test_upn_is_accepted_for_a_learner_under_16(online_actor):
    today = datetime.date.today()
    dob = datetime.date(today.year - 14, 1, 15)
    result = register_learner(
        details=learner_details(date_of_birth=dob, upn="b801200005001"), actor=online_actor
    )
    assert result.learner is not None
    assert result.learner.upn == "B801200005001"


def test_other_verification_with_a_description_is_accepted(online_actor):
    result = register_learner(
        details=learner_details(
            verification_type="999", other_verification_description="Armed Forces service ID"
        ),
        actor=online_actor,
    )
    assert result.status is RegistrationStatus.REGISTERED


def test_postcode_is_stored_normalised(online_actor):
    result = register_learner(
        details=learner_details(last_known_postcode=" cf103at "), actor=online_actor
    )
    assert result.learner is not None
    assert result.learner.last_known_postcode == "CF10 3AT"


# --- A registration given the search its caller made (batch chunks) ----------------------------


def _search_for(details, actor):
    from lrs.learners.details import SearchDetails
    from lrs.learners.selectors import search_learners

    return search_learners(details=SearchDetails.from_learner_details(details), actor=actor)


def test_a_search_still_describing_the_register_is_reused_and_recorded(online_actor):
    details = learner_details()
    searched = _search_for(details, online_actor)
    assert searched.kind is MatchKind.NONE

    result = register_learner(details=details, actor=online_actor, searched=searched)

    assert result.status is RegistrationStatus.REGISTERED
    assert result.search is searched
    assert result.learner is not None
    event = AuditEvent.objects.get(learner_id=result.learner.pk, action="learner.registered")
    assert event.details["search_outcome"] == "none"


def test_a_search_overtaken_by_a_new_learner_is_not_trusted(online_actor):
    # Searched before "Meg" was registered: the search found nobody, but the register has
    # changed under it, so the registration searches again and finds her.
    details = learner_details(given_name="Megan")
    searched = _search_for(details, online_actor)
    assert searched.kind is MatchKind.NONE
    meg = register_learner(details=learner_details(given_name="Meg"), actor=online_actor).learner

    result = register_learner(details=details, actor=online_actor, searched=searched)

    assert result.status is not RegistrationStatus.REGISTERED
    assert result.search is not searched
    assert meg in result.search.learners
    assert Learner.objects.count() == 1


def test_a_search_overtaken_by_an_update_is_not_trusted(online_actor):
    from lrs.learners import matching_adapter
    from lrs.learners.services import update_learner

    other = register_learner(
        details=learner_details(given_name="Bethan", family_name="Price"), actor=online_actor
    ).learner
    assert other is not None
    details = learner_details(given_name="Bethany", family_name="Price")
    searched = _search_for(details, online_actor)
    person = matching_adapter.person_from(details)
    assert matching_adapter.still_seen(person, searched.seen)

    update_learner(
        uln=other.uln,
        version_number=other.version_number,
        changes={"email_address": "bethan@example.org"},
        actor=online_actor,
    )

    assert not matching_adapter.still_seen(person, searched.seen)


def test_a_search_for_other_details_is_not_trusted(online_actor):
    searched = _search_for(learner_details(given_name="Owain"), online_actor)

    result = register_learner(details=learner_details(), actor=online_actor, searched=searched)

    assert result.status is RegistrationStatus.REGISTERED
    assert result.search is not searched
