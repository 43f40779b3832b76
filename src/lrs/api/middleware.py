"""What every response under /api/ has in common, whichever view (or none) produced it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from lrs.api.errors import error_body

API_PREFIX = "/api/"
DOCS_PATH = "/api/v1/docs"
# The docs page (django-ninja's Swagger UI, served from our own static files): its scripts and
# styles are files of this site; Swagger UI sets style attributes as it draws, and shows data:
# images; it fetches only /api/v1/openapi.json and the calls a reader tries.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


class ApiResponsesMiddleware:
    """API errors are JSON even where no endpoint answered; no API response is cached.

    Django answers an unmatched path with the portal's HTML "Page not found", and django-ninja a
    wrong method with a plain-text 405; an API client gets the same `{"code", "message"}` body
    as from every other API error instead. Nearly every answer carries learners' personal data,
    so none may stay in a proxy's or a client's cache (`Cache-Control: no-store`), the schema
    and the errors included, which keeps the rule simple.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(API_PREFIX):
            return response
        if response.status_code in (404, 405) and not _is_json(response):
            response = _json_error(request, response)
        response.headers.setdefault("Cache-Control", "no-store")
        if request.path.rstrip("/") == DOCS_PATH:
            response.headers["Content-Security-Policy"] = DOCS_POLICY
        return response


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _json_error(request: HttpRequest, original: HttpResponse) -> HttpResponse:
    if original.status_code == 404:
        body = error_body(
            "not_found",
            _("There is no API endpoint at %(path)s. The endpoints are listed at /api/v1/docs.")
            % {"path": request.path},
        )
        return JsonResponse(body, status=404)
    allowed = sorted(method.strip() for method in original.get("Allow", "").split(",") if method)
    body = error_body(
        "method_not_allowed",
        _("%(path)s does not accept %(method)s; it accepts %(allowed)s.")
        % {"path": request.path, "method": request.method, "allowed": ", ".join(allowed)},
    )
    response = JsonResponse(body, status=405)
    response["Allow"] = ", ".join(allowed)
    return response
