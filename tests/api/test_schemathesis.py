"""The OpenAPI document is a true contract: requests generated from it (schemathesis, with all
its checks) get no server error and no answer the schema does not describe (status, content
type, body, headers). Bounded and seeded, so the run is the same every time.

The schema states every rule of shape the services apply (non-blank names, a ULN of 10 digits,
codes from their lists, bounded integers, no unknown fields). Rules no JSON schema can state —
a ULN's check digit, a real postcode, a placeholder name such as "Unknown", a file's content —
are refused with a documented 400 or 422 and a code, so those two statuses count as accepted
answers to a request that is valid by the schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

EXAMPLES = 15
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 19,
        "generation": {"mode": "positive", "max-examples": EXAMPLES, "deterministic": True},
        "checks": {
            "enabled": True,
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]
            },
        },
    }
)
# Served in this process (WSGI), so every operation of the schema is covered, whoever adds it.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=CONFIG
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """As in Django's test client: a request must not close the test's database connection
    (and with it the test's transaction) when it finishes."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(api_as: Any, college: Any) -> str:
    return str(api_as(college, ALL_ROLES).headers["Authorization"])


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_contract(case: Any, token: str) -> None:
    case.call_and_validate(headers={"Authorization": token})
