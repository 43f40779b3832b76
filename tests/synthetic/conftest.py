"""Shared synthetic data for the tests: one register and one query set, built once per session."""

import pytest

from lrs.synthetic import Query, SyntheticLearner, generate_queries, generate_register

REGISTER_SIZE = 30_000
QUERY_COUNT = 6_000


@pytest.fixture(scope="session")
def register() -> list[SyntheticLearner]:
    """A register of 30,000 learners with the default seed."""
    return list(generate_register(REGISTER_SIZE))


@pytest.fixture(scope="session")
def by_uln(register: list[SyntheticLearner]) -> dict[str, SyntheticLearner]:
    """The register keyed by ULN."""
    return {learner.uln: learner for learner in register}


@pytest.fixture(scope="session")
def queries(register: list[SyntheticLearner]) -> list[Query]:
    """6,000 queries against the register with the default seed and new share."""
    return generate_queries(register, QUERY_COUNT)
