"""`lrs fit-matching`: the matching model estimated from this register, reviewed, switched on.

Here rather than in `learners` (where the fit itself is) because `--with-decisions` reads the
service's decisions, which `batches` and `challenges` keep (DESIGN 2's layers).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lrs.challenges.model_fits import (
    NoSuchModelVersion,
    fit_now,
    request_fit_run,
    switch_matching_model,
)
from lrs.core.actor import Channel
from lrs.learners.matching_fit import OUTCOMES, active_parameters, default_jobs, weight_report
from lrs.learners.models import MatchingModel
from lrs.organisations.services import service_desk_system_actor


class Command(BaseCommand):
    help = (
        "Estimate the matching model from this register (u from the candidate pairs its "
        "search keys retrieve, counted as different people; m from the shipped table and, "
        "with --with-decisions, the service's own decisions: resolved batch exceptions, "
        "merges, 'not a duplicate') and store it as a new, inactive version with a report of "
        "its weights; --queue leaves the "
        "fit to a worker (lrs worker, or the one inside lrs serve / lrs demo) instead of this "
        "process. --activate switches searches to the new version. --report V shows a stored "
        "version, --use V (or --use default) switches searches to it (or back to the shipped "
        "defaults). docs/adr/0008-matching-model-fitted-to-the-register.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sample", type=int, help="fit on this many learners, at random")
        parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
        parser.add_argument(
            "--with-decisions",
            action="store_true",
            help="use the service's decisions as labelled pairs (matches and non-matches)",
        )
        parser.add_argument(
            "--queue", action="store_true", help="queue the fit as a worker job and return"
        )
        parser.add_argument("--activate", action="store_true", help="use the new version")
        parser.add_argument("--report", type=int, metavar="V", help="report a stored version")
        parser.add_argument("--use", metavar="V|default", help="switch searches to a version")
        parser.add_argument("--quiet", action="store_true", help="no progress lines")
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="worker processes that pair and compare the learners (default: the number of "
            "CPUs; a queued fit uses one, beside the worker's other jobs)",
        )

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
        if options["queue"] and options["activate"]:
            raise CommandError(
                "--activate needs the fit's result: review the queued fit's report, then --use V"
            )
        jobs = default_jobs() if options["jobs"] is None else options["jobs"]
        if jobs < 1:
            raise CommandError("--jobs must be 1 or more.")
        actor = service_desk_system_actor(channel=Channel.CLI)
        if options["queue"]:
            run, new = request_fit_run(
                actor=actor,
                with_decisions=options["with_decisions"],
                sample=options["sample"],
                seed=options["seed"],
            )
            if new:
                self.stdout.write(
                    f"Queued matching fit run {run.pk}; a worker runs it when it has no batch "
                    "rows to do. Its version is not used until you switch to it: "
                    "lrs fit-matching --report V, then lrs fit-matching --use V."
                )
            else:
                self.stdout.write(
                    f"Matching fit run {run.pk} is already {run.state}; nothing more queued."
                )
            return

        def progress(done: int, total: int) -> None:
            if not options["quiet"]:
                sys.stderr.write(f"\r{done:,} of {total:,} learners paired")
                if done == total:
                    sys.stderr.write("\n")

        run = fit_now(
            actor=actor,
            with_decisions=options["with_decisions"],
            sample=options["sample"],
            seed=options["seed"],
            progress=progress,
            jobs=jobs,
        )
        model = run.model
        assert model is not None  # a finished run has stored its version
        if options["activate"]:
            switch_matching_model(actor=actor, version=model.pk)
            model.refresh_from_db()
        self._report(model)

    def _use(self, value: str) -> None:
        actor = service_desk_system_actor(channel=Channel.CLI)
        if value == "default":
            switch_matching_model(actor=actor, version=None)
            self.stdout.write("searches now use the shipped defaults")
            return
        try:
            version = int(value)
        except ValueError as error:
            raise CommandError("--use takes a version number or 'default'") from error
        try:
            switch_matching_model(actor=actor, version=version)
        except NoSuchModelVersion as error:
            raise CommandError(f"no matching model version {version}") from error
        self.stdout.write(f"searches now use matching model version {version}")

    def _report(self, model: MatchingModel) -> None:
        state = "active" if model.active else "not active (lrs fit-matching --use V)"
        self.stdout.write(f"matching model version {model.pk}, {state}")
        fit = dict(model.fit)
        labelled = fit.pop("labelled", None)
        decisions = fit.pop("decisions", None)
        fit.pop("term_frequency_tables", None)
        phases = fit.pop("phases", None)
        self.stdout.write(f"fit: {json.dumps(fit, sort_keys=True)}")
        if phases:
            self.stdout.write(
                "phases: "
                + "; ".join(
                    f"{name} {phase['wall']:.1f} s wall, {phase['cpu']:.1f} s CPU, "
                    f"peak {phase['peak_mb']:,.0f} MB"
                    for name, phase in sorted(phases.items(), key=_step)
                )
            )
        self._report_frequencies(model)
        if labelled is not None:
            self._report_labelled(labelled, decisions)
        in_use, current = active_parameters()
        name = "shipped" if in_use is None else f"v{in_use}"
        self.stdout.write(
            f"{'row':<36}{'verdict':<22}{'shipped':>9}{'in use':>9}{'fitted':>9}  "
            f"(bits; in use: {name})"
        )
        for row, verdict, shipped, fitted in weight_report(model):
            self.stdout.write(
                f"{row:<36}{verdict:<22}{shipped:>9.2f}"
                f"{current.weight(row, verdict):>9.2f}{fitted:>9.2f}"
            )

    def _report_frequencies(self, model: MatchingModel) -> None:
        tables = model.parameters.get("term_frequencies") or {}
        if not tables:
            self.stdout.write("term frequencies: none (every exact value weighs alike)")
            return
        self.stdout.write(
            "term frequencies: "
            + "; ".join(
                f"{name} {table.get('total', 0):,} values, "
                f"{len(table.get('counts', {})):,} seen twice or more"
                for name, table in tables.items()
            )
        )

    def _report_labelled(self, labelled: dict[str, Any], decisions: dict[str, Any] | None) -> None:
        self.stdout.write(
            f"labelled pairs used: {labelled['matches']} matches, "
            f"{labelled['non_matches']} non-matches "
            f"({', '.join(f'{k} {v}' for k, v in labelled['by_source'].items()) or 'none'})"
        )
        if decisions is None:
            return
        against = decisions["compared_with"]
        against_name = "the shipped defaults" if against is None else f"version {against}"
        self.stdout.write(
            f"decided differently from {against_name} (in use at the fit): "
            f"{decisions['decided_differently']} of {decisions['pairs']} labelled pairs"
        )
        for label in ("matches", "non_matches"):
            tally = decisions[label]
            if not tally["pairs"]:
                continue
            outcomes = ", ".join(
                f"{outcome} {tally['current'][outcome]} -> {tally['new'][outcome]}"
                for outcome in OUTCOMES
            )
            changes = ", ".join(f"{move}: {n}" for move, n in sorted(tally["changes"].items()))
            self.stdout.write(
                f"  labelled {label.replace('_', '-')} ({tally['pairs']}): {outcomes}"
                + (f"; changed {changes}" if changes else "")
            )


def _step(item: tuple[str, dict[str, float]]) -> float:
    """A phase's place in the fit (`step`; a version stored before steps were kept: 0)."""
    return item[1].get("step", 0)
