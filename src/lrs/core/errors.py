"""Errors a caller can act on. Each has a stable code and a message in the user's language.

They know nothing of HTTP: the API maps each kind to a status in one place (`lrs.api.errors`),
and the portal shows the message on the page.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the service refused the request."""

    code: str = "error"
    default_message = _("The request could not be completed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field_errors: Mapping[str, list[str]] | None = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        if code is not None:
            self.code = code
        self.field_errors: dict[str, list[str]] = {
            name: [str(m) for m in messages] for name, messages in (field_errors or {}).items()
        }
        super().__init__(self.message)


class ValidationFailed(DomainError):
    code = "validation_failed"
    default_message = _("Some of the details are missing or not valid.")


class PermissionDenied(DomainError):
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class NotFound(DomainError):
    code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    code = "conflict"


class TooManyRequests(DomainError):
    """A rate limit refused the request; `retry_after` says in how many seconds to try again."""

    code = "rate_limited"
    default_message = _("Too many requests. Wait a while, then try again.")

    default_retry_after = 60

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        chosen = self.default_retry_after if retry_after is None else retry_after
        self.retry_after = max(1, int(chosen))
