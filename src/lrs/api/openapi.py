"""How operations are described in /api/v1/openapi.json, for the clients generated from it."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

BINARY = {"type": "string", "format": "binary"}
TOO_MANY_REQUESTS: dict[str, Any] = {
    "description": "Too many requests: wait the number of seconds in Retry-After, then try again",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


def file_download(description: str, *content_types: str) -> dict[str, Any]:
    """`openapi_extra` for an endpoint answering 200 with a file: its body is binary, in any of
    these content types (a generated client hands the caller the bytes).

    A file that is not text (a spreadsheet) is also declared as `application/octet-stream`:
    generators that know no spreadsheet type (openapi-python-client) otherwise drop the
    response from the client altogether.
    """
    if not all(content_type.startswith("text/") for content_type in content_types):
        content_types = (*content_types, "application/octet-stream")
    return {
        "responses": {
            200: {
                "description": description,
                "content": {content_type: {"schema": BINARY} for content_type in content_types},
            }
        }
    }


class LrsNinjaAPI(NinjaAPI):
    """django-ninja, with readable operation ids where an endpoint sets none.

    Endpoints name theirs (`operation_id="searchLearners"`): a generated client's function is
    called after it, so it must stay the same release after release. An endpoint without one
    gets its view's name in camelCase, not django-ninja's module path
    (`lrs_api_routers_learners_search`).
    """

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> OpenAPISchema:
        """Every operation may answer 429: the rate limits (lrs.core.throttle) apply to every
        request, per client address and per token, before the endpoint runs."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                if isinstance(operation, dict) and "responses" in operation:
                    operation["responses"].setdefault(429, TOO_MANY_REQUESTS)
        return schema

    def get_openapi_operation_id(self, operation: Operation) -> str:
        first, *rest = operation.view_func.__name__.split("_")
        return first + "".join(part.capitalize() for part in rest)
