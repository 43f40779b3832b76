"""Writes for users: a super user's management of their organisation's users (user guide
section 3, DESIGN 3.4), and the service desk's set-up of accounts.

Every function takes the actor, works only inside the actor's organisation (the service desk
may act for any organisation), and writes its audit row in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lrs.core.actor import Actor, ensure_can
from lrs.core.audit import AuditAction, record_audit
from lrs.core.errors import Conflict, NotFound, ValidationFailed
from lrs.core.roles import Permission, Role
from lrs.organisations.accounts import (
    AccountDetails,
    NewAccount,
    apply_account_details,
    clean_role_names,
    generate_one_time_password,
    generate_username,
    validate_account_details,
    validate_granted_roles,
)
from lrs.organisations.models import Organisation, SuspensionReason, User
from lrs.organisations.selectors import get_managed_organisation, get_managed_user
from lrs.organisations.signin import secret_answer_matches


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


def _audit_user(actor: Actor, action: AuditAction, user: User, **details: object) -> None:
    record_audit(
        actor=actor,
        action=action,
        details={"user_id": user.pk, "username": user.username, **details},
    )


def _set_up_account(
    *,
    organisation: Organisation,
    username: str,
    roles: Iterable[str],
    details: AccountDetails | None,
    password: str | None,
    must_change_password: bool,
) -> User:
    """The service desk's account with a chosen username (see `create_user`)."""
    cleaned_roles = clean_role_names(roles)
    not_granted = [role for role in cleaned_roles if role not in organisation.granted_roles]
    if not_granted:
        raise ValidationFailed(
            _("The organisation has not been granted the role(s): %(roles)s.")
            % {"roles": ", ".join(not_granted)},
            field_errors={"roles": [_("Not granted to this organisation.")]},
        )
    username = username.strip()
    if not username:
        raise ValidationFailed(field_errors={"username": [_("Enter a username.")]})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(
            _("The username %(username)s is already taken.") % {"username": username},
            field_errors={"username": [_("Already taken.")]},
        )
    user = User(
        username=username,
        organisation=organisation,
        roles=cleaned_roles,
        must_change_password=must_change_password,
    )
    if details is not None:
        apply_account_details(user, details)
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed(
                " ".join(exc.messages), field_errors={"password": list(exc.messages)}
            ) from exc
        user.set_password(password)
        user.password_changed_at = timezone.now()
    user.save()
    return user


@transaction.atomic
def create_user(
    *,
    actor: Actor,
    roles: Iterable[str],
    details: AccountDetails | None = None,
    organisation: Organisation | None = None,
    username: str | None = None,
    password: str | None = None,
    must_change_password: bool = True,
) -> NewAccount:
    """Create a user of the organisation with roles from its granted set, and audit it.

    A super user (or the service desk, for another organisation) gives the person's details:
    they are checked (a real person's name, an email address, how the person was verified; no
    generic accounts), the username is made from the names, and a one-time password, to be
    changed at the first sign-in, is returned once.

    Only the service desk may instead choose the `username` (the command line, demo data,
    scripts): then `details` are optional, `password` is the account's password (or none:
    no password works until one is reset), and `must_change_password=False` makes it the
    user's own rather than a one-time password.
    """
    scope = get_managed_organisation(actor=actor, organisation=organisation)
    if username is not None:
        ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
        user = _set_up_account(
            organisation=scope,
            username=username,
            roles=roles,
            details=details,
            password=password,
            must_change_password=must_change_password,
        )
        _audit_user(actor, AuditAction.USER_CREATED, user, roles=user.roles)
        return NewAccount(user=user, one_time_password=password or "")
    details = details or AccountDetails(
        given_name="", family_name="", email="", verification_provided=""
    )
    errors = validate_account_details(details)
    try:
        cleaned_roles = validate_granted_roles(scope, roles)
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
    apply_account_details(user, details)
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
    assert user.organisation is not None  # every managed user belongs to an organisation
    if not _active_super_users(user.organisation).exclude(pk=user.pk).exists():
        raise Conflict(
            _(
                "%(name)s is your organisation's only active super user. Create another super "
                "user first, so that someone can still manage your users."
            )
            % {"name": user.full_name or user.username}
        )


@transaction.atomic
def update_user(*, actor: Actor, user: User, details: AccountDetails, roles: Iterable[str]) -> User:
    """Change a user's details and roles (an account is never passed on to someone else)."""
    user = get_managed_user(actor=actor, user_id=user.pk)
    assert user.organisation is not None  # every managed user belongs to an organisation
    errors = validate_account_details(details)
    try:
        cleaned_roles = validate_granted_roles(user.organisation, roles)
    except ValidationFailed as exc:
        errors.update(exc.field_errors)
    if errors:
        raise ValidationFailed(field_errors=errors)
    _refuse_duplicate_person(user.organisation, details.email, exclude=user.pk)
    if Role.SUPER_USER.value not in cleaned_roles:
        _guard_last_super_user(user)
    changes = apply_account_details(user, details)
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


def _suspend(*, actor: Actor, user: User, reason: SuspensionReason) -> User:
    """Suspend the account (no permission check: its callers check theirs)."""
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
    return _suspend(actor=actor, user=user, reason=SuspensionReason.BY_SUPER_USER)


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


@transaction.atomic
def replace_super_user(
    *,
    actor: Actor,
    organisation: Organisation,
    super_user: AccountDetails,
    suspend: Iterable[User] = (),
) -> NewAccount:
    """Create a new super user for an organisation that has lost its own (user guide 3.6).

    Optionally suspend the old super user accounts at the same time.
    """
    ensure_can(actor, Permission.MANAGE_ORGANISATIONS)
    old_super_users = list(suspend)
    if any(old.organisation_id != organisation.pk for old in old_super_users):
        raise NotFound(_("Only the organisation's own users can be suspended when replacing."))
    account = create_user(
        actor=actor, details=super_user, roles=[Role.SUPER_USER.value], organisation=organisation
    )
    for old in User.objects.filter(pk__in=[old.pk for old in old_super_users]):
        _suspend(actor=actor, user=old, reason=SuspensionReason.BY_SERVICE_DESK)
    record_audit(
        actor=actor,
        action=AuditAction.SUPER_USER_REPLACED,
        details={"ukprn": organisation.ukprn, "new_username": account.user.username},
    )
    return account
