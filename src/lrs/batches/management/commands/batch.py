"""`lrs batch`: submit a batch file or CTF, and fetch a batch's output, as a batch user.

    lrs batch submit FILE --user USERNAME [--type FUL|CHK] [--kind batch|ctf] [--wait]
                          [--out PATH] [--poll SECONDS] [--grace SECONDS]
    lrs batch output ID --user USERNAME [--out PATH]

The command acts as the named user (who needs the batch role) of the user's organisation, as
the portal and the API would: the file name's UKPRN must be that organisation's, and only its
batches can be read. A file that is XML with a ``CTfile`` root is read as a Common Transfer File
unless ``--kind`` says otherwise.

`submit` queues the batch for the workers (`lrs serve`, `lrs worker`). With ``--wait`` it
follows the batch until it is complete, then prints the totals and writes the output file
(``--out``, a file or an existing folder to write it in; default: the output file's own name in
the current folder). When no worker is running (none has a fresh heartbeat) it processes the
rows itself at once, so the command works alone, on SQLite too; when one is, it follows the
batch every ``--poll`` seconds, and takes the rows itself if none has been processed for
``--grace`` seconds (the worker busy with other batches, or gone). A worker and the command
can share a batch safely.

`output` writes a complete batch's output file (for a CTF, the returned CTF and, next to it,
the exceptions spreadsheet). Each file written is audited as a download.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.batches import selectors
from lrs.batches.models import Batch, BatchStatus, FileFormat, SubmissionType
from lrs.batches.selectors import batch_counts
from lrs.batches.services import process_until_done, submit_upload
from lrs.batches.uploads import upload_kind_names
from lrs.core.actor import Actor, Channel
from lrs.core.errors import DomainError
from lrs.core.roles import Permission
from lrs.organisations.commands_support import describe_error
from lrs.organisations.models import User

DEFAULT_POLL_SECONDS = 0.2
DEFAULT_GRACE_SECONDS = 3.0


class Command(BaseCommand):
    help = "Submit a batch file or CTF (submit), or write a batch's output file (output)."
    # A user's command, timed end to end (bench/batch_wait.py): Django's system checks import
    # the whole web layer (the API's schemas, the portal's views) that it never uses, which
    # was about a sixth of its time. `lrs check` runs them.
    requires_system_checks: list[str] = []  # noqa: RUF012 - Django's own attribute

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="submit|output")

        submit = actions.add_parser("submit", help="submit a batch file (CSV/XML) or a CTF")
        submit.add_argument("file", help="LRB_<UKPRN>_<DDMMYYYYHHMM>.CSV or .XML, or a CTF")
        _user_argument(submit)
        submit.add_argument(
            "--type",
            dest="submission_type",
            type=str.upper,
            choices=SubmissionType.values,
            help="FUL: find, else register; CHK: find only (default: the file's, else FUL)",
        )
        submit.add_argument(
            "--kind",
            choices=upload_kind_names(),
            help="read the file as a batch file or a CTF (default: decided from the file)",
        )
        submit.add_argument(
            "--wait",
            action="store_true",
            help="wait until the batch is complete, print its totals and write its output",
        )
        submit.add_argument(
            "--out", help="with --wait: where to write the output file (a file or a folder)"
        )
        submit.add_argument(
            "--poll",
            type=float,
            default=DEFAULT_POLL_SECONDS,
            help=f"with --wait: seconds between looks (default {DEFAULT_POLL_SECONDS:g})",
        )
        submit.add_argument(
            "--grace",
            type=float,
            default=DEFAULT_GRACE_SECONDS,
            help="with --wait: process the rows here when none has been processed for this "
            f"many seconds (default {DEFAULT_GRACE_SECONDS:g}; 0: at once)",
        )

        output = actions.add_parser("output", help="write a complete batch's output file")
        output.add_argument("batch_id", type=int, metavar="ID")
        _user_argument(output)
        output.add_argument(
            "--out", help="where to write it: a file or a folder (default: its own name, here)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = _actor(options["user"])
        try:
            if options["action"] == "submit":
                self._submit(actor, options)
            else:
                self._output(actor, options["batch_id"], options["out"])
        except DomainError as exc:
            raise CommandError(describe_error(exc)) from exc

    # --- submit ---------------------------------------------------------------------------------

    def _submit(self, actor: Actor, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            with path.open("rb") as content:
                batch = submit_upload(
                    actor=actor,
                    file_name=path.name,
                    content=content,
                    submission_type=options["submission_type"],
                    kind=options["kind"],
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        self.stdout.write(
            f"Submitted batch {batch.pk}: {batch.file_name}, {batch.row_count} learner(s), "
            f"{batch.submission_type}"
        )
        if not options["wait"]:
            self.stdout.write(
                f"It is processed by the workers (lrs serve, lrs worker); then run "
                f"`lrs batch output {batch.pk} --user {actor.user.username}`."
            )
            return
        self._wait(batch, poll=max(options["poll"], 0.05), grace=max(options["grace"], 0.0))
        self._write_totals(batch)
        self._output(actor, batch.pk, options["out"])

    def _wait(self, batch: Batch, *, poll: float, grace: float) -> None:
        """Until the batch is complete; process its rows here when no worker does."""
        if not selectors.worker_alive():
            self.stdout.write("No worker is running: processing the batch here.")
            process_until_done(batch_id=batch.pk)
        done = batch_counts(batch).done
        last_progress = time.monotonic()
        while True:
            batch.refresh_from_db()
            if batch.status == BatchStatus.COMPLETE:
                return
            counts = batch_counts(batch)
            if counts.done != done:
                done, last_progress = counts.done, time.monotonic()
                self.stdout.write(
                    f"  {counts.done}/{counts.total} learners processed ({counts.percent_done}%)"
                )
            idle = time.monotonic() - last_progress
            if idle >= grace or not selectors.worker_alive():
                self.stdout.write("No worker is processing the batch: processing it here.")
                process_until_done(batch_id=batch.pk)
                last_progress = time.monotonic()
                continue
            time.sleep(min(poll, grace - idle))

    def _write_totals(self, batch: Batch) -> None:
        counts = batch_counts(batch)
        lines = [
            f"Batch {batch.pk} complete: {counts.total} learner(s)",
            f"  new (registered)   {counts.new}",
            f"  found              {counts.found}",
            f"  possible match     {counts.possible}",
            f"  not found          {counts.not_found}",
            f"  rejected           {counts.rejected}",
            f"  skipped            {counts.skipped}",
            f"  open exceptions    {counts.open_exceptions}",
        ]
        self.stdout.write("\n".join(lines))

    # --- output ---------------------------------------------------------------------------------

    def _output(self, actor: Actor, batch_id: int, out: str | None) -> None:
        output = selectors.read_output(actor, batch_id)
        path = _write(_output_path(out, output.file_name), output.content)
        self.stdout.write(f"Output: {path}")
        batch = selectors.get_batch(actor, batch_id)
        if batch.file_format == FileFormat.CTF:
            sheet = selectors.read_ctf_exceptions(actor, batch_id)
            sheet_path = _write(path.with_name(sheet.file_name), sheet.content)
            self.stdout.write(f"Exceptions: {sheet_path}")


def _user_argument(parser: CommandParser) -> None:
    parser.add_argument(
        "--user",
        required=True,
        metavar="USERNAME",
        help="the batch user to act as (the batch is their organisation's)",
    )


def _actor(username: str) -> Actor:
    user = User.objects.select_related("organisation").filter(username=username).first()
    if user is None:
        raise CommandError(f"No user is called {username}.")
    if not user.is_active:
        raise CommandError(f"User {user.username} is suspended.")
    if user.organisation is None:
        raise CommandError(f"User {user.username} does not belong to an organisation.")
    actor = Actor(user=user, channel=Channel.CLI)
    if not actor.can(Permission.SUBMIT_BATCH):
        raise CommandError(
            f"User {user.username} cannot submit batches: give them the batch role "
            "(their organisation must be granted it)."
        )
    return actor


def _output_path(out: str | None, file_name: str) -> Path:
    """Where ``--out`` puts a file: that path, or inside it when it is a folder."""
    if not out:
        return Path(file_name)
    path = Path(out)
    if path.is_dir():
        return path / file_name
    if out.endswith(("/", os.sep)):
        raise CommandError(f"Cannot write into {out}: there is no such folder.")
    return path


def _write(path: Path, content: bytes) -> Path:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise CommandError(f"Cannot write {path}: {exc.strerror or exc}") from exc
    return path.resolve()
