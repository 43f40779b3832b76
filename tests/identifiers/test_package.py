"""Tests for the lrs.identifiers package surface."""

import lrs.identifiers
from lrs.identifiers import postcode, qn, uci, ukprn, uln, upn


def test_every_name_in_all_is_exported() -> None:
    for name in lrs.identifiers.__all__:
        assert hasattr(lrs.identifiers, name), name


def test_all_lists_each_public_name_once() -> None:
    assert len(set(lrs.identifiers.__all__)) == len(lrs.identifiers.__all__)


def test_package_re_exports_each_modules_public_api() -> None:
    for module in (postcode, qn, uci, ukprn, uln, upn):
        for name in module.__all__:
            assert getattr(lrs.identifiers, name) is getattr(module, name)
            assert name in lrs.identifiers.__all__


def test_public_functions_are_documented_and_typed() -> None:
    for name in lrs.identifiers.__all__:
        value = getattr(lrs.identifiers, name)
        if callable(value) and not isinstance(value, type):
            assert value.__doc__, name
            assert "return" in value.__annotations__, name
