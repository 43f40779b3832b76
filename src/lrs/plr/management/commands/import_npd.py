from __future__ import annotations

from pathlib import Path
from typing import Any

from lrs.plr.management.commands.import_learning_events import DataReturnCommand
from lrs.plr.returns import ParsedReturn, parse_npd


class Command(DataReturnCommand):
    help = (
        "Load an NPD results file (CSV: ULN or UPN, names, date of birth, QN, grade, award "
        "date, academic year; service desk). A later return corrects the same results."
    )
    source = "NPD"

    def parse(self, content: bytes, path: Path, options: dict[str, Any]) -> ParsedReturn:
        return parse_npd(content)
