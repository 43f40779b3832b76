"""Tests for lrs.identifiers.ukprn."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.identifiers import IdentifierError, is_valid_ukprn, validate_ukprn


@pytest.mark.parametrize("value", ["10000000", "10012345", "19999999", "99999999"])
def test_eight_digits_starting_one_to_nine_are_valid(value: str) -> None:
    assert is_valid_ukprn(value)
    assert validate_ukprn(value) == value


@pytest.mark.parametrize(
    "value",
    [
        "09999999",  # below the schema range
        "00000000",
        "1000000",  # 7 digits
        "100000000",  # 9 digits
        "TEST0038",  # LRS test organisation reference
        "100060",  # awarding organisation code seen in PLR data
        "UNKNWN",
        "1000 0000",
        "",
        "１００００００００",  # full-width digits
    ],
)
def test_other_values_are_invalid(value: str) -> None:
    assert not is_valid_ukprn(value)
    with pytest.raises(IdentifierError) as caught:
        validate_ukprn(value)
    assert caught.value.code == "ukprn_format"
    assert caught.value.message == "UKPRN must be 8 digits starting 1-9"


def test_validate_strips_surrounding_whitespace() -> None:
    assert validate_ukprn(" 10012345\n") == "10012345"


def test_non_string_input_is_rejected() -> None:
    assert not is_valid_ukprn(10012345)
    with pytest.raises(IdentifierError) as caught:
        validate_ukprn(10012345)
    assert caught.value.code == "ukprn_type"


@given(st.integers(min_value=0, max_value=99_999_999))
def test_validity_is_exactly_the_schema_range(number: int) -> None:
    assert is_valid_ukprn(f"{number:08d}") is (number >= 10_000_000)
