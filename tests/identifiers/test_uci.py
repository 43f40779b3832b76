"""Tests for lrs.identifiers.uci."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.identifiers import IdentifierError, is_valid_uci, uci_check_letter, validate_uci

TABLE = "ABCDEFGHKLMRTVWXY"
WEIGHTS = tuple(range(16, 4, -1))

# The WJEC worked example (also in test-vectors.txt): remainder 6 -> G.
WJEC_EXAMPLE = "681990012058G"

bodies = st.builds(
    lambda prefix, candidate: prefix + candidate,
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.integers(min_value=1, max_value=9999).map(lambda number: f"{number:04d}"),
)
valid_ucis = bodies.map(lambda body: body + uci_check_letter(body))


def test_wjec_example_is_valid() -> None:
    assert is_valid_uci(WJEC_EXAMPLE)
    assert validate_uci(WJEC_EXAMPLE) == WJEC_EXAMPLE


def test_check_letter_of_wjec_example_is_g() -> None:
    # 6*16 + 8*15 + 1*14 + 9*13 + 9*12 + 1*9 + 2*8 + 5*6 + 8*5 = 550, 550 mod 17 = 6 -> G.
    assert uci_check_letter("681990012058") == "G"


def test_shared_reference_vector_gives_the_expected_result(uci_vector) -> None:
    assert is_valid_uci(uci_vector.value) is (uci_vector.expected == "valid")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("681990012058H", "uci_check"),
        ("999990140001X", "uci_check"),  # AQA's placeholder example, X is not a real check letter
        ("68199001205G", "uci_format"),
        ("681990012058GG", "uci_format"),
        ("68199B012058G", "uci_format"),  # international centre letter: not supported
        ("681990010000A", "uci_candidate"),
        ("", "uci_format"),
        (None, "uci_type"),
    ],
)
def test_invalid_ucis_are_rejected_with_the_right_code(value: object, code: str) -> None:
    assert not is_valid_uci(value)
    with pytest.raises(IdentifierError) as caught:
        validate_uci(value)
    assert caught.value.code == code


def test_validate_upper_cases_and_strips() -> None:
    assert validate_uci(" 681990012058g\n") == WJEC_EXAMPLE


@pytest.mark.parametrize(
    "body", ["68199001205", "6819900120581", "68199B012058", "６８１９９００１２０５８"]
)
def test_check_letter_rejects_anything_but_twelve_ascii_digits(body: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        uci_check_letter(body)
    assert caught.value.code == "uci_format"


@given(valid_ucis)
def test_every_constructed_uci_validates(uci: str) -> None:
    assert validate_uci(uci) == uci


@given(bodies)
def test_check_letter_matches_the_documented_formula(body: str) -> None:
    total = sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True))
    assert uci_check_letter(body) == TABLE[total % 17]


def test_single_digit_substitution_is_always_detectable_by_the_weights() -> None:
    # Weights 16..5 and digit differences 1..9 are all below the prime 17.
    for weight in WEIGHTS:
        for delta in range(-9, 10):
            if delta:
                assert (weight * delta) % 17 != 0


@given(valid_ucis, st.integers(min_value=0, max_value=11), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_makes_a_valid_uci_invalid(
    uci: str, index: int, offset: int
) -> None:
    changed = uci[:index] + str((int(uci[index]) + offset) % 10) + uci[index + 1 :]
    assert not is_valid_uci(changed)


@given(valid_ucis, st.integers(min_value=1, max_value=16))
def test_changing_the_check_letter_makes_a_valid_uci_invalid(uci: str, offset: int) -> None:
    replacement = TABLE[(TABLE.index(uci[12]) + offset) % 17]
    assert not is_valid_uci(uci[:12] + replacement)


@given(valid_ucis, st.integers(min_value=0, max_value=10))
def test_swapping_two_adjacent_different_digits_makes_a_valid_uci_invalid(
    uci: str, index: int
) -> None:
    # Neighbouring weights differ by one, so a swap shifts the sum by the digits' difference.
    swapped = uci[:index] + uci[index + 1] + uci[index] + uci[index + 2 :]
    if swapped != uci:
        assert not is_valid_uci(swapped)
