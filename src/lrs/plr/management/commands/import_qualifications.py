"""`lrs import-qualifications FILE.csv [--units UNITS.csv]`: load the qualification catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.core.actor import Channel
from lrs.core.errors import DomainError
from lrs.organisations.models import Organisation
from lrs.organisations.services import service_desk_system_actor
from lrs.plr.catalogue import import_qualifications, import_units, link_awarding_body, read_csv


class Command(BaseCommand):
    help = (
        "Load qualifications from Ofqual's register download (CSV; columns listed in "
        "docs/plr.md), optionally units and rules of combination (--units), and let an "
        "awarding organisation on the register award a body's qualifications (--link RN UKPRN)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the register's qualifications CSV")
        parser.add_argument("--units", help="units and rules of combination CSV")
        parser.add_argument(
            "--link",
            nargs=2,
            metavar=("RECOGNITION_NUMBER", "UKPRN"),
            help="the awarding organisation (by UKPRN) that awards this body's qualifications",
        )
        parser.add_argument(
            "--invented-titles", action="store_true", help="mark the titles as invented (demo)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = service_desk_system_actor(channel=Channel.CLI)
        if not (options["file"] or options["units"] or options["link"]):
            raise CommandError("Give a qualifications file, --units FILE or --link RN UKPRN.")
        try:
            for path, load, kind in (
                (options["file"], import_qualifications, "qualifications"),
                (options["units"], import_units, "units"),
            ):
                if not path:
                    continue
                if not Path(path).is_file():
                    raise CommandError(f"No such file: {path}")
                header, rows = read_csv(Path(path).read_bytes())
                report = load(
                    actor=actor,
                    rows=rows,
                    header=header,
                    invented_titles=options["invented_titles"],
                )
                self.stdout.write(
                    f"{kind}: {report.created} added, {report.updated} updated, "
                    f"{len(report.rejected)} rejected."
                )
                for line, reason in report.rejected[:20]:
                    self.stdout.write(f"  line {line}: {reason}")
            if options["link"]:
                recognition, ukprn = options["link"]
                organisation = Organisation.objects.filter(ukprn=ukprn).first()
                if organisation is None:
                    raise CommandError(f"No organisation with UKPRN {ukprn}.")
                body = link_awarding_body(
                    actor=actor, recognition_number=recognition, organisation=organisation
                )
                self.stdout.write(f"{body} is awarded by {organisation}.")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
