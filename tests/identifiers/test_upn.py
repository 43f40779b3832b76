"""Tests for lrs.identifiers.upn and its LA code data."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.identifiers import (
    IdentifierError,
    is_temporary_upn,
    is_valid_upn,
    upn_check_letter,
    validate_upn,
)
from lrs.identifiers.la_codes import (
    ENGLISH_LA_CODES,
    PSEUDO_LA_CODES,
    RECOGNISED_LA_CODES,
    WELSH_LA_CODES,
)

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"

# Hard-coded copies of the key lines of test-vectors.txt, so these tests never depend on it.
VALID_UPNS = [
    "B801200005001",  # python-stdnum doctest
    "H801200001001",  # DfE UPN guidance example (MTC validator spec)
    "G80120000101A",  # temporary UPN (MTC)
]
INVALID_UPNS = [
    ("A801200005001", "upn_check"),  # python-stdnum: bad check letter
    ("X80120000A001", "upn_numeric"),  # python-stdnum: non-numeric middle
    ("E000200005001", "upn_la"),  # python-stdnum: unknown LA 000
    ("Z801200001001", "upn_check"),  # MTC: wrong check letter
    ("R900400001001", "upn_la"),  # MTC: LA 900 not recognised
    ("G80120000101S", "upn_char13"),  # MTC: character 13 may not be I, O or S
    ("G80120000101I", "upn_char13"),
    ("G80120000101O", "upn_char13"),
    ("B80120000500", "upn_format"),  # 12 characters
    ("B8012000050011", "upn_format"),  # 14 characters
    ("", "upn_format"),
]

DFE_MESSAGES = {
    "upn_check": "UPN invalid (wrong check letter at character 1)",
    "upn_la": "UPN invalid (characters 2-4 not a recognised LA code)",
    "upn_numeric": "UPN invalid (characters 5-12 not all numeric)",
    "upn_char13": "UPN invalid (character 13 not a recognised value)",
}


def value_of(char: str) -> int:
    """Return a UPN character's value in the check sum: a digit itself, a letter its index."""
    return int(char) if char.isdigit() else ALPHABET.index(char)


bodies = st.builds(
    lambda la, middle, last: la + middle + last,
    st.sampled_from(sorted(RECOGNISED_LA_CODES)),
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.sampled_from("0123456789" + ALPHABET),
)
valid_upns = bodies.map(lambda body: upn_check_letter(body) + body)


@pytest.mark.parametrize("value", VALID_UPNS)
def test_known_valid_upns_are_accepted(value: str) -> None:
    assert is_valid_upn(value)
    assert validate_upn(value) == value


@pytest.mark.parametrize(("value", "code"), INVALID_UPNS)
def test_known_invalid_upns_are_rejected_with_the_right_code(value: str, code: str) -> None:
    assert not is_valid_upn(value)
    with pytest.raises(IdentifierError) as caught:
        validate_upn(value)
    assert caught.value.code == code


@pytest.mark.parametrize(("code", "message"), sorted(DFE_MESSAGES.items()))
def test_rejections_use_the_dfe_wording(code: str, message: str) -> None:
    value = next(value for value, expected in INVALID_UPNS if expected == code)
    with pytest.raises(IdentifierError) as caught:
        validate_upn(value)
    assert caught.value.message == message
    assert str(caught.value) == message


def test_shared_reference_vector_gives_the_expected_result(upn_vector) -> None:
    assert is_valid_upn(upn_vector.value) is (upn_vector.expected == "valid")


def test_check_letter_of_worked_example_is_b() -> None:
    # 8*2 + 1*4 + 2*5 + 5*10 + 1*13 = 93, 93 mod 23 = 1 -> B.
    assert upn_check_letter("801200005001") == "B"


def test_check_letter_counts_a_final_letter_by_its_alphabet_index() -> None:
    assert upn_check_letter("80120000101A") == "G"


@pytest.mark.parametrize("body", ["80120000500", "8012000050011", "80120000500S", "8O1200005001"])
def test_check_letter_rejects_a_malformed_body(body: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        upn_check_letter(body)
    assert caught.value.code == "upn_format"


def test_validate_upper_cases_and_strips() -> None:
    assert validate_upn(" b801200005001 ") == "B801200005001"
    assert validate_upn("g80120000101a") == "G80120000101A"


def test_non_string_input_is_rejected() -> None:
    assert not is_valid_upn(None)
    with pytest.raises(IdentifierError) as caught:
        validate_upn(801200005001)
    assert caught.value.code == "upn_type"


def test_temporary_upn_is_recognised_only_when_valid() -> None:
    assert is_temporary_upn("G80120000101A")
    assert is_temporary_upn("g80120000101a")
    assert not is_temporary_upn("B801200005001")
    assert not is_temporary_upn("H80120000101A")  # wrong check letter
    assert not is_temporary_upn(None)


def test_la_code_list_matches_the_reference_vectors() -> None:
    assert "801" in RECOGNISED_LA_CODES
    assert "000" not in RECOGNISED_LA_CODES
    assert "900" not in RECOGNISED_LA_CODES


def test_la_code_list_holds_three_digit_strings_only() -> None:
    assert all(len(code) == 3 and code.isdigit() for code in RECOGNISED_LA_CODES)
    assert all(name for name in ENGLISH_LA_CODES.values())


def test_la_code_list_covers_englands_authorities_old_and_new() -> None:
    # 153 authorities existed in 2023; the abolished ones stay because UPNs are for life.
    abolished = {"820", "835", "836", "837", "875", "909", "928"}
    assert len(set(ENGLISH_LA_CODES) - abolished) == 153
    assert abolished <= set(ENGLISH_LA_CODES)
    assert {"940", "941", "942", "943"} <= set(ENGLISH_LA_CODES)


def test_la_code_list_also_accepts_welsh_and_pseudo_codes_as_dfe_does() -> None:
    assert {str(n) for n in range(660, 682)} == WELSH_LA_CODES
    assert {"001", "005", "701", "708"} <= PSEUDO_LA_CODES
    assert set(ENGLISH_LA_CODES) | WELSH_LA_CODES | PSEUDO_LA_CODES == RECOGNISED_LA_CODES
    assert not set(ENGLISH_LA_CODES) & (WELSH_LA_CODES | PSEUDO_LA_CODES)


@given(valid_upns)
def test_every_constructed_upn_validates(upn: str) -> None:
    assert validate_upn(upn) == upn
    assert is_temporary_upn(upn) is upn[12].isalpha()


@given(bodies)
def test_check_letter_matches_the_documented_formula(body: str) -> None:
    total = sum(value_of(char) * position for position, char in enumerate(body, start=2))
    assert upn_check_letter(body) == ALPHABET[total % 23]


def test_single_character_substitution_is_always_detectable_by_the_weights() -> None:
    # Positions 2-13 weigh 2..13 and values differ by at most 22: 23 is prime, so the product
    # of a weight and a non-zero difference is never a multiple of 23.
    for weight in range(2, 14):
        for delta in range(-22, 23):
            if delta:
                assert (weight * delta) % 23 != 0


@given(valid_upns, st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=22))
def test_changing_any_single_character_makes_a_valid_upn_invalid(
    upn: str, index: int, offset: int
) -> None:
    char = upn[index]
    if index == 12:
        # Character 13 may be a digit or a letter; pick another symbol of a different value
        # (a digit and the letter of equal value are indistinguishable, see the next test).
        replacement = ALPHABET[(value_of(char) + offset) % 23]
    else:
        replacement = str((int(char) + offset % 9 + 1) % 10)
    changed = upn[:index] + replacement + upn[index + 1 :]
    assert not is_valid_upn(changed)


def test_digit_and_letter_of_equal_value_in_character_13_are_not_told_apart() -> None:
    # Known limit of the scheme: digit n and the alphabet's n-th letter weigh the same, so
    # swapping one for the other in character 13 keeps the check letter.
    assert is_valid_upn("B801200005001")
    assert is_valid_upn("B80120000500B")
    assert upn_check_letter("801200005001") == upn_check_letter("80120000500B")


@given(valid_upns, st.integers(min_value=1, max_value=22))
def test_changing_the_check_letter_makes_a_valid_upn_invalid(upn: str, offset: int) -> None:
    replacement = ALPHABET[(ALPHABET.index(upn[0]) + offset) % 23]
    assert not is_valid_upn(replacement + upn[1:])


@given(valid_upns, st.integers(min_value=1, max_value=11))
def test_swapping_two_adjacent_different_characters_makes_a_valid_upn_invalid(
    upn: str, index: int
) -> None:
    # Weights of neighbours differ by one, so a swap shifts the sum by the values' difference.
    swapped = upn[:index] + upn[index + 1] + upn[index] + upn[index + 2 :]
    if swapped != upn:
        assert not is_valid_upn(swapped)
