"""Domain errors know no HTTP: the API's error module alone gives each its status."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from lrs.api.errors import STATUS_FOR_ERROR, status_for
from lrs.batches import uploads
from lrs.batches.files import BadBatchFile
from lrs.batches.uploads import UploadTooLarge
from lrs.core import errors
from lrs.core.errors import DomainError
from lrs.learners import errors as learner_errors
from lrs.learners import response_codes
from lrs.learners.response_codes import ResponseCode


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (DomainError(), 400),
        (errors.ValidationFailed(), 422),
        (errors.PermissionDenied(), 403),
        (errors.NotFound(), 404),
        (errors.Conflict(), 409),
        (UploadTooLarge("too big"), 413),
        (BadBatchFile("x"), 422),
        (learner_errors.IdenticalLearnerExists(), 409),
        (learner_errors.StaleVersion(), 409),
        (learner_errors.LearnerNotFound(), 404),
        (learner_errors.UlnNotFoundForUpdate(), 404),
        (learner_errors.LinkedUlnNotUpdatable(), 409),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, DomainError) else str(value),
)
def test_each_error_gets_the_status_of_its_kind(error: DomainError, status: int) -> None:
    assert status_for(error) == status


def test_no_domain_error_carries_an_http_status() -> None:
    kinds: set[type[DomainError]] = {DomainError, *STATUS_FOR_ERROR}
    for module in (errors, learner_errors, uploads):
        kinds |= {
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, DomainError)
        }
    assert [kind.__name__ for kind in kinds if hasattr(kind, "status")] == []


def test_the_learner_errors_carry_the_real_services_codes() -> None:
    assert (
        learner_errors.IdenticalLearnerExists.code == ResponseCode.IDENTICAL_LEARNER == "WSRC0021"
    )
    assert learner_errors.StaleVersion.code == "WSRC0013"
    assert learner_errors.LearnerNotFound.code == "WSRC0001"
    assert learner_errors.UlnNotFoundForUpdate.code == "WSRC0019"


def test_each_response_code_is_defined_once() -> None:
    codes = [code.value for code in ResponseCode]
    assert len(codes) == len(set(codes))
    source = Path(response_codes.__file__).parents[1]
    elsewhere = [
        f"{path.relative_to(source)}:{node.lineno}"
        for path in source.rglob("*.py")
        if path != Path(response_codes.__file__)
        for node in _strings_in_code(path)
        if re.fullmatch(r"WSRC\d{4}", str(node.value))
    ]
    assert elsewhere == []


def _strings_in_code(path: Path) -> list[ast.Constant]:
    """The string constants of a module, leaving out docstrings and other lone strings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lone = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in lone
    ]
