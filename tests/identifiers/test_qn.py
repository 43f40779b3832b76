"""Tests for lrs.identifiers.qn."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.identifiers import IdentifierError, is_valid_qn, qn_check_character, validate_qn

WEIGHTS = (8, 7, 6, 5, 4, 3, 2)

# Hard-coded copies of the key lines of test-vectors.txt, so these tests never depend on it.
VALID_QNS = [
    "600/1166/X",  # LRS PLR sample
    "500/9603/5",  # computed; the often quoted 500/9603/9 fails the rule
    "100/0102/5",  # tl-results-and-certification seed data
    "100/0371/X",
    "603/5267/X",  # from ofqual-qualification-numbers.txt
]
VALID_LARS_REFS = {"6037066X": "603/7066/X", "60358294": "603/5829/4"}


def slashed(compact: str) -> str:
    """Return an 8-character QN in NNN/NNNN/C form."""
    return f"{compact[:3]}/{compact[3:7]}/{compact[7]}"


first7s = st.text(alphabet="0123456789", min_size=7, max_size=7)
valid_compact = first7s.map(lambda first7: first7 + qn_check_character(first7))


@pytest.mark.parametrize("value", VALID_QNS)
def test_known_valid_qns_are_accepted(value: str) -> None:
    assert is_valid_qn(value)
    assert validate_qn(value) == value


@pytest.mark.parametrize(("value", "canonical"), sorted(VALID_LARS_REFS.items()))
def test_eight_character_form_is_accepted_and_canonicalised(value: str, canonical: str) -> None:
    assert is_valid_qn(value)
    assert validate_qn(value) == canonical


def test_validate_upper_cases_x_and_strips() -> None:
    assert validate_qn(" 600/1166/x ") == "600/1166/X"
    assert validate_qn("6001166x") == "600/1166/X"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("500/9603/9", "qn_check"),
        ("600/1166/0", "qn_check"),
        ("600/1166/A", "qn_format"),  # only a digit or X can satisfy the rule
        ("600/1166X", "qn_format"),  # mixed forms are not accepted
        ("6001/166/X", "qn_format"),
        ("600 1166 X", "qn_format"),
        ("600/1166/XX", "qn_format"),
        ("K/501/5773", "qn_format"),  # a QCF unit reference, not a qualification number
        ("", "qn_format"),
        (None, "qn_type"),
    ],
)
def test_invalid_qns_are_rejected_with_the_right_code(value: object, code: str) -> None:
    assert not is_valid_qn(value)
    with pytest.raises(IdentifierError) as caught:
        validate_qn(value)
    assert caught.value.code == code


def test_check_character_of_worked_examples() -> None:
    # 6*8 + 1*5 + 1*4 + 6*3 + 6*2 = 87, 87 mod 11 = 10 -> X.
    assert qn_check_character("6001166") == "X"
    assert qn_check_character("1000102") == "5"


@pytest.mark.parametrize("first7", ["600116", "60011660", "600116X", "600/116"])
def test_check_character_rejects_anything_but_seven_digits(first7: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        qn_check_character(first7)
    assert caught.value.code == "qn_format"


def test_shared_reference_qn_vector_gives_the_expected_result(qn_vector) -> None:
    assert is_valid_qn(qn_vector.value) is (qn_vector.expected == "valid")


def test_shared_reference_lars_vector_gives_the_expected_result(lars_vector) -> None:
    assert is_valid_qn(lars_vector.value) is (lars_vector.expected == "valid")


def test_every_real_ofqual_number_is_valid(ofqual_qns: list[str]) -> None:
    assert ofqual_qns
    failures = [number for number in ofqual_qns if not is_valid_qn(number)]
    assert failures == []
    assert [validate_qn(number) for number in ofqual_qns] == ofqual_qns


@given(valid_compact)
def test_every_constructed_qn_validates_in_both_forms(compact: str) -> None:
    assert validate_qn(compact) == slashed(compact)
    assert validate_qn(slashed(compact)) == slashed(compact)


@given(first7s)
def test_check_character_matches_the_documented_formula(first7: str) -> None:
    remainder = sum(int(d) * w for d, w in zip(first7, WEIGHTS, strict=True)) % 11
    assert qn_check_character(first7) == ("X" if remainder == 10 else str(remainder))


def test_single_digit_substitution_is_always_detectable_by_the_weights() -> None:
    # Weights 8..2 and digit differences 1..9 are all below the prime 11.
    for weight in WEIGHTS:
        for delta in range(-9, 10):
            if delta:
                assert (weight * delta) % 11 != 0


@given(valid_compact, st.integers(min_value=0, max_value=6), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_makes_a_valid_qn_invalid(
    compact: str, index: int, offset: int
) -> None:
    changed = compact[:index] + str((int(compact[index]) + offset) % 10) + compact[index + 1 :]
    assert not is_valid_qn(changed)


@given(valid_compact, st.integers(min_value=1, max_value=10))
def test_changing_the_check_character_makes_a_valid_qn_invalid(compact: str, offset: int) -> None:
    symbols = "0123456789X"
    replacement = symbols[(symbols.index(compact[7]) + offset) % 11]
    assert not is_valid_qn(compact[:7] + replacement)


@given(valid_compact, st.integers(min_value=0, max_value=6))
def test_swapping_two_adjacent_different_characters_makes_a_valid_qn_invalid(
    compact: str, index: int
) -> None:
    # Digit neighbours weigh one apart; swapping digit 7 (weight 2) with the check character
    # (weight -1 in "sum - check = 0 mod 11") shifts the sum by three times their difference.
    swapped = compact[:index] + compact[index + 1] + compact[index] + compact[index + 2 :]
    if swapped != compact:
        assert not is_valid_qn(swapped)
