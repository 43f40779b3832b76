"""Helpers shared by the management commands."""

from lrs.core.errors import DomainError


def describe_error(exc: DomainError) -> str:
    """The error's message and each field's problems, on one line."""
    details = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.field_errors.items())
    return f"{exc.message} {details}".strip()
