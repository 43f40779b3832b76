"""Forms of user management (user guide section 3) and of the service desk (section 3.6).

The forms only collect and tidy what was typed; the rules (granted roles, the last super
user, duplicate people, generic names) live in the services, whose refusals the views put
back on these forms.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lrs.core.roles import Role
from lrs.organisations.models import Organisation, OrganisationType, User, UserStatus
from lrs.organisations.services import AccountDetails

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

ALL_ROLES = "all"

# What each role allows (user guide, Appendix A), shown as hints next to the roles.
ROLE_DESCRIPTIONS: dict[str, Promise] = {
    Role.SUPER_USER.value: _(
        "The highest level role in your organisation: manages all of its users. It gives access "
        "to user management only."
    ),
    Role.BATCH.value: _("Submit batch files and view the results and progress of batch jobs."),
    Role.ONLINE.value: _("Find learners, register learners and update learner records."),
    Role.VIEW_ONLY.value: _(
        "The lowest level of access: find learner records, but not register learners or update "
        "their records."
    ),
    Role.LEARNER_RECORD.value: _(
        "View and print the Personal Learning Record (PLR) of a learner found with Find a learner."
    ),
    Role.VERIFY_LEARNER.value: _("Verify learners' details using Learner Verification."),
    Role.AWARDING.value: _(
        "Record achievements of your awarding organisation's qualifications and run credit "
        "checks (awarding organisations only)."
    ),
}


def assignable_roles(organisation: Organisation | None) -> list[tuple[str, str]]:
    """The roles a super user may give in this organisation: its granted set, never the desk's."""
    granted = set(organisation.granted_roles) if organisation is not None else set()
    return [
        (role.value, str(role.label))
        for role in Role
        if role.value in granted and role is not Role.SERVICE_DESK
    ]


def role_labels(roles: Iterable[str]) -> list[str]:
    """Readable names of role codes, in the order of Appendix A."""
    held = set(roles)
    return [str(role.label) for role in Role if role.value in held]


class RoleCheckboxes(forms.CheckboxSelectMultiple):
    """Role checkboxes; ``item_hints`` maps a role to the description shown under it.

    Each option's hint is in its ``hint`` key (``portal/users/_role_checkboxes.html``).
    """

    def __init__(
        self, *args: Any, item_hints: dict[str, Promise] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.item_hints = dict(item_hints or {})

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["hint"] = self.item_hints.get(str(option["value"]), "")
        return option


def _text(
    label: StrPromise, *, required: bool = True, max_length: int = 150, **kwargs: Any
) -> forms.CharField:
    return forms.CharField(label=label, required=required, max_length=max_length, **kwargs)


class AccountDetailsForm(forms.Form):
    """A person's account details (user guide 3.5.3 and 3.5.4); * fields are mandatory."""

    title = _text(
        _("Title"),
        required=False,
        max_length=35,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    given_name = _text(
        _("Given name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the user's given name")},
    )
    family_name = _text(
        _("Family name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the user's family name")},
    )
    email = _text(
        _("Email address"),
        max_length=254,
        help_text=_("Their own work email address. They need it to reset a forgotten password."),
        widget=forms.EmailInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the user's email address")},
    )
    phone = _text(
        _("Telephone"),
        required=False,
        max_length=35,
        help_text=_("We highly recommend that you record a contact telephone number."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    mobile = _text(
        _("Mobile"),
        required=False,
        max_length=35,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    staff_reference = _text(_("Staff ID or your reference"), required=False, max_length=50)
    verification_provided = _text(
        _("Verification provided"),
        max_length=255,
        help_text=_(
            "How you checked this person is authorised to use the service, such as their staff ID "
            "or school email address. Do not enter their secret question or its answer."
        ),
        error_messages={
            "required": _("Enter how you verified this person, such as a staff ID or work email")
        },
    )

    # The order of fields in the service's error messages and on the page.
    detail_fields = (
        "title",
        "given_name",
        "family_name",
        "email",
        "phone",
        "mobile",
        "staff_reference",
        "verification_provided",
    )

    @classmethod
    def initial_for(cls, user: User) -> dict[str, Any]:
        return {
            "title": user.title,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "email": user.email,
            "phone": user.phone,
            "mobile": user.mobile,
            "staff_reference": user.staff_reference,
            "verification_provided": user.verification_provided,
        }

    def account_details(self) -> AccountDetails:
        data = self.cleaned_data
        return AccountDetails(
            given_name=data["given_name"],
            family_name=data["family_name"],
            email=data["email"],
            verification_provided=data["verification_provided"],
            title=data.get("title", ""),
            phone=data.get("phone", ""),
            mobile=data.get("mobile", ""),
            staff_reference=data.get("staff_reference", ""),
        )


class UserAccountForm(AccountDetailsForm):
    """Create or update a user: details plus roles from the organisation's granted set."""

    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        help_text=_("Give only the access this person needs for their job. Select all that apply."),
        widget=RoleCheckboxes(item_hints=ROLE_DESCRIPTIONS),
        error_messages={
            "required": _("Choose at least one role"),
            "invalid_choice": _("Your organisation has not been granted this role"),
        },
    )

    def __init__(self, *args: Any, organisation: Organisation | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = self.fields["roles"]
        assert isinstance(roles, forms.MultipleChoiceField)
        roles.choices = assignable_roles(organisation)


class UserSearchForm(forms.Form):
    """Find users (user guide 3.3): blank criteria and All roles list everyone."""

    mark_optional_fields = False

    username = _text(
        _("Username"),
        required=False,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    given_name = _text(_("Given name"), required=False)
    family_name = _text(_("Family name"), required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        required=False,
        help_text=_("Users with any of the roles you select. Select All roles to list everyone."),
        widget=forms.CheckboxSelectMultiple,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        initial="",
        choices=[("", _("Any")), *UserStatus.choices],
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, organisation: Organisation | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = self.fields["roles"]
        assert isinstance(roles, forms.MultipleChoiceField)
        roles.choices = [(ALL_ROLES, _("All roles")), *assignable_roles(organisation)]

    def wanted_roles(self) -> list[str]:
        """The roles to filter on; none (so every user) when All roles is ticked."""
        roles = list(self.cleaned_data.get("roles") or [])
        return [] if ALL_ROLES in roles else roles


class ConfirmForm(forms.Form):
    """An empty form behind a confirmation button, to carry a service's refusal to the page."""


class VerifyIdentityForm(forms.Form):
    answer = _text(
        _("Their answer"),
        max_length=100,
        help_text=_("Capital letters and spaces don't matter."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={"required": _("Enter the answer the user gave")},
    )


# --- Service desk ---------------------------------------------------------------------------


class OrganisationSearchForm(forms.Form):
    mark_optional_fields = False
    query = _text(
        _("Name or UKPRN"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )


def _grantable_roles() -> list[tuple[str, str]]:
    """Roles the desk may grant besides super user, which every organisation has."""
    return [
        (role.value, str(role.label))
        for role in Role
        if role not in (Role.SUPER_USER, Role.SERVICE_DESK)
    ]


def _organisation_types() -> list[tuple[str, str]]:
    return [
        (value, str(label))
        for value, label in OrganisationType.choices
        if value != OrganisationType.SERVICE_DESK
    ]


class RegisterOrganisationForm(AccountDetailsForm):
    """A new learner registration body and its first super user."""

    ukprn = _text(
        _("UKPRN"),
        max_length=8,
        help_text=_("The 8-digit UK provider reference number, for example 10012345."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={"required": _("Enter the organisation's UKPRN")},
    )
    name = _text(
        _("Organisation name"),
        max_length=255,
        error_messages={"required": _("Enter the organisation's name")},
    )
    organisation_type = forms.ChoiceField(
        label=_("Type of organisation"),
        choices=_organisation_types,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the type of organisation")},
    )
    granted_roles = forms.MultipleChoiceField(
        label=_("Roles the organisation is granted"),
        required=False,
        help_text=_(
            "Super user is always granted. Its super users can give their users only the roles "
            "you select."
        ),
        choices=_grantable_roles,
        widget=RoleCheckboxes(item_hints=ROLE_DESCRIPTIONS),
    )

    field_order = ["ukprn", "name", "organisation_type", "granted_roles"]


class ReplaceSuperUserForm(AccountDetailsForm):
    """A new super user for an organisation that has lost its own (user guide 3.6)."""

    suspend = forms.TypedMultipleChoiceField(
        label=_("Suspend existing super users"),
        required=False,
        coerce=int,
        help_text=_(
            "Select any who have left or should no longer manage users. Leave all unselected to "
            "keep them."
        ),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, current: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = {user.pk: user for user in current}
        suspend = self.fields["suspend"]
        assert isinstance(suspend, forms.TypedMultipleChoiceField)
        suspend.choices = [
            (user.pk, f"{user.full_name or user.username} ({user.username})")
            for user in self.current.values()
        ]

    def users_to_suspend(self) -> list[User]:
        return [self.current[pk] for pk in self.cleaned_data.get("suspend") or []]
