"""Settings for a reverse proxy come from the environment (docs/deploy.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def _settings(**env: str) -> dict[str, object]:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "values = {k: getattr(settings, k, None) for k in ("
        "'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', "
        "'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'USE_X_FORWARDED_HOST', "
        "'CSRF_TRUSTED_ORIGINS')}; "
        "values['CONN_MAX_AGE'] = settings.DATABASES['default']['CONN_MAX_AGE']; "
        "print(json.dumps(values))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LRS_") or k == "LRS_DATA_DIR"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "lrs.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_plain_http_by_default():
    values = _settings()
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["CONN_MAX_AGE"] == 0


def test_database_connections_can_be_kept():
    assert _settings(LRS_DB_CONN_MAX_AGE="60")["CONN_MAX_AGE"] == 60


def test_https_behind_a_trusted_proxy():
    values = _settings(
        LRS_HTTPS="1",
        LRS_TRUST_PROXY="1",
        LRS_CSRF_TRUSTED_ORIGINS="https://lrs.example.gov.uk",
    )
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["USE_X_FORWARDED_HOST"] is True
    assert values["CSRF_TRUSTED_ORIGINS"] == ["https://lrs.example.gov.uk"]
