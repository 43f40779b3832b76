"""Writes for organisations, users and API tokens; reads are in `lrs.organisations.selectors`,
the rules for an account's details in `lrs.organisations.accounts`.

- `organisations`: the provider register, the service desk's registration of an organisation,
  and the system's own actor;
- `users`: creating and managing users;
- `tokens`: API tokens;
- `web_services`: the organisation's SOAP web-service credential.
"""

from lrs.organisations.accounts import (
    AccountDetails,
    NewAccount,
    clean_role_names,
    generate_one_time_password,
    generate_username,
)
from lrs.organisations.models import SERVICE_DESK_UKPRN, SYSTEM_USERNAME
from lrs.organisations.services.organisations import (
    create_organisation,
    register_organisation,
    service_desk_system_actor,
)
from lrs.organisations.services.tokens import (
    DEFAULT_TOKEN_DAYS,
    TOKEN_LIFETIMES_DAYS,
    TOKEN_PREFIX,
    IssuedToken,
    authenticate_api_token,
    get_api_token,
    issue_api_token,
    list_api_tokens,
    revoke_api_token,
    rotate_api_token,
)
from lrs.organisations.services.users import (
    create_user,
    delete_user,
    reactivate_user,
    replace_super_user,
    reset_user_password,
    suspend_user,
    update_user,
    verify_user_identity,
)
from lrs.organisations.services.web_services import (
    WebServiceSignIn,
    WebServiceSignInResult,
    authenticate_web_service,
    get_web_service_credential,
    set_web_service_password,
)

__all__ = [
    "DEFAULT_TOKEN_DAYS",
    "SERVICE_DESK_UKPRN",
    "SYSTEM_USERNAME",
    "TOKEN_LIFETIMES_DAYS",
    "TOKEN_PREFIX",
    "AccountDetails",
    "IssuedToken",
    "NewAccount",
    "WebServiceSignIn",
    "WebServiceSignInResult",
    "authenticate_api_token",
    "authenticate_web_service",
    "clean_role_names",
    "create_organisation",
    "create_user",
    "delete_user",
    "generate_one_time_password",
    "generate_username",
    "get_api_token",
    "get_web_service_credential",
    "issue_api_token",
    "list_api_tokens",
    "reactivate_user",
    "register_organisation",
    "replace_super_user",
    "reset_user_password",
    "revoke_api_token",
    "rotate_api_token",
    "service_desk_system_actor",
    "set_web_service_password",
    "suspend_user",
    "update_user",
    "verify_user_identity",
]
