from __future__ import annotations

import codecs
import csv
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from lrs.core.actor import Channel
from lrs.core.errors import DomainError
from lrs.learners.imports import check_columns, import_learners
from lrs.organisations.services import service_desk_system_actor


class Command(BaseCommand):
    help = (
        "Bulk load learners that already have ULNs from a CSV file whose header uses the real "
        "service's field names (ULN,GivenName,MiddleOtherName,FamilyName,...,DateOfBirth,Gender,"
        "LastKnownPostCode,...). Bad rows are reported and skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV file (UTF-8 or Windows-1252); '-' for stdin")
        parser.add_argument("--rejects", help="write rejected rows and reasons to this CSV file")
        parser.add_argument("--quiet", action="store_true", help="no progress lines")
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="worker processes that validate rows and work out their keys (default: the "
            "number of CPUs on PostgreSQL, 1 on SQLite, whose single writer is the limit)",
        )
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="into an empty register on PostgreSQL, keep the indexes and constraints of "
            "the learners and blocking keys during the load, and check each chunk against the "
            "register (by default they are dropped and built again after it, and the load is "
            "the register's only writer, which is faster)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        started = time.perf_counter()
        # Stopped by SIGTERM (a service manager, a CI time-out), the load ends as on Ctrl-C:
        # by an exception, so the indexes dropped for it are built again before the exit.
        previous = signal.signal(signal.SIGTERM, _stop) if _main_thread() else None
        try:
            if path == "-":
                report = self._load(sys.stdin, options)
            else:
                if not Path(path).is_file():
                    raise CommandError(f"No such file: {path}")
                report = self._load_file(Path(path), options)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Loaded {report.loaded} learners, rejected {report.rejected}, in {elapsed:.1f} s "
            f"({report.loaded / elapsed if elapsed else 0:.0f} rows/s)."
        )
        for rejection in report.rejections[:10]:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in rejection.errors.items())
            self.stdout.write(f"  row {rejection.row_number} (ULN {rejection.uln}): {problems}")
        if options["rejects"] and report.rejections:
            with open(options["rejects"], "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["Row", "ULN", "Field", "Problem"])
                for rejection in report.rejections:
                    for field, messages in rejection.errors.items():
                        writer.writerow(
                            [rejection.row_number, rejection.uln, field, " ".join(messages)]
                        )

    def _load_file(self, path: Path, options: dict[str, Any]) -> Any:
        # Streamed: a national register's file (10M rows, over a gigabyte) is never held in
        # memory whole. One pass checks the encoding, the second loads the rows.
        encoding = _file_encoding(path)
        with path.open(encoding=encoding, newline="") as stream:
            return self._load(stream, options)

    def _load(self, stream: Any, options: dict[str, Any]) -> Any:
        reader = csv.DictReader(stream)
        if reader.fieldnames is None:
            raise CommandError("The file is empty.")
        check_columns(reader.fieldnames)
        actor = service_desk_system_actor(channel=Channel.CLI)
        started = time.perf_counter()

        def progress(loaded: int, rejected: int) -> None:
            if not options["quiet"]:
                rate = loaded / max(time.perf_counter() - started, 1e-9)
                self.stderr.write(f"  {loaded} loaded, {rejected} rejected ({rate:.0f} rows/s)")

        def note(message: str) -> None:
            if not options["quiet"]:
                self.stderr.write(f"  {message}")

        return import_learners(
            rows=reader,
            actor=actor,
            progress=progress,
            jobs=_jobs(options),
            note=note,
            keep_indexes=options["keep_indexes"],
        )


def _main_thread() -> bool:
    # Only the main thread may set a signal handler (call_command may run elsewhere).
    return threading.current_thread() is threading.main_thread()


def _stop(signum: int, frame: object) -> None:
    # A second SIGTERM stops the process at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    raise SystemExit(128 + signum)


def _jobs(options: dict[str, Any]) -> int:
    jobs = options.get("jobs")
    if jobs is not None:
        if jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        return int(jobs)
    if connection.vendor != "postgresql":
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _file_encoding(path: Path) -> str:
    """UTF-8 (with or without a byte order mark) when the whole file decodes as UTF-8, else
    Windows-1252; read in blocks, so checking a large file costs no memory."""
    failed_at = 0
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = 0
        try:
            with path.open("rb") as fh:
                while block := fh.read(1 << 20):
                    decoder.decode(block)
                    offset += len(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            failed_at = offset + exc.start
            continue
        return encoding
    raise CommandError(f"{path} is neither UTF-8 nor Windows-1252 text (byte {failed_at}).")
