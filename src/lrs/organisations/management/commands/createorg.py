from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core.actor import Channel
from lrs.core.errors import DomainError
from lrs.organisations.commands_support import describe_error
from lrs.organisations.models import OrganisationType
from lrs.organisations.services import create_organisation, service_desk_system_actor


class Command(BaseCommand):
    help = "Add an organisation (by UKPRN) and the roles it is granted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ukprn")
        parser.add_argument("name")
        parser.add_argument(
            "--type", default=OrganisationType.COLLEGE, choices=OrganisationType.values
        )
        parser.add_argument(
            "--roles",
            default="super,batch,online,view,plr,vld",
            help="comma-separated: super,batch,online,view,plr,vld,operator",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organisation = create_organisation(
                actor=service_desk_system_actor(channel=Channel.CLI),
                ukprn=options["ukprn"],
                name=options["name"],
                organisation_type=options["type"],
                granted_roles=options["roles"].split(","),
            )
        except DomainError as exc:
            raise CommandError(describe_error(exc)) from exc
        self.stdout.write(
            f"Created {organisation} with roles {','.join(organisation.granted_roles)}"
        )
