"""Tests for lrs.identifiers.uln."""

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.identifiers import (
    TEMPORARY_ULN,
    IdentifierError,
    generate_uln,
    is_issuable_uln,
    is_valid_uln,
    uln_check_digit,
    validate_uln,
)
from lrs.identifiers import uln as uln_module

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)

# Hard-coded copies of the key lines of test-vectors.txt, so these tests never depend on it.
VALID_ULNS = [
    "1000000043",  # DC-ILR-1819-ValidationService DerivedData_01 tests
    "0000000042",  # accuser/pyuln tests: valid by checksum despite the leading zero
    # LRS test-environment learners in the MoJ hmpps-learner-records-api wiremock files.
    "1026893096",
    "1026922983",
    "1174112637",
    "4444599390",
    "6936002314",
]
INVALID_ULNS = [
    "1000000042",  # ULN_04 tests: wrong check digit
    "1000000063",  # remainder 0, no check digit possible
    "100000004",  # 9 digits
    "0000000000",  # remainder 0
    TEMPORARY_ULN,
    "",
    "10000000430",
    "100000004X",
    "1000 00043",
    "١٠٠٠٠٠٠٠٤٣",  # Arabic-Indic digits: isdigit() is True, but not ASCII
    "+100000043",
]


def checksum_holds(uln: str) -> bool:
    """Return True when the equivalent closed form of the rule holds (lrs-domain §1)."""
    total = sum(int(d) * w for d, w in zip(uln[:9], WEIGHTS, strict=True)) + int(uln[9])
    return total % 11 == 10


ten_digits = st.text(alphabet="0123456789", min_size=10, max_size=10)
nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
valid_ulns = nine_digits.filter(lambda first9: uln_check_digit(first9) is not None).map(
    lambda first9: f"{first9}{uln_check_digit(first9)}"
)


@pytest.mark.parametrize("value", VALID_ULNS)
def test_known_valid_ulns_are_accepted(value: str) -> None:
    assert is_valid_uln(value)
    assert validate_uln(value) == value


@pytest.mark.parametrize("value", INVALID_ULNS)
def test_known_invalid_ulns_are_rejected(value: str) -> None:
    assert not is_valid_uln(value)
    with pytest.raises(IdentifierError):
        validate_uln(value)


def test_shared_reference_vector_gives_the_expected_result(uln_vector) -> None:
    if uln_vector.expected == "special":
        assert uln_vector.value == TEMPORARY_ULN
        assert not is_valid_uln(uln_vector.value)
    else:
        assert is_valid_uln(uln_vector.value) is (uln_vector.expected == "valid")


def test_check_digit_of_worked_example_is_three() -> None:
    # 1*10 + 4*2 = 18, 18 mod 11 = 7, 10 - 7 = 3.
    assert uln_check_digit("100000004") == 3


def test_check_digit_is_none_when_remainder_is_zero() -> None:
    assert uln_check_digit("100000006") is None
    assert uln_check_digit("000000000") is None


@pytest.mark.parametrize("first9", ["10000000", "1000000043", "10000000X", "", "١٠٠٠٠٠٠٠٤"])
def test_check_digit_rejects_anything_but_nine_ascii_digits(first9: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        uln_check_digit(first9)
    assert caught.value.code == "uln_format"


def test_validate_strips_surrounding_whitespace() -> None:
    assert validate_uln("  1000000043\n") == "1000000043"
    assert is_valid_uln("\t1000000043 ")


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        ("123", "uln_format", "ULN must be 10 digits"),
        ("ABCDEFGHIJ", "uln_format", "ULN must be 10 digits"),
        ("1000000042", "uln_check", "ULN check digit is wrong"),
        ("1000000063", "uln_check", "ULN is not valid: no check digit exists for its first nine"),
        (TEMPORARY_ULN, "uln_temporary", "ULN 9999999999 is the temporary ULN"),
        (1000000043, "uln_type", "ULN must be a string"),
        (None, "uln_type", "ULN must be a string"),
    ],
)
def test_validate_reports_a_specific_code_and_message(
    value: object, code: str, message: str
) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_uln(value)
    assert caught.value.code == code
    assert caught.value.message.startswith(message)


def test_temporary_uln_also_fails_the_pure_checksum() -> None:
    assert not checksum_holds(TEMPORARY_ULN)


def test_leading_zero_uln_is_valid_but_not_issuable() -> None:
    assert is_valid_uln("0000000042")
    assert not is_issuable_uln("0000000042")
    assert is_issuable_uln("1000000043")
    assert not is_issuable_uln("1000000042")
    assert not is_issuable_uln(None)


def test_non_string_input_is_not_valid() -> None:
    assert not is_valid_uln(1000000043)
    assert not is_valid_uln(None)


@given(ten_digits)
def test_validity_matches_the_closed_form_of_the_checksum(uln: str) -> None:
    assert is_valid_uln(uln) is checksum_holds(uln)


@given(valid_ulns)
def test_every_constructed_uln_validates(uln: str) -> None:
    assert is_valid_uln(uln)


def test_single_digit_substitution_is_always_detectable_by_the_weights() -> None:
    # Changing a digit by delta shifts the closed-form total by weight*delta; 11 is prime and no
    # weight (10..2, and 1 for the check digit) nor delta (1..9 either way) is a multiple of it.
    for weight in (*WEIGHTS, 1):
        for delta in range(-9, 10):
            if delta:
                assert (weight * delta) % 11 != 0


@given(valid_ulns, st.integers(min_value=0, max_value=9), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_makes_a_valid_uln_invalid(
    uln: str, position: int, offset: int
) -> None:
    new_digit = str((int(uln[position]) + offset) % 10)
    changed = uln[:position] + new_digit + uln[position + 1 :]
    assert not is_valid_uln(changed)


def test_adjacent_transposition_is_always_detectable_by_the_weights() -> None:
    # Swapping neighbours a, b shifts the total by (w_i - w_{i+1})*(b - a) = b - a, because the
    # weights (10..2 then 1 for the check digit) fall by exactly one: never 0 mod 11 when a != b.
    weights = (*WEIGHTS, 1)
    for left, right in itertools.pairwise(weights):
        for a in range(10):
            for b in range(10):
                if a != b:
                    assert ((left - right) * (b - a)) % 11 != 0


@given(valid_ulns, st.integers(min_value=0, max_value=8))
def test_swapping_two_adjacent_different_digits_makes_a_valid_uln_invalid(
    uln: str, position: int
) -> None:
    swapped = uln[:position] + uln[position + 1] + uln[position] + uln[position + 2 :]
    if swapped != uln:
        assert not is_valid_uln(swapped)


@given(st.randoms(use_true_random=False))
def test_generated_uln_is_valid_ten_digits_not_starting_with_zero(rng: random.Random) -> None:
    uln = generate_uln(rng)
    assert len(uln) == 10
    assert uln.isascii()
    assert uln.isdigit()
    assert uln[0] != "0"
    assert is_valid_uln(uln)
    assert is_issuable_uln(uln)
    assert uln != TEMPORARY_ULN


def test_generated_uln_is_reproducible_with_a_seeded_rng() -> None:
    assert generate_uln(random.Random(42)) == generate_uln(random.Random(42))


def test_generate_uln_uses_the_system_random_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(uln_module._SYSTEM_RANDOM, random.SystemRandom)
    stand_in = random.Random(7)
    monkeypatch.setattr(uln_module, "_SYSTEM_RANDOM", stand_in)
    assert generate_uln() == generate_uln(random.Random(7))


def test_generate_uln_does_not_touch_the_global_random_state() -> None:
    random.seed(1234)
    expected = random.random()
    random.seed(1234)
    generate_uln()
    assert random.random() == expected


def test_generated_ulns_by_default_are_varied() -> None:
    assert len({generate_uln() for _ in range(200)}) > 190
