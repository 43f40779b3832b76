from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lrs.challenges.duplicates import find_duplicates, request_duplicate_run
from lrs.core.actor import Channel
from lrs.organisations.services import service_desk_system_actor


class Command(BaseCommand):
    help = (
        "Run the duplicate finder over the register: learners changed since the last run "
        "(the whole register the first time, or with --full). Queues the run for a worker "
        "(the one inside lrs serve or lrs demo, lrs worker, or with LRS_QUEUE=rq lrs worker "
        "--rq), whose progress the service desk's worklist page shows; with --now, runs it "
        "here and shows its progress as it works."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="compare every learner again")
        parser.add_argument(
            "--now", action="store_true", help="run in this process instead of queuing a job"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = service_desk_system_actor(channel=Channel.CLI)
        if not options["now"]:
            run, new = request_duplicate_run(actor=actor, full=options["full"])
            if new:
                self.stdout.write(
                    f"Queued duplicate run {run.pk}; a worker runs it when it has no batch rows "
                    "to do. Its progress shows on the service desk's suspected duplicates page."
                )
            else:
                self.stdout.write(
                    f"Duplicate run {run.pk} is already {run.state}; nothing more queued."
                )
            return
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-9)
            self.stderr.write(f"\r{done:,}/{total:,} learners ({rate:,.0f}/s)", ending="")
            self.stderr.flush()

        run = find_duplicates(actor=actor, full=options["full"], progress=progress)
        seconds = time.monotonic() - started
        self.stderr.write("")
        self.stdout.write(
            f"Compared {run.processed:,} learners in {seconds:.1f} s; "
            f"{run.pairs_found:,} suspected pairs"
        )
