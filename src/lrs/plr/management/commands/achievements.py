"""`lrs achievements submit FILE --user USERNAME [--wait] [--out PATH]` and
`lrs achievements output ID --user USERNAME [--out PATH]`: an awarding organisation's
achievement file through the batch machinery, as the portal's upload does."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.batches.models import BatchStatus
from lrs.batches.selectors import read_output
from lrs.batches.services import process_until_done, submit_upload
from lrs.core.actor import Actor, Channel
from lrs.core.errors import DomainError
from lrs.core.roles import Permission
from lrs.organisations.models import User
from lrs.plr.achievement_batches import KIND, achievement_counts


class Command(BaseCommand):
    help = "Submit an achievement file (awarding organisations) or fetch its output file."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        submit = actions.add_parser("submit", help="upload an achievement file (CSV)")
        submit.add_argument("file")
        submit.add_argument("--user", required=True, metavar="USERNAME")
        submit.add_argument(
            "--wait",
            action="store_true",
            help="wait until it is processed (processing it here if no worker does)",
        )
        submit.add_argument("--out", help="with --wait: where to write the output file")
        output = actions.add_parser("output", help="write a processed file's output file")
        output.add_argument("batch_id", type=int, metavar="ID")
        output.add_argument("--user", required=True, metavar="USERNAME")
        output.add_argument("--out")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.select_related("organisation").filter(username=options["user"]).first()
        if user is None or user.organisation is None or not user.is_active:
            raise CommandError(f"No active user of an organisation is called {options['user']}.")
        actor = Actor(user=user, channel=Channel.CLI)
        if not actor.can(Permission.SUBMIT_ACHIEVEMENTS):
            raise CommandError(
                f"User {user.username} cannot submit achievements: give them the awarding "
                "organisation role (ao)."
            )
        try:
            if options["action"] == "submit":
                self._submit(actor, options)
            else:
                self._output(actor, options["batch_id"], options["out"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _submit(self, actor: Actor, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with path.open("rb") as content:
            batch = submit_upload(actor=actor, file_name=path.name, content=content, kind=KIND)
        self.stdout.write(f"Submitted achievement file {batch.pk}: {batch.row_count} row(s).")
        if not options["wait"]:
            self.stdout.write(
                "The workers process it (lrs serve, lrs worker); then run "
                f"`lrs achievements output {batch.pk} --user {actor.user.username}`."
            )
            return
        deadline = time.monotonic() + 5
        while True:
            batch.refresh_from_db()
            if batch.status == BatchStatus.COMPLETE:
                break
            if time.monotonic() > deadline:
                process_until_done(batch_id=batch.pk)
                continue
            time.sleep(0.2)
        counts = achievement_counts(batch)
        self.stdout.write(
            f"Processed: {counts.created} recorded, {counts.updated} corrected, "
            f"{counts.unchanged} unchanged, {counts.rejected} rejected."
        )
        self._output(actor, batch.pk, options["out"])

    def _output(self, actor: Actor, batch_id: int, out: str | None) -> None:
        output = read_output(actor, batch_id, permission=Permission.SUBMIT_ACHIEVEMENTS)
        path = Path(out) if out else Path(output.file_name)
        path.write_bytes(output.content)
        self.stdout.write(f"Output: {path.resolve()}")
