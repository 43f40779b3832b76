"""`lrs import-ilr FILE.XML` and `lrs import-npd FILE.csv` share this: the service desk loads a
data return, sees progress, and gets a file of per-row outcomes."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core.actor import Channel
from lrs.core.errors import DomainError
from lrs.organisations.services import service_desk_system_actor
from lrs.plr.outcomes import outcomes_csv
from lrs.plr.returns import ParsedReturn
from lrs.plr.services import import_data_return


class DataReturnCommand(BaseCommand):
    source = ""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--out", help="write each row's outcome to this CSV file")
        parser.add_argument("--quiet", action="store_true", help="no progress lines")

    def parse(self, content: bytes, path: Path, options: dict[str, Any]) -> ParsedReturn:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = service_desk_system_actor(channel=Channel.CLI)
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if not options["quiet"]:
                sys.stderr.write(f"\r{done} of {total} rows")
                sys.stderr.flush()

        try:
            parsed = self.parse(path.read_bytes(), path, options)
            report = import_data_return(
                actor=actor,
                source=self.source,
                submitter_ukprn=parsed.submitter_ukprn,
                rows=parsed.rows,
                progress=progress,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if not options["quiet"]:
            sys.stderr.write("\n")
        elapsed = time.perf_counter() - started
        totals = report.totals
        self.stdout.write(
            f"{self.source} return from {parsed.submitter_ukprn}: {len(report.outcomes)} rows "
            f"in {elapsed:.1f} s: {totals['created']} created, {totals['updated']} updated, "
            f"{totals['unchanged']} unchanged, {totals['rejected']} rejected"
            + (f", {parsed.skipped} programme aims skipped." if parsed.skipped else ".")
        )
        for outcome in [o for o in report.outcomes if o.code][:10]:
            self.stdout.write(f"  row {outcome.position}: {outcome.code}: {outcome.message}")
        if options["out"]:
            Path(options["out"]).write_bytes(outcomes_csv(report))
            self.stdout.write(f"Outcomes written to {options['out']}.")
