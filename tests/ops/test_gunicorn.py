"""`lrs serve --workers 2`: gunicorn processes behind one port, with metrics added up across
them, JSON request logs without personal data, and the probes."""

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

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Linux"),
]

METRICS_TOKEN = "scrape-token-for-tests"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _lrs(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "lrs.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - local server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _post(url: str, token: str, body: Any) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - a local test server
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    data = tmp_path_factory.mktemp("gunicorn")
    env = {
        **os.environ,
        "LRS_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'served.sqlite3'}",
        "LRS_METRICS_TOKEN": METRICS_TOKEN,
        "LRS_EMBEDDED_WORKER": "0",
        "LRS_QUEUE": "embedded",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    _lrs(env, "migrate", "-v", "0")
    _lrs(env, "createorg", "10034567", "Riverside College", "--roles", "online,view")
    _lrs(env, "createuser", "10034567", "a.jones", "--roles", "online,view")
    token = _lrs(env, "token", "a.jones").strip()
    port = _free_port()
    log = data / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "lrs.cli", "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if _get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield base, token, log
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_gunicorn_serves_registrations_counted_across_processes(
    served: tuple[str, str, Path],
) -> None:
    base, token, log = served
    assert _get(f"{base}/readyz")[0] == 200
    people = [
        ("Gwenllian", "Prydderch", "2008-02-29", "SA31 1AA"),
        ("Tudur", "Llewelyn", "2007-11-05", "LL57 2DG"),
        ("Angharad", "Myfanwy", "2009-06-14", "CF24 4HQ"),
    ]
    for given, family, born, postcode in people:
        status, body = _post(
            f"{base}/api/v1/learners",
            token,
            {
                "given_name": given,
                "family_name": family,
                "date_of_birth": born,
                "gender": "2",
                "last_known_postcode": postcode,
                "verification_type": "1",
                "ability_to_share": "1",
            },
        )
        assert status == 201, body
        status, body = _post(
            f"{base}/api/v1/learners/search",
            token,
            {
                "given_name": given,
                "family_name": family,
                "date_of_birth": born,
                "gender": "2",
                "last_known_postcode": postcode,
            },
        )
        assert status == 200, body

    assert _get(f"{base}/metrics")[0] == 401
    status, text = _get(f"{base}/metrics", {"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert status == 200
    metrics = text.decode()
    assert "lrs_registrations_total 3.0" in metrics
    assert 'lrs_searches_total{outcome="exact"} 3.0' in metrics
    assert "lrs_batch_queue_depth_rows 0.0" in metrics
    assert (
        'lrs_http_request_duration_seconds_count{endpoint="api-v1:search",method="POST",'
        'status="2xx"} 3.0'
    ) in metrics

    written = log.read_text(encoding="utf-8")
    requests = [
        json.loads(line)
        for line in written.splitlines()
        if line.startswith("{") and '"lrs.requests"' in line
    ]
    assert len(requests) >= 6
    assert all(len(entry["request_id"]) == 32 for entry in requests)
    for given, family, born, postcode in people:
        for personal in (given, family, born, postcode, postcode.replace(" ", "")):
            assert personal not in written
