from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.learners.matching_fit import activate, fit_matching_model, weight_report
from lrs.learners.models import MatchingModel


class Command(BaseCommand):
    help = (
        "Estimate the matching model from this register (expectation-maximisation over the "
        "candidate pairs its search keys retrieve) and store it as a new, inactive version "
        "with a report of its weights; --activate switches searches to it. --report V shows "
        "a stored version, --use V (or --use default) switches searches to it (or back to the "
        "shipped defaults). docs/adr/0008-matching-model-fitted-to-the-register.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sample", type=int, help="fit on this many learners, at random")
        parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
        parser.add_argument("--activate", action="store_true", help="use the new version")
        parser.add_argument("--report", type=int, metavar="V", help="report a stored version")
        parser.add_argument("--use", metavar="V|default", help="switch searches to a version")
        parser.add_argument("--quiet", action="store_true", help="no progress lines")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["use"] is not None:
            self._use(options["use"])
            return
        if options["report"] is not None:
            model = MatchingModel.objects.filter(pk=options["report"]).first()
            if model is None:
                raise CommandError(f"no matching model version {options['report']}")
            self._report(model)
            return

        def progress(done: int, total: int) -> None:
            if not options["quiet"]:
                sys.stderr.write(f"\r{done:,} of {total:,} learners paired")
                if done == total:
                    sys.stderr.write("\n")

        model = fit_matching_model(
            sample=options["sample"], seed=options["seed"], progress=progress
        )
        if options["activate"]:
            activate(model.pk)
            model.refresh_from_db()
        self._report(model)

    def _use(self, value: str) -> None:
        if value == "default":
            activate(None)
            self.stdout.write("searches now use the shipped defaults")
            return
        try:
            version = int(value)
        except ValueError as error:
            raise CommandError("--use takes a version number or 'default'") from error
        if not MatchingModel.objects.filter(pk=version).exists():
            raise CommandError(f"no matching model version {version}")
        activate(version)
        self.stdout.write(f"searches now use matching model version {version}")

    def _report(self, model: MatchingModel) -> None:
        state = "active" if model.active else "not active (lrs fit-matching --use V)"
        self.stdout.write(f"matching model version {model.pk}, {state}")
        self.stdout.write(f"fit: {json.dumps(model.fit, sort_keys=True)}")
        self.stdout.write(f"{'row':<36}{'verdict':<22}{'shipped':>9}{'fitted':>9}  (bits)")
        for row, verdict, shipped, fitted in weight_report(model):
            self.stdout.write(f"{row:<36}{verdict:<22}{shipped:>9.2f}{fitted:>9.2f}")
