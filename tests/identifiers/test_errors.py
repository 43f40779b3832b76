"""Tests for lrs.identifiers.errors."""

import pickle

import pytest

from lrs.identifiers import IdentifierError, validate_uln


def test_identifier_error_is_a_value_error_with_code_and_message() -> None:
    error = IdentifierError("ULN must be 10 digits", code="uln_format")
    assert isinstance(error, ValueError)
    assert error.code == "uln_format"
    assert error.message == "ULN must be 10 digits"
    assert str(error) == "ULN must be 10 digits"
    assert repr(error) == "IdentifierError('ULN must be 10 digits', code='uln_format')"


def test_identifier_error_code_defaults_to_invalid() -> None:
    assert IdentifierError("bad").code == "invalid"


def test_identifier_error_keeps_its_code_through_pickling() -> None:
    pickled = pickle.dumps(IdentifierError("ULN check digit is wrong", code="uln_check"))
    restored = pickle.loads(pickled)  # noqa: S301 - bytes made two lines above
    assert isinstance(restored, IdentifierError)
    assert restored.code == "uln_check"
    assert restored.message == "ULN check digit is wrong"


def test_callers_can_catch_it_as_value_error() -> None:
    with pytest.raises(ValueError, match="ULN must be 10 digits"):
        validate_uln("123")
