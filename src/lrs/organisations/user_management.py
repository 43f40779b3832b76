"""A super user's management of their organisation's users (user guide section 3, DESIGN 3.4).

Every function takes the acting super user, works only inside the actor's organisation (the
service desk may act for any organisation), and writes its audit row in the same transaction.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import Conflict, NotFound, ValidationFailed
from lrs.core.roles import Permission, Role
from lrs.organisations.models import Organisation, SuspensionReason, User, UserStatus
from lrs.organisations.services import SYSTEM_USERNAME
from lrs.organisations.signin import secret_answer_matches

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


def _organisation_of(actor: Actor, organisation: Organisation | None) -> Organisation:
    """The organisation whose users the actor manages: their own, or any for the service desk."""
    ensure_can(actor, Permission.MANAGE_USERS)
    if organisation is None or organisation.pk == actor.organisation.pk:
        return actor.organisation
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    return organisation


def _managed_users(actor: Actor, organisation: Organisation | None = None) -> QuerySet[User]:
    scope = _organisation_of(actor, organisation)
    return User.objects.filter(organisation=scope).exclude(username=SYSTEM_USERNAME)


def get_managed_user(*, actor: Actor, user_id: int) -> User:
    """A user of the actor's own organisation; another organisation's user is simply not found.

    This holds for the service desk too: it does not reset other organisations' passwords or
    unlock their accounts (user guide 3.2); it only creates a super user for an organisation
    that has lost its own (`service_desk.replace_super_user`).
    """
    ensure_can(actor, Permission.MANAGE_USERS)
    user = (
        User.objects.select_related("organisation")
        .exclude(username=SYSTEM_USERNAME)
        .filter(organisation=actor.organisation, pk=user_id)
        .first()
    )
    if user is None:
        raise NotFound(_("There is no such user in your organisation."))
    return user


def find_users(
    *,
    actor: Actor,
    username: str = "",
    given_name: str = "",
    family_name: str = "",
    roles: Iterable[str] = (),
    status: str = "",
    organisation: Organisation | None = None,
) -> QuerySet[User]:
    """Users of the organisation matching every criterion given; blank criteria match all.

    Leaving everything blank lists every user: the annual audit of user guide 3.3. With roles,
    users holding any of them are listed.
    """
    users = _managed_users(actor, organisation)
    if username.strip():
        users = users.filter(username__icontains=username.strip())
    if given_name.strip():
        users = users.filter(first_name__icontains=given_name.strip())
    if family_name.strip():
        users = users.filter(last_name__icontains=family_name.strip())
    wanted = [role for role in roles if role]
    if wanted:
        # Roles are a JSON list of strings; its text holds each role in double quotes, which
        # both databases can test (JSON `contains` is not available on SQLite).
        condition = Q()
        for role in wanted:
            condition |= Q(roles__icontains=f'"{role}"')
        users = users.filter(condition)
    if status == UserStatus.ACTIVE:
        users = users.filter(is_active=True)
    elif status == UserStatus.SUSPENDED:
        users = users.filter(is_active=False)
    return users.order_by("last_name", "first_name", "username")


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


def _is_generic(name: str) -> bool:
    """Whether the name is made only of generic words ("Guest", "Exams Office", "Data Team")."""
    words = [word for word in (_ascii_slug(part) for part in re.split(r"[\s._-]+", name)) if word]
    return _ascii_slug(name) in GENERIC_NAMES or (
        bool(words) and all(word in GENERIC_NAMES for word in words)
    )


def _validate_details(details: AccountDetails) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not details.given_name.strip():
        errors["given_name"] = [_("Enter the user's given name.")]
    elif _is_generic(details.given_name):
        errors["given_name"] = [_("Enter a person's real name: generic accounts are not allowed.")]
    if not details.family_name.strip():
        errors["family_name"] = [_("Enter the user's family name.")]
    elif len(details.family_name.split()) > 1 and _is_generic(details.family_name):
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


def _validate_roles(organisation: Organisation, roles: Iterable[str]) -> list[str]:
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


def _apply(user: User, details: AccountDetails) -> dict[str, list[str]]:
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


def _refuse_duplicate_person(organisation: Organisation, email: str, exclude: int | None) -> None:
    others = User.objects.filter(organisation=organisation, email__iexact=email.strip())
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationFailed(
            field_errors={
                "email": [
                    _(
                        "A user in your organisation already has this email address. Each "
                        "person has one account: update that one instead."
                    )
                ]
            }
        )


def _audit_user(actor: Actor, action: str, user: User, **details: object) -> None:
    record_audit(
        actor=actor,
        action=action,
        details={"user_id": user.pk, "username": user.username, **details},
    )


@transaction.atomic
def create_user_account(
    *,
    actor: Actor,
    details: AccountDetails,
    roles: Iterable[str],
    organisation: Organisation | None = None,
) -> NewAccount:
    """Create a user with a generated username and a one-time password to change at sign-in."""
    scope = _organisation_of(actor, organisation)
    errors = _validate_details(details)
    try:
        cleaned_roles = _validate_roles(scope, roles)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(field_errors=errors)
    _refuse_duplicate_person(scope, details.email, exclude=None)
    password = generate_one_time_password()
    user = User(
        username=generate_username(details.given_name, details.family_name),
        organisation=scope,
        roles=cleaned_roles,
        must_change_password=True,
    )
    _apply(user, details)
    user.set_password(password)
    user.save()
    _audit_user(actor, AuditAction.USER_CREATED, user, roles=cleaned_roles)
    return NewAccount(user=user, one_time_password=password)


def _active_super_users(organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(
        organisation=organisation, is_active=True, roles__icontains=f'"{Role.SUPER_USER.value}"'
    )


def _guard_last_super_user(user: User) -> None:
    """Refuse a change that would leave the organisation with no active super user."""
    if Role.SUPER_USER.value not in user.roles or not user.is_active:
        return
    if not _active_super_users(user.organisation).exclude(pk=user.pk).exists():
        raise Conflict(
            _(
                "%(name)s is your organisation's only active super user. Create another super "
                "user first, so that someone can still manage your users."
            )
            % {"name": user.full_name or user.username}
        )


@transaction.atomic
def update_user_account(
    *, actor: Actor, user: User, details: AccountDetails, roles: Iterable[str]
) -> User:
    """Change a user's details and roles (an account is never passed on to someone else)."""
    user = get_managed_user(actor=actor, user_id=user.pk)
    errors = _validate_details(details)
    try:
        cleaned_roles = _validate_roles(user.organisation, roles)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(field_errors=errors)
    _refuse_duplicate_person(user.organisation, details.email, exclude=user.pk)
    if Role.SUPER_USER.value not in cleaned_roles:
        _guard_last_super_user(user)
    changes = _apply(user, details)
    if sorted(user.roles) != cleaned_roles:
        changes["roles"] = [sorted(user.roles), cleaned_roles]
        user.roles = cleaned_roles
    if changes:
        user.save()
        _audit_user(actor, AuditAction.USER_UPDATED, user, changes=changes)
    return user


def _refuse_own_account(actor: Actor, user: User, message: str) -> None:
    if user.pk == actor.user.pk:
        raise Conflict(message)


def suspend_account(*, actor: Actor, user: User, reason: str) -> User:
    """Suspend the account (no permission check: callers check theirs)."""
    if not user.is_active:
        return user
    _guard_last_super_user(user)
    user.is_active = False
    user.suspension_reason = reason
    user.save(update_fields=["is_active", "suspension_reason"])
    _audit_user(actor, AuditAction.USER_SUSPENDED, user)
    return user


@transaction.atomic
def suspend_user(*, actor: Actor, user: User) -> User:
    """Stop a user signing in until a super user reactivates them."""
    user = get_managed_user(actor=actor, user_id=user.pk)
    _refuse_own_account(actor, user, _("You can't suspend your own account."))
    return suspend_account(actor=actor, user=user, reason=SuspensionReason.BY_SUPER_USER)


@transaction.atomic
def reactivate_user(*, actor: Actor, user: User) -> User:
    """Let a suspended user sign in again; the count of wrong passwords starts again."""
    user = get_managed_user(actor=actor, user_id=user.pk)
    if user.is_active:
        return user
    reason = user.suspension_reason
    user.is_active = True
    user.suspension_reason = SuspensionReason.NONE
    user.failed_sign_ins = 0
    user.save(update_fields=["is_active", "suspension_reason", "failed_sign_ins"])
    _audit_user(actor, AuditAction.USER_REACTIVATED, user, was=reason)
    return user


@transaction.atomic
def delete_user(*, actor: Actor, user: User) -> None:
    """Remove the account of someone who has left or no longer needs access (guide 3.5.5).

    The audit trail keeps the username, organisation and every action the user took.
    """
    user = get_managed_user(actor=actor, user_id=user.pk)
    _refuse_own_account(actor, user, _("You can't delete your own account."))
    _guard_last_super_user(user)
    _audit_user(actor, AuditAction.USER_DELETED, user, name=user.full_name)
    user.delete()


@transaction.atomic
def reset_user_password(*, actor: Actor, user: User) -> NewAccount:
    """Give the user a new one-time password, shown once to the super user (guide 3.5.6.4)."""
    user = get_managed_user(actor=actor, user_id=user.pk)
    password = generate_one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.failed_sign_ins = 0
    user.save(update_fields=["password", "must_change_password", "failed_sign_ins"])
    _audit_user(actor, AuditAction.USER_PASSWORD_RESET, user)
    return NewAccount(user=user, one_time_password=password)


@transaction.atomic
def verify_user_identity(*, actor: Actor, user: User, answer: str) -> bool:
    """Check a remote user's answer to their secret question (case does not matter)."""
    user = get_managed_user(actor=actor, user_id=user.pk)
    if not user.secret_answer_hash:
        raise Conflict(
            _("This user has not yet set a secret question; they do so at their first sign-in.")
        )
    verified = secret_answer_matches(user, answer)
    _audit_user(actor, AuditAction.USER_IDENTITY_VERIFIED, user, verified=verified)
    return verified
