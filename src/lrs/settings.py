"""Django settings, read from the environment once.

`DATABASE_URL` chooses the database (default: a SQLite file in the data folder);
`LRS_DATA_DIR` moves the data folder; `LRS_SECRET_KEY`, `LRS_DEBUG` and
`LRS_ALLOWED_HOSTS` do what they say.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import cast

import dj_database_url
from platformdirs import user_data_dir

BASE_DIR = Path(__file__).resolve().parent
# The checkout: front-end packages (node_modules) and the built stylesheet (build/) live here.
PROJECT_DIR = Path(os.environ.get("LRS_PROJECT_DIR", BASE_DIR.parent.parent))


def _data_dir() -> Path:
    configured = os.environ.get("LRS_DATA_DIR")
    path = Path(configured) if configured else Path(user_data_dir("lrs", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


DATA_DIR = _data_dir()


def _secret_key() -> str:
    """Use the configured key, else one generated once per data folder (never in the code)."""
    configured = os.environ.get("LRS_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("LRS_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("LRS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(
    ","
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    # Second factor (TOTP and recovery codes): lrs.organisations.second_factor.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "lrs.core",
    "lrs.organisations",
    "lrs.learners",
    "lrs.batches",
    "lrs.plr",
    "lrs.learner_accounts",
    "lrs.challenges",
    "lrs.api",
    "lrs.portal",
    "lrs.demo",
]

MIDDLEWARE = [
    "lrs.ops.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lrs.portal.middleware.SecurityHeadersMiddleware",
    "lrs.api.middleware.ApiResponsesMiddleware",
    # Django's sessions, CSRF check, user and second factor, but not for API calls (bearer
    # tokens): lrs.portal.middleware._PortalOnly.
    "lrs.portal.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "lrs.portal.middleware.CsrfViewMiddleware",
    "lrs.portal.middleware.AuthenticationMiddleware",
    "lrs.portal.middleware.OTPMiddleware",
    "lrs.portal.middleware.MessageMiddleware",  # Django's, but not for /api/
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lrs.portal.middleware.SignInStepsMiddleware",
]

ROOT_URLCONF = "lrs.urls"
WSGI_APPLICATION = "lrs.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lrs.portal.context_processors.portal",
            ],
        },
    },
]


def _databases() -> dict[str, dict[str, object]]:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'lrs.sqlite3'}"
    # LRS_DB_CONN_MAX_AGE (seconds): keep each thread's database connection between requests
    # (checked before reuse) instead of opening one per request. 0, the default, opens one per
    # request; production on PostgreSQL sets about 60 (docs/deploy.md).
    conn_max_age = int(os.environ.get("LRS_DB_CONN_MAX_AGE", "0"))
    config: dict[str, object] = dict(
        dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=conn_max_age > 0)
    )
    if (
        config["ENGINE"] == "django.db.backends.postgresql"
        and conn_max_age > 0
        and os.environ.get("LRS_DB_PREPARED_STATEMENTS", "1") != "0"
    ):
        # psycopg prepares a statement of a server-binding cursor at its fifth use on the
        # connection; Django's own cursors bind on the client and never prepare.
        options = cast("dict[str, object]", config.setdefault("OPTIONS", {}))
        options["prepare_threshold"] = 5
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions take the write lock at BEGIN, so a search-then-insert
        # inside one transaction cannot interleave with another writer.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=1073741824;"
            ),
        }
        # A file (not shared memory) so that tests with threads see one database.
        config["TEST"] = {"NAME": str(DATA_DIR / "test-lrs.sqlite3")}
    return {"default": config}


DATABASES = _databases()
# Whether the few statements every API request makes are prepared, planned once per
# connection (`lrs.core.rows.prepared_cursor`): on PostgreSQL with connections kept between
# requests, unless LRS_DB_PREPARED_STATEMENTS=0 (behind a pooler that cannot keep prepared
# statements: pgbouncer in transaction mode before 1.21, or without max_prepared_statements).
LRS_DB_PREPARED_STATEMENTS = bool(
    cast("dict[str, object]", DATABASES["default"].get("OPTIONS", {})).get("prepare_threshold")
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "organisations.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "lrs.organisations.passwords.MinimumLengthValidator"},
    {"NAME": "lrs.organisations.passwords.CharacterClassValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["lrs.formats"]
LANGUAGE_COOKIE_NAME = "lrs_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# whitenoise serves the static files from the web processes themselves (no separate file
# server). By default it finds them where they are (node_modules, build/, the apps); with
# LRS_STATIC_ROOT set, `lrs collectstatic` first copies them there with hashed, compressed
# names that browsers and proxies may cache for ever (docs/deploy.md).
if os.environ.get("LRS_STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["LRS_STATIC_ROOT"])
    WHITENOISE_USE_FINDERS = False
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
else:
    WHITENOISE_USE_FINDERS = True
# GOV.UK Frontend's scripts and assets come from its npm package (package-lock.json), and our
# stylesheet is built from it by scripts/build-assets.sh.
STATICFILES_DIRS = [
    (prefix, path)
    for prefix, path in (
        ("govuk", PROJECT_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
        ("portal", PROJECT_DIR / "build" / "static" / "portal"),
    )
    if path.is_dir()
]

# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = "Learning Records Service"

LOGIN_URL = "portal:sign-in"
LOGIN_REDIRECT_URL = "portal:home"
# Sessions end after this many minutes without a request (DESIGN 3.4).
SESSION_INACTIVITY_MINUTES = int(os.environ.get("LRS_SESSION_MINUTES", "20"))
SESSION_COOKIE_AGE = SESSION_INACTIVITY_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_NAME = "lrs_session"
CSRF_COOKIE_HTTPONLY = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Production behind a reverse proxy (docs/deploy.md):
# - LRS_HTTPS=1: the site is served over HTTPS only: plain HTTP is redirected (except the
#   probes), cookies are Secure and browsers are told (HSTS) to use nothing else.
#   LRS_SECURE_COOKIES=1, the older switch, does the same but for the redirect.
# - LRS_TRUST_PROXY=1: the proxy in front sets X-Forwarded-Proto (and X-Forwarded-Host) and
#   strips any a client sent; only then may Django believe them. Never set it without a proxy.
# - LRS_HSTS_SECONDS (default a year), LRS_HSTS_PRELOAD=1, LRS_CSRF_TRUSTED_ORIGINS
#   (comma-separated https://host origins, when the proxy's public name differs).
HTTPS_ONLY = os.environ.get("LRS_HTTPS", "") == "1"
SESSION_COOKIE_SECURE = HTTPS_ONLY or os.environ.get("LRS_SECURE_COOKIES", "") == "1"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = (
    int(os.environ.get("LRS_HSTS_SECONDS", "31536000")) if SESSION_COOKIE_SECURE else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SESSION_COOKIE_SECURE
SECURE_HSTS_PRELOAD = SESSION_COOKIE_SECURE and os.environ.get("LRS_HSTS_PRELOAD", "") == "1"
SECURE_SSL_REDIRECT = HTTPS_ONLY
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
if os.environ.get("LRS_TRUST_PROXY", "") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("LRS_CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Uploads larger than this are refused by Django before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

NINJA_PAGINATION_PER_PAGE = 50


def _email_settings() -> dict[str, object]:
    """Email (learner portal codes): SMTP when `LRS_EMAIL_HOST` is set, else files in the data
    folder's `emails/` (the demo's), or the console with `LRS_EMAIL_BACKEND=console`."""
    host = os.environ.get("LRS_EMAIL_HOST", "")
    backend = os.environ.get("LRS_EMAIL_BACKEND", "smtp" if host else "file")
    backends = {
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "console": "django.core.mail.backends.console.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
    }
    return {
        "EMAIL_BACKEND": backends.get(backend, backend),
        "EMAIL_FILE_PATH": str(DATA_DIR / "emails"),
        "EMAIL_HOST": host or "localhost",
        "EMAIL_PORT": int(os.environ.get("LRS_EMAIL_PORT", "587")),
        "EMAIL_HOST_USER": os.environ.get("LRS_EMAIL_USER", ""),
        "EMAIL_HOST_PASSWORD": os.environ.get("LRS_EMAIL_PASSWORD", ""),
        "EMAIL_USE_TLS": os.environ.get("LRS_EMAIL_TLS", "1") == "1",
        "DEFAULT_FROM_EMAIL": os.environ.get(
            "LRS_EMAIL_FROM", "Learning Records Service <no-reply@localhost>"
        ),
    }


_EMAIL = _email_settings()
EMAIL_BACKEND = str(_EMAIL["EMAIL_BACKEND"])
EMAIL_FILE_PATH = str(_EMAIL["EMAIL_FILE_PATH"])
EMAIL_HOST = str(_EMAIL["EMAIL_HOST"])
EMAIL_PORT = int(str(_EMAIL["EMAIL_PORT"]))
EMAIL_HOST_USER = str(_EMAIL["EMAIL_HOST_USER"])
EMAIL_HOST_PASSWORD = str(_EMAIL["EMAIL_HOST_PASSWORD"])
EMAIL_USE_TLS = bool(_EMAIL["EMAIL_USE_TLS"])
DEFAULT_FROM_EMAIL = str(_EMAIL["DEFAULT_FROM_EMAIL"])


def _caches(redis_url: str) -> dict[str, dict[str, object]]:
    """Redis when LRS_REDIS_URL is set (rate limits shared by every web process), else memory."""
    if redis_url:
        return {
            "default": {
                # Django's, keeping one Redis client per connection pool (lrs.core.cache).
                "BACKEND": "lrs.core.cache.RedisCache",
                "LOCATION": redis_url,
                "KEY_PREFIX": "lrs",
            }
        }
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


CACHES = _caches(os.environ.get("LRS_REDIS_URL", ""))

# Rate limits (lrs.core.throttle, docs/adr/0006): "N/period" per client address (`_ip`) and per
# account (`_account`). LRS_RATE_LIMIT_<NAME> overrides one; an empty value turns it off.
_DEFAULT_RATE_LIMITS = {
    # Sign-in attempts (POSTs). Per account it stays above the ten wrong passwords that suspend
    # an account, so that rule is reached as the user guide says.
    "sign_in_ip": "60/10m",
    "sign_in_account": "30/h",
    # Codes of the learner portal's second factor, after the password (wrong codes also make
    # the next try wait longer: lrs.learner_accounts.second_factor).
    "learner_code_ip": "60/10m",
    "learner_code_account": "20/h",
    # Answers to the secret question on "forgotten password".
    "forgotten_password_ip": "20/h",
    "forgotten_password_account": "10/h",
    # Web services: every request per address and per token, and wrong tokens per address.
    "api_ip": "1200/m",
    "api_token": "600/m",
    "api_bad_token_ip": "20/10m",
    # Single look-ups that reveal learner data (verify learner, credit check), on top of the
    # hourly per-user limits that the services apply.
    "lookup_ip": "120/m",
    "lookup_account": "60/m",
}
LRS_RATE_LIMITS = {
    name: os.environ.get(f"LRS_RATE_LIMIT_{name.upper()}", rate)
    for name, rate in _DEFAULT_RATE_LIMITS.items()
}

# Logs go to standard error. LRS_LOG_FORMAT=json (the default of `lrs serve --workers`) writes
# one JSON object a line with the request's id, and a line per request ("lrs.requests");
# nothing logged ever holds personal data (lrs.ops.logs). LRS_LOG_LEVEL sets the level.
LOG_FORMAT = os.environ.get("LRS_LOG_FORMAT", "text")
_LOG_LEVEL = os.environ.get("LRS_LOG_LEVEL", "WARNING")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "lrs.ops.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "lrs.ops.logs.JsonFormatter"},
        "text": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": _LOG_LEVEL},
    "loggers": {
        "lrs.requests": {"level": "INFO" if LOG_FORMAT == "json" else _LOG_LEVEL},
    },
}

# /metrics (Prometheus) answers only scrapes that send this token as a Bearer token; unset,
# it answers 404 (docs/deploy.md).
LRS_METRICS_TOKEN = os.environ.get("LRS_METRICS_TOKEN", "")
