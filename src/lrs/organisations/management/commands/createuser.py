from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core.actor import Channel
from lrs.core.errors import DomainError
from lrs.organisations.commands_support import describe_error
from lrs.organisations.selectors import find_organisation_by_ukprn
from lrs.organisations.services import AccountDetails, create_user, service_desk_system_actor


class Command(BaseCommand):
    help = "Create a user of an organisation with roles from its granted set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ukprn")
        parser.add_argument("username")
        parser.add_argument("--roles", required=True, help="e.g. online,view")
        parser.add_argument("--password", help="default: a random one, printed once")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = find_organisation_by_ukprn(options["ukprn"])
        if organisation is None:
            raise CommandError(f"No organisation has UKPRN {options['ukprn']}.")
        password = options["password"] or _random_password()
        try:
            user = create_user(
                actor=service_desk_system_actor(channel=Channel.CLI),
                organisation=organisation,
                username=options["username"],
                roles=options["roles"].split(","),
                password=password,
                details=AccountDetails(
                    given_name=options["first_name"],
                    family_name=options["last_name"],
                    email=options["email"],
                    verification_provided="",
                ),
            ).user
        except DomainError as exc:
            raise CommandError(describe_error(exc)) from exc
        self.stdout.write(
            f"Created user {user.username} of {organisation} ({','.join(user.roles)})"
        )
        if not options["password"]:
            self.stdout.write(f"One-time password: {password}")


def _random_password() -> str:
    # Three character classes guaranteed by construction, the rest random.
    return "Lrs-" + secrets.token_urlsafe(9) + "7a"
