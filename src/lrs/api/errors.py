"""One mapping from errors to HTTP responses: JSON with a code and a human message.

The services' errors (`lrs.core.errors.DomainError`) know nothing of HTTP; their statuses are
here, and only here.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from lrs.batches.uploads import UploadTooLarge
from lrs.core.actor import Actor
from lrs.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    TooManyRequests,
    ValidationFailed,
)
from lrs.core.security import record_permission_refused
from lrs.plr.errors import PlrNotShared

# Each kind of error's status; an error takes the status of its nearest kind listed.
STATUS_FOR_ERROR: dict[type[DomainError], int] = {
    DomainError: 400,
    ValidationFailed: 422,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    UploadTooLarge: 413,
    TooManyRequests: 429,
}


def status_for(error: DomainError) -> int:
    """The HTTP status of a service's error."""
    for kind in type(error).__mro__:
        if kind in STATUS_FOR_ERROR:
            return STATUS_FOR_ERROR[kind]
    return 400


def error_body(
    code: str, message: str, errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def _field_name(location: list[Any] | tuple[Any, ...]) -> str:
    # Ninja reports ("body", "payload", "date_of_birth"); the caller knows only the field.
    # Uploads add ("form", ...) or ("file", "file"); the field's own name is enough.
    parts = [str(part) for part in location if part not in ("body", "payload", "query", "path")]
    if len(parts) > 1 and parts[0] in ("form", "file"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = api.create_response(
            request, error_body(exc.code, exc.message, exc.field_errors), status=status_for(exc)
        )
        if isinstance(exc, TooManyRequests):
            response["Retry-After"] = str(exc.retry_after)
        actor = getattr(request, "auth", None)
        refused_role = isinstance(exc, PermissionDenied) and not isinstance(exc, PlrNotShared)
        if refused_role and isinstance(actor, Actor):
            # A refusal of the caller's roles (not a rule such as "not shared"): a security event.
            record_permission_refused(actor=actor, what=f"{request.method} {request.path}")
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(_field_name(error.get("loc", ())), []).append(str(error.get("msg")))
        return api.create_response(
            request,
            error_body(
                "validation_failed",
                _("The request is not valid: %(fields)s.") % {"fields": ", ".join(errors)},
                errors,
            ),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body(
                "not_authenticated",
                _("Send a valid API token: 'Authorization: Bearer <token>'."),
            ),
            status=401,
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return api.create_response(
            request,
            error_body(
                "request_too_large",
                _("The request is larger than the service accepts (%(limit)d MB).")
                % {"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)},
            ),
            status=413,
        )

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return api.create_response(
            request, error_body("http_error", str(exc)), status=exc.status_code
        )
