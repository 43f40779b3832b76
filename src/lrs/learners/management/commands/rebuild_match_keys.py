from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lrs.learners.matching_adapter import KeyRebuild, rebuild_keys


class Command(BaseCommand):
    help = (
        "Bring every learner's stored blocking keys up to the current key scheme: after an "
        "upgrade that adds or changes a kind of search key, learners stored before it are "
        "found through the new keys only once this has run. Adds missing keys and removes "
        "keys no longer made, a chunk of learners per transaction; safe to stop, to run again "
        "and to run while the service is up."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chunk", type=int, default=2_000, help="learners per transaction")
        parser.add_argument("--quiet", action="store_true", help="no progress lines")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        every = 50_000
        reported = [0]

        def progress(done: KeyRebuild) -> None:
            if options["quiet"] or done.learners - reported[0] < every:
                return
            reported[0] = done.learners
            self.stdout.write(
                f"{done.learners:,} learners, {done.added:,} keys added, "
                f"{done.removed:,} removed ({time.perf_counter() - started:.0f} s)"
            )

        result = rebuild_keys(chunk=options["chunk"], progress=progress)
        self.stdout.write(
            f"Keys rebuilt: {result.learners:,} learners, {result.added:,} keys added, "
            f"{result.removed:,} removed, in {time.perf_counter() - started:.1f} s."
        )
