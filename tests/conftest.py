from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from lrs.core.actor import Actor, Channel
from lrs.learners.details import LearnerDetails
from lrs.organisations.models import Organisation, User
from lrs.organisations.services import (
    create_organisation,
    create_user,
    issue_api_token,
    service_desk_system_actor,
)
from lrs.organisations.signin import set_secret_question

# The PLR's shared fixtures (a catalogue, an awarding organisation) serve api/, portal/ and e2e/.
pytest_plugins = ["tests.plr.fixtures", "tests.learner_accounts.fixtures"]

# Property tests judge inputs, not the machine's speed: a loaded CI machine must not fail them
# on timing (deadline) or on how long inputs take to generate (the too_slow health check).
hypothesis_settings.register_profile(
    "lrs", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
hypothesis_settings.load_profile("lrs")

ALL_ROLES = ["super", "batch", "online", "view", "plr", "vld"]


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Fast hashing in tests only; production keeps Django's PBKDF2 default. The hashers are
    # cached once used: forget any hasher a module used while being imported.
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test process counts rate limits in its own memory, even when LRS_REDIS_URL is set:
    # parallel test processes must not share (or clear) each other's counts.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    get_hashers.cache_clear()  # type: ignore[attr-defined]
    get_hashers_by_algorithm.cache_clear()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _english_by_default() -> Iterator[None]:
    """Each test starts in English: a request in Welsh leaves Welsh active in its thread."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts with no rate-limit counts, and the limits' clock stands still so that no
    window ends during a test (django-ratelimit counts in fixed windows)."""
    import types

    import django_ratelimit.core
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: 1e9))
    yield
    cache.clear()


@pytest.fixture
def system_actor(db: None) -> Actor:
    """The system's own actor (the service desk's, on the command line): it sets tests up."""
    return service_desk_system_actor(channel=Channel.CLI)


@pytest.fixture
def college(system_actor: Actor) -> Organisation:
    return create_organisation(
        actor=system_actor,
        ukprn="10034567",
        name="Riverside College",
        organisation_type="college",
        granted_roles=ALL_ROLES,
    )


@pytest.fixture
def school(system_actor: Actor) -> Organisation:
    return create_organisation(
        actor=system_actor,
        ukprn="10045678",
        name="Ysgol Glan Afon",
        organisation_type="school",
        granted_roles=ALL_ROLES,
    )


@pytest.fixture
def make_user(system_actor: Actor) -> Callable[..., User]:
    counter = {"n": 0}

    def _make(organisation: Organisation, roles: list[str]) -> User:
        counter["n"] += 1
        return create_user(
            actor=system_actor,
            organisation=organisation,
            username=f"user{counter['n']}.{'-'.join(roles) or 'none'}",
            roles=roles,
            password="Secret-pass-1",
        ).user

    return _make


@pytest.fixture
def online_actor(college: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(college, ["online"]), channel=Channel.PORTAL)


@pytest.fixture
def view_actor(college: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(college, ["view"]), channel=Channel.PORTAL)


@pytest.fixture
def school_actor(school: Organisation, make_user: Callable[..., User]) -> Actor:
    return Actor(user=make_user(school, ["online"]), channel=Channel.PORTAL)


def make_ready(user: User) -> User:
    """A user past the first-sign-in steps: own password, secret question set."""
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["must_change_password", "password_changed_at"])
    set_secret_question(user=user, question="first_pet", answer="Rover")
    return user


def learner_details(**overrides: Any) -> LearnerDetails:
    values: dict[str, Any] = {
        "given_name": "Megan",
        "family_name": "Pritchard",
        "date_of_birth": datetime.date(2009, 4, 12),
        "gender": "2",
        "last_known_postcode": "CF10 3AT",
        "middle_other_name": "Eleri",
        "verification_type": "1",
        "ability_to_share": "1",
    }
    values.update(overrides)
    return LearnerDetails(**values)


@pytest.fixture
def details() -> Callable[..., LearnerDetails]:
    return learner_details


class ApiClient:
    """Calls the API over HTTP (Django's test client) with a bearer token."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            path, data=body, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(
            path, data=body, content_type="application/json", headers=self.headers
        )

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.headers)


@pytest.fixture
def api_as(make_user: Callable[..., User], system_actor: Actor) -> Callable[..., ApiClient]:
    def _api(organisation: Organisation, roles: list[str]) -> ApiClient:
        user = make_user(organisation, roles)
        return ApiClient(issue_api_token(actor=system_actor, user=user).raw)

    return _api
