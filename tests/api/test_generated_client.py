"""A client generated from /api/v1/openapi.json (openapi-python-client), as an MIS developer
would make one, finds and registers learners against a running server."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "lrs_generated_client"
MEGAN = {
    "given_name": "Megan",
    "family_name": "Pritchard",
    "date_of_birth": "2009-04-12",
    "gender": "2",
    "last_known_postcode": "CF10 3AT",
}


@pytest.fixture
def generated(tmp_path: Path, live_server: Any) -> Iterator[ModuleType]:
    schema = tmp_path / "openapi.json"
    with urllib.request.urlopen(f"{live_server.url}/api/v1/openapi.json") as response:  # noqa: S310
        schema.write_bytes(response.read())
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator is not None, "openapi-python-client is in the dev extras"
    output = str(tmp_path / PACKAGE)
    result = subprocess.run(
        [generator, "generate", "--path", str(schema), "--meta", "none", "--output-path", output],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every response is in the client: none dropped as "unsupported content type".
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def test_register_search_and_find_through_the_generated_client(
    generated: ModuleType, live_server: Any, api_as: Any, college: Any
) -> None:
    token = api_as(college, ["online"]).headers["Authorization"].removeprefix("Bearer ")
    client = generated.AuthenticatedClient(base_url=live_server.url, token=token)
    models = importlib.import_module(f"{PACKAGE}.models")
    learners = f"{PACKAGE}.api.learners"
    register = importlib.import_module(f"{learners}.register_learner")
    search = importlib.import_module(f"{learners}.search_learners")
    find = importlib.import_module(f"{learners}.find_learner_by_uln")

    registered = register.sync_detailed(
        client=client,
        body=models.RegisterIn.from_dict(
            {**MEGAN, "verification_type": "1", "ability_to_share": "1"}
        ),
    )
    assert registered.status_code == 201, registered.content
    uln = registered.parsed.learner.uln

    found = search.sync(client=client, body=models.SearchIn.from_dict(MEGAN))
    assert found.response_code == "WSRC0004"
    assert [learner.uln for learner in found.learners] == [uln]

    by_uln = find.sync(
        client=client,
        body=models.FindByUlnIn.from_dict(
            {"uln": uln, "given_name": "Megan", "family_name": "Pritchard"}
        ),
    )
    assert by_uln.learner.uln == uln
    assert json.loads(json.dumps(by_uln.to_dict()))["learner"]["given_name"] == "Megan"
