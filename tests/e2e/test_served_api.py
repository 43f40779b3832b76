"""The real `lrs` command and server: migrate, create an organisation, a user and a token,
serve over HTTP, then register and find a learner with plain HTTP requests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _lrs(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "lrs.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    data = tmp_path_factory.mktemp("served")
    env = {
        **os.environ,
        "LRS_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{Path(data) / 'served.sqlite3'}",
    }
    _lrs(env, "migrate", "-v", "0")
    _lrs(env, "createorg", "10034567", "Riverside College", "--roles", "online,view")
    _lrs(env, "createuser", "10034567", "a.jones", "--roles", "online")
    token = _lrs(env, "token", "a.jones").strip()
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lrs.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60  # a loaded CI machine can take a while to start it
        while True:
            try:
                # /readyz answers without building anything (the OpenAPI schema can take seconds
                # to build on a loaded machine, longer than a short poll's timeout).
                urllib.request.urlopen(f"{base}/readyz", timeout=5)  # noqa: S310
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.terminate()
                    process.wait(timeout=10)
                    output = process.stdout.read().decode() if process.stdout else ""
                    pytest.fail(f"lrs serve did not start:\n{output}")
                time.sleep(0.1)
        yield base, token
    finally:
        process.terminate()
        process.wait(timeout=10)


def _call(base: str, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - a local test server
        f"{base}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


REGISTRATION_ONLY = {"verification_type", "ability_to_share"}


def test_register_then_find_over_http(server: tuple[str, str]) -> None:
    base, token = server
    learner = {
        "given_name": "Siân",
        "family_name": "O'Brien",
        "date_of_birth": "2009-04-12",
        "gender": "2",
        "last_known_postcode": "CF10 3AT",
        "verification_type": "1",
        "ability_to_share": "1",
    }
    status, body = _call(base, token, "POST", "/api/v1/learners", learner)
    assert status == 201, body
    uln = body["learner"]["uln"]

    status, body = _call(
        base,
        token,
        "POST",
        "/api/v1/learners/search",
        # A search takes personal details only: registration's fields would be refused.
        {
            **{k: v for k, v in learner.items() if k not in REGISTRATION_ONLY},
            "given_name": "Sian",
            "family_name": "OBrien",
        },
    )
    assert status == 200
    assert body["response_code"] in {"WSRC0003", "WSRC0004"}
    assert body["learners"][0]["uln"] == uln


def test_bad_input_is_a_json_error_not_a_crash(server: tuple[str, str]) -> None:
    base, token = server
    status, body = _call(base, token, "POST", "/api/v1/learners/search", {"given_name": 5})
    assert status == 422
    assert body["code"] == "validation_failed"


def test_no_token_is_401(server: tuple[str, str]) -> None:
    base, _token = server
    status, body = _call(base, "", "POST", "/api/v1/learners/search", {})
    assert status == 401
    assert body["code"] == "not_authenticated"
