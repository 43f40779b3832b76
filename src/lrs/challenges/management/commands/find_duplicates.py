from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lrs.challenges.duplicates import find_duplicates
from lrs.core.actor import Channel
from lrs.organisations.services import service_desk_system_actor


class Command(BaseCommand):
    help = (
        "Run the duplicate finder over the register: learners changed since the last run "
        "(the whole register the first time, or with --full). Progress is shown as it works "
        "and kept on the run, which the service desk's worklist page shows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="compare every learner again")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-9)
            self.stderr.write(f"\r{done:,}/{total:,} learners ({rate:,.0f}/s)", ending="")
            self.stderr.flush()

        run = find_duplicates(
            actor=service_desk_system_actor(channel=Channel.CLI),
            full=options["full"],
            progress=progress,
        )
        seconds = time.monotonic() - started
        self.stderr.write("")
        self.stdout.write(
            f"Compared {run.processed:,} learners in {seconds:.1f} s; "
            f"{run.pairs_found:,} suspected pairs"
        )
