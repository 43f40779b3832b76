"""Pages of a long list, as the GOV.UK pagination component shows them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest


def page_href(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return "?" + query.urlencode()


def pagination(request: HttpRequest, page: Page[Any]) -> dict[str, Any] | None:
    """What the pagination component needs, keeping the page's other query values."""
    paginator = page.paginator
    if paginator.num_pages <= 1:
        return None
    items: list[dict[str, Any]] = []
    for number in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == Paginator.ELLIPSIS:
            items.append({"ellipsis": True})
        else:
            items.append(
                {
                    "number": number,
                    "href": page_href(request, int(number)),
                    "current": number == page.number,
                }
            )
    return {
        "previous": page_href(request, page.previous_page_number()) if page.has_previous() else "",
        "next": page_href(request, page.next_page_number()) if page.has_next() else "",
        "items": items,
    }


def paginate(
    request: HttpRequest, items: Sequence[Any] | QuerySet[Any], per_page: int
) -> tuple[Page[Any], dict[str, Any] | None]:
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    return page, pagination(request, page)
