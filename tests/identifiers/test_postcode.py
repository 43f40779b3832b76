"""Tests for lrs.identifiers.postcode."""

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrs.identifiers import (
    DEFAULT_POSTCODE,
    IdentifierError,
    is_default_postcode,
    is_valid_postcode,
    normalise_postcode,
    outward_code,
    postcode_district,
    postcode_sector,
    validate_postcode,
)

# Written independently of the module's pattern: one alternative per outward format.
FIRST = "ABCDEFGHIJKLMNOPRSTUWYZ"  # not Q, V, X
SECOND = "ABCDEFGHKLMNOPQRSTUVWXY"  # not I, J, Z
THIRD = "ABCDEFGHJKPSTUW"  # A9A
FOURTH = "ABEHMNPRVWXY"  # AA9A
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # not C, I, K, M, O, V
ORDINARY_PATTERN = (
    rf"([{FIRST}][0-9]{{1,2}}|[{FIRST}][{SECOND}][0-9]{{1,2}}"
    rf"|[{FIRST}][0-9][{THIRD}]|[{FIRST}][{SECOND}][0-9][{FOURTH}]) [0-9][{INWARD_LETTERS}]{{2}}"
)

canonical_postcodes = st.from_regex(ORDINARY_PATTERN, fullmatch=True)
typed_noise = st.text(alphabet=" \t-.,/'", max_size=2)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        (" cv49ee ", "CV4 9EE"),
        ("sw1a-1aa", "SW1A 1AA"),
        ("CV4 9EE", "CV4 9EE"),
        ("CV49EE", "CV4 9EE"),
        ("cv4  9ee", "CV4 9EE"),
        ("AB125EQ", "AB12 5EQ"),  # LRS returns this unspaced style
        ("m1 1ae", "M1 1AE"),
        ("b33 8th", "B33 8TH"),
        ("cr2 6xh", "CR2 6XH"),
        ("dn55 1pt", "DN55 1PT"),
        ("w1a 0ax", "W1A 0AX"),
        ("ec1a1bb", "EC1A 1BB"),
        ("S.W.1.A 1.A.A.", "SW1A 1AA"),
        ("sw1a\u00a01aa", "SW1A 1AA"),  # no-break space pasted from a web page
        ("sw1a\u200b1aa", "SW1A 1AA"),  # zero-width space
        ("sw1a\u20131aa", "SW1A 1AA"),  # en dash
        ("gir0aa", "GIR 0AA"),
        ("bfpo1", "BFPO 1"),
        ("BFPO 1234", "BFPO 1234"),
        ("bfpo-57", "BFPO 57"),
        ("zz999zz", "ZZ99 9ZZ"),
        ("ZZ99 3VZ", "ZZ99 3VZ"),
    ],
)
def test_typed_postcodes_normalise_and_validate(typed: str, canonical: str) -> None:
    assert normalise_postcode(typed) == canonical
    assert validate_postcode(typed) == canonical
    assert is_valid_postcode(typed)


@pytest.mark.parametrize(
    "value",
    [
        "QA1 1AA",  # Q may not come first
        "AJ1 1AA",  # J may not come second
        "A1I 1AA",  # I is not allowed third in A9A
        "AA1C 1AA",  # C is not allowed fourth in AA9A
        "CV4 9CE",  # C is not allowed in the inward code
        "CV4 9EV",  # nor V
        "CV4 EE",
        "CV4",
        "CV4 9EE X",
        "12345",
        "BFPO",
        "BFPO 12345",
        "ZZ99",
        "ZZ98 9ZZ",
        "D02 X285",  # an Irish Eircode
        "ASCN 1ZZ",  # Ascension Island
        "ſw1a 1aa",  # long s: str.upper would turn it into S
        "ＳＷ１Ａ １ＡＡ",  # full-width characters
    ],
)
def test_malformed_postcodes_are_rejected(value: str) -> None:
    assert not is_valid_postcode(value)
    with pytest.raises(IdentifierError) as caught:
        validate_postcode(value)
    assert caught.value.code == "postcode_format"
    assert caught.value.message.endswith("is not a valid UK postcode")


def test_format_check_cannot_tell_gibraltar_from_the_uk() -> None:
    # GX11 1AA has the UK shape; only a lookup in the postcode address file could refuse it.
    assert is_valid_postcode("GX11 1AA")


def test_rejection_message_quotes_the_input() -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_postcode(" cv4 9ce ")
    assert caught.value.message == '"cv4 9ce" is not a valid UK postcode'


def test_rejection_message_shortens_long_input() -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_postcode("x" * 500)
    assert len(caught.value.message) < 60


@pytest.mark.parametrize("value", ["", "   ", "-", "\u200b"])
def test_empty_postcode_is_reported_as_missing(value: str) -> None:
    assert not is_valid_postcode(value)
    with pytest.raises(IdentifierError) as caught:
        validate_postcode(value)
    assert caught.value.code == "postcode_empty"


def test_non_string_input_is_rejected() -> None:
    assert not is_valid_postcode(None)
    assert not is_default_postcode(None)
    with pytest.raises(IdentifierError) as caught:
        validate_postcode(12345)
    assert caught.value.code == "postcode_type"
    with pytest.raises(TypeError):
        normalise_postcode(None)  # type: ignore[arg-type]


def test_short_input_gets_no_space() -> None:
    assert normalise_postcode("ab") == "AB"
    assert normalise_postcode("abc") == "ABC"
    assert normalise_postcode("abcd") == "A BCD"


def test_default_postcode_is_a_valid_zz99_pseudo_postcode() -> None:
    assert DEFAULT_POSTCODE == "ZZ99 9ZZ"
    assert is_valid_postcode(DEFAULT_POSTCODE)
    assert is_default_postcode(DEFAULT_POSTCODE)
    assert is_default_postcode("zz999zz")


@pytest.mark.parametrize("value", ["ZZ99 3VZ", "ZZ99 3CZ", "ZZ99 3GZ", "ZZ99 1WZ", "ZZ99 2WZ"])
def test_ons_pseudo_postcodes_are_default_postcodes(value: str) -> None:
    assert is_valid_postcode(value)
    assert is_default_postcode(value)


@pytest.mark.parametrize("value", ["CV4 9EE", "GIR 0AA", "BFPO 1", "ZZ98 9ZZ", "", "rubbish"])
def test_other_values_are_not_default_postcodes(value: str) -> None:
    assert not is_default_postcode(value)


@pytest.mark.parametrize(
    ("value", "outward", "sector"),
    [
        ("cv49ee", "CV4", "CV4 9"),
        ("SW1A 1AA", "SW1A", "SW1A 1"),
        ("M1 1AE", "M1", "M1 1"),
        ("DN55 1PT", "DN55", "DN55 1"),
        ("GIR 0AA", "GIR", "GIR 0"),
        ("ZZ99 9ZZ", "ZZ99", "ZZ99 9"),
    ],
)
def test_outward_code_district_and_sector(value: str, outward: str, sector: str) -> None:
    assert outward_code(value) == outward
    assert postcode_district(value) == outward
    assert postcode_sector(value) == sector


@pytest.mark.parametrize("function", [outward_code, postcode_district, postcode_sector])
def test_parts_of_a_bfpo_number_are_refused(function) -> None:
    with pytest.raises(IdentifierError) as caught:
        function("BFPO 57")
    assert caught.value.code == "postcode_bfpo"


@pytest.mark.parametrize("function", [outward_code, postcode_district, postcode_sector])
def test_parts_of_an_invalid_postcode_are_refused(function) -> None:
    with pytest.raises(IdentifierError) as caught:
        function("CV4 9CE")
    assert caught.value.code == "postcode_format"


@given(st.text())
def test_normalisation_is_idempotent(value: str) -> None:
    once = normalise_postcode(value)
    assert normalise_postcode(once) == once


@given(st.text())
def test_validity_does_not_change_on_normalising(value: str) -> None:
    assert is_valid_postcode(normalise_postcode(value)) is is_valid_postcode(value)


@given(st.text())
def test_a_validated_postcode_fits_the_lrs_nine_character_limit(value: str) -> None:
    if is_valid_postcode(value):
        canonical = validate_postcode(value)
        assert len(canonical) <= 9
        assert canonical == canonical.strip()
        assert canonical.count(" ") == 1


@given(canonical_postcodes)
def test_every_constructed_postcode_validates_to_itself(canonical: str) -> None:
    assert validate_postcode(canonical) == canonical


@given(canonical_postcodes, st.data())
def test_case_spacing_and_punctuation_do_not_change_the_result(
    canonical: str, data: st.DataObject
) -> None:
    typed = ""
    for char in canonical.replace(" ", ""):
        typed += data.draw(typed_noise)
        typed += data.draw(st.sampled_from([char, char.lower()]))
    typed += data.draw(typed_noise)
    assert normalise_postcode(typed) == canonical
    assert validate_postcode(typed) == canonical


@given(canonical_postcodes)
def test_sector_is_outward_code_and_inward_digit(canonical: str) -> None:
    outward, inward = canonical.split(" ")
    assert outward_code(canonical) == outward
    assert postcode_sector(canonical) == f"{outward} {inward[0]}"


@given(st.text(alphabet=string.ascii_uppercase + string.digits + " ", max_size=10))
def test_accepted_values_are_ordinary_girobank_bfpo_or_pseudo(value: str) -> None:
    if is_valid_postcode(value):
        canonical = normalise_postcode(value)
        assert (
            re.fullmatch(ORDINARY_PATTERN, canonical)
            or canonical == "GIR 0AA"
            or re.fullmatch(r"BFPO [0-9]{1,4}", canonical)
            or re.fullmatch(r"ZZ99 [0-9][A-Z]Z", canonical)
        )
