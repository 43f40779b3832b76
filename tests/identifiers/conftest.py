"""Shared reference data for the identifier tests, read from /work/shared/reference at test time.

A test asks for one of the fixtures below and is run once per matching reference line:

* ``uln_vector``, ``upn_vector``, ``uci_vector``, ``qn_vector``, ``lars_vector``: a
  :class:`Vector` from ``test-vectors.txt`` of that kind;
* ``ofqual_qns`` (a plain fixture): the list of 649 real numbers in
  ``ofqual-qualification-numbers.txt``.

When a file (or a kind within it) is missing the test is reported as skipped with the reason,
so the suite still runs outside the shared workspace; the key vectors are also hard-coded in
each test module so no behaviour depends on these files alone.
"""

from pathlib import Path
from typing import NamedTuple

import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[3] / "shared" / "reference"
VECTORS_FILE = REFERENCE_DIR / "test-vectors.txt"
OFQUAL_FILE = REFERENCE_DIR / "ofqual-qualification-numbers.txt"


class Vector(NamedTuple):
    """One line of test-vectors.txt: ``<kind> <value> <expected> <source>``."""

    kind: str
    value: str
    expected: str
    source: str


def _read_vectors() -> list[Vector] | None:
    """Return every vector in the shared file, or None when the file is absent."""
    if not VECTORS_FILE.is_file():
        return None
    vectors = []
    for line in VECTORS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        kind, value, expected, *rest = line.split(maxsplit=3)
        vectors.append(Vector(kind.upper(), value, expected.lower(), rest[0] if rest else ""))
    return vectors


def _read_ofqual() -> list[str] | None:
    """Return the real Ofqual qualification numbers, or None when the file is absent."""
    if not OFQUAL_FILE.is_file():
        return None
    lines = OFQUAL_FILE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _skipped(reason: str) -> list[object]:
    """Return a single skipped parameter so the test is reported, with why, instead of vanishing."""
    return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="unavailable")]


_VECTOR_FIXTURES = {
    "uln_vector": "ULN",
    "upn_vector": "UPN",
    "uci_vector": "UCI",
    "qn_vector": "QN",
    "lars_vector": "LARS",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise tests that ask for a reference-data fixture."""
    for fixture, kind in _VECTOR_FIXTURES.items():
        if fixture not in metafunc.fixturenames:
            continue
        vectors = _read_vectors()
        if vectors is None:
            metafunc.parametrize(fixture, _skipped(f"reference file not found: {VECTORS_FILE}"))
            continue
        selected = [vector for vector in vectors if vector.kind == kind]
        if not selected:
            metafunc.parametrize(fixture, _skipped(f"no {kind} lines in {VECTORS_FILE}"))
            continue
        metafunc.parametrize(fixture, selected, ids=[vector.value for vector in selected])


@pytest.fixture(scope="session")
def ofqual_qns() -> list[str]:
    """Return the real Ofqual qualification numbers, skipping the test when the file is absent."""
    numbers = _read_ofqual()
    if numbers is None:
        pytest.skip(f"reference file not found: {OFQUAL_FILE}")
    return numbers
