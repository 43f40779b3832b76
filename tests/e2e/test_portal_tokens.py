"""API token management in a real browser (issue 19 item 13): a user creates a token, the API
accepts it and the list shows its last use; the user rotates and revokes; their super user
revokes one of theirs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from lrs.organisations.models import Organisation
from tests.e2e.conftest import check_page, ready_user, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _api_status(base_url: str, token: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - the live test server, over http
        f"{base_url}/api/v1/batches", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request) as response:  # noqa: S310 - the live test server
            json.load(response)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_a_user_manages_their_tokens_and_their_super_user_revokes_one(
    page: Any, live_server: Any, organisation: Organisation
) -> None:
    ready_user(organisation, "grace.okafor", ["super"])
    ready_user(organisation, "tom.baker", ["batch"])

    sign_in(page, "tom.baker")
    page.goto("/account/")
    page.get_by_role("link", name="Your API tokens").click()
    check_page(page, "tokens-empty")
    page.get_by_label("Name").fill("College MIS")
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Create token").click()
    page.get_by_role("heading", name="Your new API token").wait_for()
    check_page(page, "token-issued")
    first = page.locator("#new-token").inner_text().strip()
    assert first.startswith("lrs_")
    assert _api_status(live_server.url, first) == 200

    page.get_by_role("link", name="Back to your API tokens").click()
    row = page.get_by_role("row", name="College MIS")
    row.get_by_text("from 127.0.0.1").wait_for()
    check_page(page, "tokens-used")

    row.get_by_role("button", name="Rotate").click()
    page.get_by_text("keeps working for one more day").wait_for()
    second = page.locator("#new-token").inner_text().strip()
    assert second != first
    assert _api_status(live_server.url, second) == 200
    assert _api_status(live_server.url, first) == 200  # the grace day

    page.get_by_role("link", name="Back to your API tokens").click()
    page.get_by_role("row", name=first[:10]).get_by_role("button", name="Revoke").click()
    page.get_by_text("has been revoked").wait_for()
    assert _api_status(live_server.url, first) == 401
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "grace.okafor")
    page.goto("/users/")
    page.get_by_role("button", name="Find users").click()
    page.get_by_role("link", name="View tom.baker").click()
    page.get_by_role("button", name="API tokens").click()
    check_page(page, "user-tokens")
    page.get_by_role("row", name=second[:10]).get_by_role("button", name="Revoke").click()
    page.get_by_text("has been revoked").wait_for()
    assert _api_status(live_server.url, second) == 401
