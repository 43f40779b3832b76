from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.organisations.models import User
from lrs.organisations.services import issue_api_token


class Command(BaseCommand):
    help = "Print a new API token for the user (only the token, for scripts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="a label for the token")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user is called {options['username']}.")
        if not user.is_active:
            raise CommandError(f"User {user.username} is suspended.")
        self.stdout.write(issue_api_token(user=user, name=options["name"]).raw)
