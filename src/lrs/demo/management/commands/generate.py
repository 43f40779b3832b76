from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lrs.synthetic import (
    generate_queries,
    generate_register,
    write_queries_csv,
    write_register_csv,
)
from lrs.synthetic.duplicates import plant_duplicates


class Command(BaseCommand):
    help = (
        "Write a synthetic register of N learners (valid ULNs, British and Welsh names, "
        "households, twins) as an import CSV, and optionally a query set with known truth."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="number of learners")
        parser.add_argument("--out", default="-", help="register CSV file ('-' for stdout)")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--queries", type=int, default=0, help="number of test queries")
        parser.add_argument("--queries-out", help="query CSV file")
        parser.add_argument(
            "--duplicates",
            type=int,
            default=0,
            help="plant this many duplicates (a learner registered again under a second ULN)",
        )
        parser.add_argument(
            "--duplicates-out",
            default="duplicates.csv",
            help="CSV of the planted pairs: ULN,DuplicateOfULN,Variations",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        if count < 1:
            self.stderr.write("count must be at least 1")
            sys.exit(2)
        wants_queries = options["queries"] > 0
        learners = generate_register(count, seed=options["seed"])
        wants_list = wants_queries or options["duplicates"] > 0
        register = list(learners) if wants_list else learners
        if options["duplicates"] > 0:
            assert isinstance(register, list)
            planted = plant_duplicates(register, options["duplicates"], seed=options["seed"] + 7)
            with Path(options["duplicates_out"]).open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(["ULN", "DuplicateOfULN", "Variations"])
                for item in planted:
                    writer.writerow(
                        [item.learner.uln, item.original_uln, "+".join(item.variations)]
                    )
            self.stderr.write(f"Planted {len(planted)} duplicates ({options['duplicates_out']})")
            register = [*register, *(item.learner for item in planted)]
        if options["out"] == "-":
            written = write_register_csv(register, self.stdout)
        else:
            with Path(options["out"]).open("w", newline="", encoding="utf-8") as fh:
                written = write_register_csv(register, fh)
        self.stderr.write(f"Wrote {written} learners")
        if wants_queries:
            assert isinstance(register, list)
            queries = generate_queries(register, options["queries"], seed=options["seed"] + 1)
            target = options["queries_out"] or "queries.csv"
            with Path(target).open("w", newline="", encoding="utf-8") as fh:
                write_queries_csv(queries, fh)
            self.stderr.write(f"Wrote {len(queries)} queries to {target}")
