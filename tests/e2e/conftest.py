"""Browser tests: the portal served by Django's live server, driven in Debian's Chromium.

Every page a test visits can be checked with axe (`check_page`), and key pages are saved as
screenshots in var/e2e-screenshots (kept by CI as test artefacts).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lrs.core.actor import Channel
from lrs.organisations.models import Organisation, User
from lrs.organisations.second_factor import enrol_on_behalf, second_factor_required
from lrs.organisations.services import (
    AccountDetails,
    create_organisation,
    create_user,
    service_desk_system_actor,
)
from tests.conftest import make_ready

HOME_HEADING = re.compile(r"^(Learner management|Learning Records Service)$")

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("LRS_SCREENSHOT_DIR", ROOT / "var" / "e2e-screenshots"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# WCAG 2.2 AA and axe's best practices: every rule must pass on every page.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _chromium() -> str | None:
    return os.environ.get("LRS_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Any]:
    executable = _chromium()
    if executable is None or not AXE.exists():
        message = (
            "browser tests need Debian's chromium and node_modules/axe-core (.ci/run installs both)"
        )
        if os.environ.get("LRS_E2E_REQUIRED") == "1":
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the tests' own ORM calls are
    # still made synchronously, so Django's async-safety guard is relaxed for this process.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_playwright: Any, live_server: Any) -> Iterator[Any]:
    # axe is injected as a script, which the portal's Content Security Policy would block.
    context = _playwright.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def check_page(page: Any, name: str | None = None) -> None:
    """Run axe on the page (zero violations allowed) and save a screenshot when named."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in result["violations"]
    ]
    assert not violations, f"axe found problems on {page.url}:\n" + "\n".join(violations)
    if name:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^a-z0-9-]+", "-", name.lower())
        page.screenshot(path=str(SCREENSHOTS / f"{safe}.png"), full_page=True)


# --- Shared data and steps for the journeys ------------------------------------------------------

PASSWORD = "Known-pass-42"
ALL_ROLES = ["super", "batch", "online", "view", "plr", "vld"]


@pytest.fixture
def organisation() -> Organisation:
    """A college granted every role an organisation can have."""
    return create_organisation(
        actor=service_desk_system_actor(channel=Channel.CLI),
        ukprn="10034567",
        name="Riverside College",
        organisation_type="college",
        granted_roles=ALL_ROLES,
    )


def ready_user(
    organisation: Organisation, username: str, roles: list[str], *, second_factor: bool = True
) -> User:
    """A user past the first-sign-in steps, named after the username (`grace.okafor`)."""
    given, _dot, family = username.partition(".")
    user = create_user(
        actor=service_desk_system_actor(channel=Channel.CLI),
        organisation=organisation,
        username=username,
        roles=roles,
        password=PASSWORD,
        details=AccountDetails(
            given_name=given.title(),
            family_name=family.title(),
            email=f"{username}@example.org",
            verification_provided="",
        ),
    ).user
    make_ready(user)
    if second_factor and second_factor_required(user):
        # Super users and operators have an authenticator app; the tests compute its codes.
        enrol_on_behalf(actor=service_desk_system_actor(channel=Channel.CLI), user=user)
    return user


def current_code(username: str) -> str:
    """The code the user's authenticator app would show now (one not yet used: django-otp
    refuses a code of a time step already used, so a second sign-in in the same 30 seconds
    takes the next step's code, which it also accepts)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        totp.time += device.step
    return str(totp.token()).zfill(device.digits)


def sign_in(page: Any, username: str, password: str = PASSWORD, *, accept: bool = True) -> None:
    """Sign in through the real page (with the app's code when the user has a second factor);
    by default accept the agreement and reach the home page."""
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/sign-in/code/" in page.url:
        page.get_by_label("Code").fill(current_code(username))
        page.get_by_role("button", name="Continue").click()
    if accept:
        page.get_by_role("button", name="Accept", exact=True).click()
        # The home page: "Learner management" for users who find learners, else the service.
        page.get_by_role("heading", name=HOME_HEADING).wait_for()
