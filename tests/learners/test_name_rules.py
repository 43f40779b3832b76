"""The shared name rules (portal, API and batch all validate through them): issue 19 items 5, 6."""

from __future__ import annotations

import datetime

import pytest

from lrs.core.errors import ValidationFailed
from lrs.learners.details import SearchDetails
from lrs.learners.validation import (
    name_problem,
    validate_learner_details,
    validate_search_details,
)
from tests.conftest import learner_details

# Real given and family names of one or two letters (Chinese, Korean, Vietnamese, Burmese,
# Welsh, Irish, African, Spanish, Italian, English short forms and others): none may be taken
# for a placeholder.
REAL_SHORT_NAMES = [
    # family names
    "Na",
    "Ng",
    "Li",
    "O",
    "Ma",
    "An",
    "Ho",
    "Yi",
    "Wu",
    "Xu",
    "Lu",
    "Hu",
    "Yu",
    "Qi",
    "Ye",
    "He",
    "Bo",
    "Ko",
    "Oh",
    "Ro",
    "Im",
    "Ha",
    "Ku",
    "Yo",
    "Do",
    "Vu",
    "Le",
    "Ly",
    "Ai",
    "Bi",
    "Ba",
    "Du",
    "Ge",
    "Gu",
    "Ji",
    "Mo",
    "Mu",
    "Ni",
    "Pu",
    "Su",
    "Xi",
    "Zu",
    "Au",
    "Ip",
    "Lo",
    "Ow",
    "Ea",
    "Py",
    "Ox",
    "Al",
    "Om",
    "Ek",
    "Ra",
    "Da",
    "Ka",
    "Ta",
    "Sa",
    "De",
    "Di",
    "Le",
    # given names
    "Jo",
    "Ed",
    "Al",
    "Bo",
    "Mo",
    "Ty",
    "Vi",
    "Ky",
    "Ja",
    "Lu",
    "Ai",
    "Mi",
    "Ri",
    "Na",
    "Nu",
    "Aa",
    "Ay",
    "Io",
    "Ua",
    "Wy",
    "Ab",
    "Ad",
    "Ez",
    "Ia",
    "Ox",
    "Tu",
    "Di",
    "Eu",
]

PLACEHOLDERS = [
    "N/A",
    "n/a",
    "N.A.",
    "N / A",
    "N/K",
    "Unknown",
    "UNKNOWN",
    "Not Known",
    "Not known",
    "Test",
    "Testing",
    "TBC",
    "TBA",
    "None",
    "Null",
    "Dummy",
    "X",
    "XX",
    "XXX",
    "Not Applicable",
    "Prisoner",
]


@pytest.mark.parametrize("name", sorted(set(REAL_SHORT_NAMES)))
def test_real_short_names_are_legal(name):
    assert name_problem(name) is None


@pytest.mark.parametrize("name", PLACEHOLDERS)
def test_placeholders_are_prohibited(name):
    assert name_problem(name) == (
        "The name contains text that is not allowed. Use the learner's legal name."
    )


@pytest.mark.parametrize(("given", "family"), [("Na", "Li"), ("Yi", "Ng"), ("Ho", "O")])
def test_short_names_register_and_search(given, family):
    today = datetime.date(2026, 12, 3)
    details = validate_learner_details(
        learner_details(given_name=given, family_name=family), today=today
    )
    assert (details.given_name, details.family_name) == (given, family)
    search = validate_search_details(
        SearchDetails(
            given_name=given,
            family_name=family,
            date_of_birth=datetime.date(2009, 4, 12),
            gender="2",
            last_known_postcode="CF10 3AT",
        ),
        today=today,
    )
    assert search.given_name == given


def test_a_placeholder_is_refused_in_a_search():
    with pytest.raises(ValidationFailed) as refused:
        validate_search_details(
            SearchDetails(
                given_name="N/A",
                family_name="Pritchard",
                date_of_birth=datetime.date(2009, 4, 12),
                gender="2",
                last_known_postcode="CF10 3AT",
            )
        )
    assert "not allowed" in refused.value.field_errors["given_name"][0]


LOOKALIKE = (
    "The name mixes letters from different alphabets that look alike (for example a Cyrillic С "
    "in a Latin name). Type the name again in one alphabet."
)


@pytest.mark.parametrize(
    "name",
    [
        "\u0421arys",  # Cyrillic С then Latin "arys": reads as Carys
        "Meg\u0430n",  # Cyrillic а
        "\u03a1hillips",  # Greek Ρ
        "J\u043ees",  # Cyrillic о
    ],
)
def test_mixed_script_lookalikes_are_refused(name):
    assert name_problem(name) == LOOKALIKE


@pytest.mark.parametrize(
    "name",
    ["Гвенллиан", "Сергей", "李娜", "Ελένη", "محمد", "Siân", "Nguyễn", "Łukasz", "Bjørn", "Zoë"],
)
def test_names_in_one_script_are_legal(name):
    assert name_problem(name) is None


def test_compatibility_forms_are_normalised():
    details = validate_learner_details(
        learner_details(given_name="\uff27wenllian", family_name="\ufb01nch"),
        today=datetime.date(2026, 12, 3),
    )
    assert (details.given_name, details.family_name) == ("Gwenllian", "finch")


def test_a_lookalike_is_refused_in_a_search():
    with pytest.raises(ValidationFailed) as refused:
        validate_search_details(
            SearchDetails(
                given_name="\u0421arys",
                family_name="Pritchard",
                date_of_birth=datetime.date(2009, 4, 12),
                gender="2",
                last_known_postcode="CF10 3AT",
            )
        )
    assert refused.value.field_errors["given_name"] == [LOOKALIKE]
