from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from lrs.plr.management.commands.import_learning_events import DataReturnCommand
from lrs.plr.returns import ParsedReturn, parse_ilr


class Command(DataReturnCommand):
    help = (
        "Load an ILR XML return (service desk): each LearningDelivery becomes a learning event "
        "of the learner with that ULN, names and date of birth; a later return corrects it."
    )
    source = "ILR"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sensitive", action="store_true", help="restrict every event (e.g. offender learning)"
        )

    def parse(self, content: bytes, path: Path, options: dict[str, Any]) -> ParsedReturn:
        return parse_ilr(content, file_name=path.name, sensitive=options["sensitive"])
