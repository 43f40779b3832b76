import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.matching.normalise import (
    canonical_mac,
    compact_name,
    dob_variants,
    is_default_postcode,
    name_tokens,
    normalise_gender,
    normalise_name,
    normalise_postcode,
    strip_prefix,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("O'Brien", "obrien"),
        ("O’Brien", "obrien"),
        ("Siân", "sian"),
        ("SIÂN", "sian"),
        ("Zoë", "zoe"),
        ("Gwenllïan", "gwenllian"),
        ("Llŷr", "llyr"),
        ("Søren", "soren"),
        ("Strauß", "strauss"),
        ("  smith--JONES  ", "smith jones"),
        ("Smith-Jones", "smith jones"),
        ("Mr John", "john"),
        ("Mrs. Ann-Marie", "ann marie"),
        ("Dr", "dr"),
        ("Henry Jr.", "henry"),
        ("St. John", "st john"),
        ("D'Arcy", "darcy"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("spelling", ["O'Brien", "O Brien", "OBrien", "o'brien", "O’BRIEN"])
def test_apostrophe_and_space_forms_share_a_compact_name(spelling: str) -> None:
    assert compact_name(spelling) == "obrien"


def test_name_tokens_give_each_part_and_the_joined_form() -> None:
    assert name_tokens("Smith-Jones") == ("smith", "jones", "smithjones")
    assert name_tokens("Smith Jones") == ("smith", "jones", "smithjones")
    assert name_tokens("Smith") == ("smith",)
    assert name_tokens("") == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("mcdonald", "mcdonald"),
        ("macdonald", "mcdonald"),
        ("mackay", "mckay"),
        ("mace", "mace"),
        ("macey", "macey"),
        ("smith", "smith"),
    ],
)
def test_canonical_mac(raw: str, expected: str) -> None:
    assert canonical_mac(raw) == expected


def test_mac_and_mc_forms_agree() -> None:
    assert canonical_mac(compact_name("MacDonald")) == canonical_mac(compact_name("McDonald"))
    assert canonical_mac(compact_name("Mac Donald")) == canonical_mac(compact_name("Mc Donald"))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("obrien", "brien"), ("mcdonald", "donald"), ("fitzgerald", "gerald"), ("ong", "ong")],
)
def test_strip_prefix(raw: str, expected: str) -> None:
    assert strip_prefix(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("SW1A 1AA", "SW1A 1AA"),
        (" cf10  1aa ", "CF10 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("zz999zz", "ZZ99 9ZZ"),
        ("", ""),
        ("abc", "ABC"),
    ],
)
def test_normalise_postcode(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ZZ99 9ZZ", True), ("zz999zz", True), ("ZZ99 3VZ", True), ("CF10 1AA", False), ("", False)],
)
def test_is_default_postcode(raw: str, expected: bool) -> None:
    assert is_default_postcode(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", "1"), ("2", "2"), ("0", "0"), ("9", "9"), ("M", "1"), ("female", "2"), ("", "0")],
)
def test_normalise_gender(raw: str, expected: str) -> None:
    assert normalise_gender(raw) == expected


@pytest.mark.parametrize(
    ("date_of_birth", "expected"),
    [
        (
            datetime.date(2008, 3, 5),
            (datetime.date(2008, 3, 5), datetime.date(2008, 5, 3), datetime.date(2008, 3, 1)),
        ),
        (datetime.date(2008, 3, 17), (datetime.date(2008, 3, 17), datetime.date(2008, 3, 1))),
        (datetime.date(2008, 4, 4), (datetime.date(2008, 4, 4), datetime.date(2008, 4, 1))),
        (datetime.date(2008, 7, 1), (datetime.date(2008, 7, 1), datetime.date(2008, 1, 7))),
        (datetime.date(2008, 1, 1), (datetime.date(2008, 1, 1),)),
    ],
)
def test_dob_variants(date_of_birth: datetime.date, expected: tuple[datetime.date, ...]) -> None:
    assert dob_variants(date_of_birth) == expected


@given(st.text())
def test_normalise_name_is_idempotent(raw: str) -> None:
    once = normalise_name(raw)
    assert normalise_name(once) == once


@given(st.text())
def test_normalise_name_output_is_single_spaced(raw: str) -> None:
    result = normalise_name(raw)
    assert result == " ".join(result.split())
    assert all(ch == " " or ch.isalpha() for ch in result)
