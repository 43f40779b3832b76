"""What a user account is made of, and the rules for its details: a real person's name, an
email address, how they were verified, roles from the organisation's grant, a username made from
the names and a one-time password. The writes that apply them are in `services.users`.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from lrs.core.errors import ValidationFailed
from lrs.core.roles import Role
from lrs.organisations.models import Organisation, User

# Names that mark a shared or generic account, which the service prohibits (user guide 3.5.1).
GENERIC_NAMES = frozenset(
    {
        "admin",
        "administrator",
        "exams",
        "examinations",
        "generic",
        "guest",
        "office",
        "reception",
        "shared",
        "staff",
        "team",
        "test",
        "user",
        "mis",
        "data",
    }
)
_USERNAME_MAX = 150


@dataclass(frozen=True)
class AccountDetails:
    """What a super user records about a user (user guide 3.5.3 and 3.5.4)."""

    given_name: str
    family_name: str
    email: str
    verification_provided: str
    title: str = ""
    phone: str = ""
    mobile: str = ""
    staff_reference: str = ""


@dataclass(frozen=True)
class NewAccount:
    """A created or reset account and its one-time password, shown once and never stored."""

    user: User
    one_time_password: str


def _ascii_slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "", letters)


def generate_username(given_name: str, family_name: str) -> str:
    """`given.family` in plain letters, numbered when taken (user guide 3.5.3)."""
    base = ".".join(part for part in (_ascii_slug(given_name), _ascii_slug(family_name)) if part)
    base = (base or "user")[: _USERNAME_MAX - 4]
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate


def generate_one_time_password() -> str:
    """Twelve characters from all four classes, without look-alikes (0/O, 1/l/I)."""
    upper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    lower = "abcdefghijkmnpqrstuvwxyz"
    digits = "23456789"
    special = "-!#%+?"
    pool = upper + lower + digits + special
    chars = [secrets.choice(s) for s in (upper, lower, digits, special)]
    chars += [secrets.choice(pool) for _ in range(8)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def is_generic_name(name: str) -> bool:
    """Whether the name is made only of generic words ("Guest", "Exams Office", "Data Team")."""
    words = [word for word in (_ascii_slug(part) for part in re.split(r"[\s._-]+", name)) if word]
    return _ascii_slug(name) in GENERIC_NAMES or (
        bool(words) and all(word in GENERIC_NAMES for word in words)
    )


def validate_account_details(details: AccountDetails) -> dict[str, list[str]]:
    """Each field's problems ({} when the details will do)."""
    errors: dict[str, list[str]] = {}
    if not details.given_name.strip():
        errors["given_name"] = [_("Enter the user's given name.")]
    elif is_generic_name(details.given_name):
        errors["given_name"] = [_("Enter a person's real name: generic accounts are not allowed.")]
    if not details.family_name.strip():
        errors["family_name"] = [_("Enter the user's family name.")]
    elif len(details.family_name.split()) > 1 and is_generic_name(details.family_name):
        # A single word is checked only in the given name: Guest and Staff are real surnames.
        errors["family_name"] = [_("Enter a person's real name: generic accounts are not allowed.")]
    email = details.email.strip()
    if not email:
        errors["email"] = [_("Enter the user's email address.")]
    elif not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors["email"] = [_("Enter an email address in the right format, like name@example.org.")]
    if not details.verification_provided.strip():
        errors["verification_provided"] = [
            _("Enter how you verified this person, such as a staff ID or work email address.")
        ]
    return errors


def validate_granted_roles(organisation: Organisation, roles: Iterable[str]) -> list[str]:
    """At least one role, each granted to the organisation (never the service desk's)."""
    cleaned = sorted({role for role in roles if role})
    if not cleaned:
        raise ValidationFailed(field_errors={"roles": [_("Choose at least one role.")]})
    allowed = set(organisation.granted_roles) - {Role.SERVICE_DESK.value}
    refused = [role for role in cleaned if role not in allowed]
    if refused:
        raise ValidationFailed(
            field_errors={"roles": [_("Your organisation has not been granted this role.")]}
        )
    return cleaned


def apply_account_details(user: User, details: AccountDetails) -> dict[str, list[object]]:
    """Copy the details onto the user; return the changes as {field: [old, new]}."""
    values = {
        "first_name": details.given_name.strip(),
        "last_name": details.family_name.strip(),
        "email": details.email.strip(),
        "verification_provided": details.verification_provided.strip(),
        "title": details.title.strip(),
        "phone": details.phone.strip(),
        "mobile": details.mobile.strip(),
        "staff_reference": details.staff_reference.strip(),
    }
    changes = {}
    for field, value in values.items():
        old = getattr(user, field)
        if old != value:
            changes[field] = [old, value]
            setattr(user, field, value)
    return changes


def clean_role_names(roles: Iterable[str]) -> list[str]:
    """The roles, sorted and without blanks; an unknown role is refused."""
    known = {role.value for role in Role}
    cleaned = sorted({role.strip() for role in roles if role.strip()})
    unknown = [role for role in cleaned if role not in known]
    if unknown:
        raise ValidationFailed(
            _("Unknown role: %(roles)s. Known roles: %(known)s.")
            % {"roles": ", ".join(unknown), "known": ", ".join(sorted(known))},
            field_errors={"roles": [_("Choose roles from the list of known roles.")]},
        )
    return cleaned
