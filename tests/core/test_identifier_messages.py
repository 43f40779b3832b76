"""Every message of the pure identifier rules can be shown in Welsh."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from lrs.core.identifier_messages import IDENTIFIER_MESSAGES, identifier_message
from lrs.identifiers import IdentifierError, validate_postcode, validate_uln

SOURCE = Path(__file__).resolve().parents[2] / "src" / "lrs" / "identifiers"


def _raised_messages() -> set[object]:
    messages: set[object] = set()
    for path in SOURCE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "IdentifierError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                messages.add(node.args[0].value)
    return messages


def test_every_fixed_message_is_in_the_catalogue() -> None:
    assert _raised_messages() <= set(IDENTIFIER_MESSAGES)


def _error(check: object, value: str) -> IdentifierError:
    try:
        check(value)  # type: ignore[operator]
    except IdentifierError as exc:
        return exc
    raise AssertionError("no error")


def test_messages_follow_the_active_language() -> None:
    error = _error(validate_uln, "123")
    with translation.override("en"):
        assert identifier_message(error) == "ULN must be 10 digits"
    with translation.override("cy"):
        assert identifier_message(error) != "ULN must be 10 digits"


def test_a_message_that_quotes_the_value_gets_a_fixed_text() -> None:
    with translation.override("en"):
        assert identifier_message(_error(validate_postcode, "NOT A CODE")).startswith(
            "Enter a real"
        )
