"""Password rules of the service: at least 3 of the 4 character classes."""

from __future__ import annotations

import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and other characters the password uses."""
    classes = [
        any(c.isupper() for c in password),
        any(c.islower() for c in password),
        any(c in string.digits for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    """Django password validator: at least three of the four character classes."""

    def validate(self, password: str, user: object | None = None) -> None:
        if character_classes(password) < 3:
            raise ValidationError(
                _(
                    "Your password must contain at least three of: upper case letters, "
                    "lower case letters, numbers and special characters."
                ),
                code="password_character_classes",
            )

    def get_help_text(self) -> str:
        return _(
            "Use at least three of: upper case letters, lower case letters, numbers and "
            "special characters."
        )


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with the service's own wording (translated into Welsh with ours)."""

    def __init__(self, min_length: int = 8) -> None:
        super().__init__(min_length=min_length)

    def get_error_message(self) -> str:
        return ngettext(
            "Your password must be at least %(min_length)d character long.",
            "Your password must be at least %(min_length)d characters long.",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Use at least %(min_length)d character.",
            "Use at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
