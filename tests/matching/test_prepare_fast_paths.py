"""``prepare_uncached``'s shortcuts give exactly the fields of the long way round.

A postcode already in ``normalise_postcode``'s form (as the register stores it) is split
without normalising, and empty optional fields skip their normalising; the prepared person
must be the one the normalising functions give, for any text.
"""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.matching.normalise import DEFAULT_POSTCODE_AREA, normalise_name, normalise_postcode
from lrs.matching.prepare import prepare_uncached
from lrs.matching.types import PersonDetails

_BORN = datetime.date(2008, 5, 17)


def _postcode_fields(text: str) -> tuple[str, bool, str, str]:
    """The four postcode fields of ``Prepared``, as ``normalise_postcode`` defines them."""
    normalised = normalise_postcode(text)
    return (
        normalised,
        normalised.startswith(DEFAULT_POSTCODE_AREA),
        normalised[:-2] if " " in normalised else "",
        normalised.partition(" ")[0],
    )


def _prepared_postcode(text: str) -> tuple[str, bool, str, str]:
    person = prepare_uncached(PersonDetails("Ann", "Lee", _BORN, postcode=text))
    return (
        person.postcode,
        person.postcode_default,
        person.postcode_sector,
        person.postcode_district,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SW1A 1AA", ("SW1A 1AA", False, "SW1A 1", "SW1A")),  # canonical, long outward code
        ("M1 1AE", ("M1 1AE", False, "M1 1", "M1")),  # canonical, shortest
        ("CV4 9EE", ("CV4 9EE", False, "CV4 9", "CV4")),
        ("ZZ99 9ZZ", ("ZZ99 9ZZ", True, "ZZ99 9", "ZZ99")),  # the agreed default
        ("ZZ99 3CZ", ("ZZ99 3CZ", True, "ZZ99 3", "ZZ99")),
        ("sw1a 1aa", ("SW1A 1AA", False, "SW1A 1", "SW1A")),  # lower case
        ("Sw1A 1aA", ("SW1A 1AA", False, "SW1A 1", "SW1A")),
        ("SW1A1AA", ("SW1A 1AA", False, "SW1A 1", "SW1A")),  # no space
        (" SW1A  1AA ", ("SW1A 1AA", False, "SW1A 1", "SW1A")),  # extra spaces
        ("SW1 A1AA", ("SW1A 1AA", False, "SW1A 1", "SW1A")),  # space in the wrong place
        ("SW1A-1AA", ("SW1A 1AA", False, "SW1A 1", "SW1A")),  # punctuation
        ("zz999zz", ("ZZ99 9ZZ", True, "ZZ99 9", "ZZ99")),
        ("AB1", ("AB1", False, "", "AB1")),  # too short to split
        ("A 1AA", ("A1AA", False, "", "A1AA")),  # four characters: compact, not split
        ("SW1AB 1AA", ("SW1AB1AA", False, "", "SW1AB1AA")),  # eight characters: too long
        ("ZZ999 9ZZ", ("ZZ9999ZZ", True, "", "ZZ9999ZZ")),
        ("", ("", False, "", "")),  # missing
        ("   ", ("", False, "", "")),
        ("ŞW1A 1AA", ("ŞW1A 1AA", False, "ŞW1A 1", "ŞW1A")),  # not ASCII: the long way
        ("SW1A 1AA\n", ("SW1A 1AA", False, "SW1A 1", "SW1A")),  # a trailing newline
    ],
)
def test_prepared_postcode_is_normalise_postcode(
    text: str, expected: tuple[str, bool, str, str]
) -> None:
    assert _postcode_fields(text) == expected
    assert _prepared_postcode(text) == expected


_POSTCODE_CHARACTERS = st.sampled_from("ABCZaz019 -\n\tŞßı²")


@given(st.text(_POSTCODE_CHARACTERS, max_size=10))
def test_prepared_postcode_of_any_text_is_normalise_postcode(text: str) -> None:
    assert _prepared_postcode(text) == _postcode_fields(text)


@given(
    st.from_regex(r"[0-9A-Z]{2,4} [0-9A-Z]{3}", fullmatch=True),
)
def test_a_canonical_postcode_is_its_own_normalised_form(text: str) -> None:
    assert normalise_postcode(text) == text
    assert _prepared_postcode(text) == _postcode_fields(text)


@pytest.mark.parametrize("text", ["", "Ann Marie", "  ", "-", "Mr"])
def test_middle_names_prepared_as_normalise_name(text: str) -> None:
    person = prepare_uncached(PersonDetails("Ann", "Lee", _BORN, middle_names=text))
    words = tuple(normalise_name(text).split())
    assert (person.middle, person.middle_words) == ("".join(words), words)


@pytest.mark.parametrize("text", ["", "  ", " Ann.Lee@Example.org "])
def test_email_prepared_trimmed_and_case_folded(text: str) -> None:
    person = prepare_uncached(PersonDetails("Ann", "Lee", _BORN, email=text))
    assert person.email == text.strip().casefold()
