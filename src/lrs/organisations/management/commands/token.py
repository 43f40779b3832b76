from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core.actor import Channel
from lrs.organisations.selectors import find_user_by_username
from lrs.organisations.services import (
    DEFAULT_TOKEN_DAYS,
    TOKEN_LIFETIMES_DAYS,
    issue_api_token,
    service_desk_system_actor,
)


class Command(BaseCommand):
    help = "Print a new API token for the user (only the token, for scripts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="a label for the token")
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_TOKEN_DAYS,
            choices=TOKEN_LIFETIMES_DAYS,
            help=f"how long the token works for (default {DEFAULT_TOKEN_DAYS} days)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = find_user_by_username(options["username"])
        if user is None:
            raise CommandError(f"No user is called {options['username']}.")
        if not user.is_active:
            raise CommandError(f"User {user.username} is suspended.")
        actor = service_desk_system_actor(channel=Channel.CLI)
        self.stdout.write(
            issue_api_token(actor=actor, user=user, name=options["name"], days=options["days"]).raw
        )
