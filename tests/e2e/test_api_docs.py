"""The API's documentation page works in a browser under its Content Security Policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def enforcing_page(_playwright: Any, live_server: Any) -> Iterator[Any]:
    """A page that keeps the site's Content Security Policy (the `page` fixture bypasses it)."""
    context = _playwright.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_the_docs_page_renders_without_breaking_its_policy(enforcing_page: Any) -> None:
    page = enforcing_page
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )

    response = page.goto("/api/v1/docs")
    page.get_by_text("/api/v1/learners/search").first.wait_for()

    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert refused == []
