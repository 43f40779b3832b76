"""The API's documentation page works in a browser under its Content Security Policy."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_without_breaking_its_policy(
    _playwright: Any, live_server: Any
) -> None:
    context = _playwright.new_context(base_url=live_server.url, locale="en-GB")
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )

    response = page.goto("/api/v1/docs")
    page.get_by_text("/api/v1/learners/search").first.wait_for(timeout=15_000)

    assert response is not None
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert refused == []
    context.close()
