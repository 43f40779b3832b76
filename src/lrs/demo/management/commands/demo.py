from __future__ import annotations

import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from lrs.demo.data import DEMO_SECRET_ANSWER, database_contents, load_demo_data


class Command(BaseCommand):
    help = (
        "Load demo organisations, users, tokens and learners into the database every lrs "
        "command uses, then serve. A database that already holds data is kept unless you "
        "confirm (or give --reset)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--learners", type=int, default=5000)
        parser.add_argument("--no-serve", action="store_true", help="load the data and stop")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="replace whatever the database holds with fresh demo data, without asking",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Only now, with the arguments parsed, is anything written (issue 19 item 1).
        call_command("migrate", verbosity=0)
        contents = database_contents()
        if contents and not (options["reset"] or self._confirmed(contents)):
            self.stdout.write(
                f"Kept the database at {_where()} as it was ({contents}): nothing was replaced. "
                "Its logins are the ones printed when its demo data was made; "
                "`lrs demo --reset` replaces it with fresh demo data."
            )
        else:
            if contents:
                call_command("flush", interactive=False, verbosity=0)
            self._load(options)
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])

    def _confirmed(self, contents: str) -> bool:
        if not sys.stdin.isatty():
            return False
        answer = input(
            f"The database at {_where()} already holds {contents}.\n"
            "Replace all of it with fresh demo data? [y/N] "
        )
        return answer.strip().casefold() in {"y", "yes"}

    def _load(self, options: dict[str, Any]) -> None:
        demo = load_demo_data(learners=options["learners"])
        base = f"http://{options['host']}:{options['port']}"
        lines = [
            "",
            "Learning Records Service demo",
            f"  Database:     {_where()}",
            "                (every lrs command uses it: lrs createuser, lrs token ...)",
            f"  Portal:       {base}/sign-in/  (sign in with a login below; English and Welsh)",
            f"  API docs:     {base}/api/v1/docs  (click Authorize, paste a token)",
            f"  Learners on the register: {demo.learner_count}",
            "",
            "Demo logins (username / password / API token). Each has the secret question",
            f"'first pet' with the answer '{DEMO_SECRET_ANSWER}' (for 'I have forgotten my "
            "password').",
        ]
        for login in demo.logins:
            lines.append(f"  {login.username:<22} {login.password:<18} roles={login.roles}")
            lines.append(f"      organisation: {login.organisation}")
            lines.append(f"      token: {login.token}")
            if login.second_factor_secret:
                lines.append(
                    f"      second factor: add key {login.second_factor_secret} to an "
                    "authenticator app,"
                )
                lines.append(f"      or sign in once with the recovery code {login.recovery_code}")
        if demo.plr_learner:
            lines += [
                "",
                f"Personal Learning Records: {demo.learning_events} learning events (AO, ILR, NPD;",
                "  some sensitive, never shown to organisations). Sign in as rcollege.plr, find",
                f"  the learner by ULN and names: {demo.plr_learner}, then View Personal",
                "  Learning Record and Create a report. This learner has not agreed to share",
                f"  (WSEC0206): {demo.not_shared_learner}. As eab.awards, try a credit check.",
                "  As rcollege.verify, Verify a learner: that ULN with the learner's details",
                "  (WSVRC001), or with another date of birth (WSVRC005, which details differ).",
            ]
        if demo.learner_email:
            lines += [
                "",
                f"Learner portal: {base}/learner/  (a learner's own login; English and Welsh)",
                f"  {demo.learner_email:<22} {demo.learner_password:<18} {demo.plr_learner}",
                "  The record has learning events, one hidden from organisations (sensitive),",
                "  and Riverside College and its verify look-up in 'Who has looked at my record'.",
                "  New accounts: the emailed codes are written as files to "
                + str(settings.EMAIL_FILE_PATH),
            ]
        lines += [
            "",
            "Batch files: sign in as rcollege.batch, open Batch files, download the CSV (or XML)",
            "  template of two example learners and upload it as it is; or from here:",
            "  lrs batch submit docs/batch-templates/LRB_10034567_010920250900.CSV \\",
            "      --user rcollege.batch --wait",
        ]
        lines += [
            "",
            "Try it:",
            f"  curl -s -H 'Authorization: Bearer {demo.logins[0].token}' \\",
            "       -H 'Content-Type: application/json' \\",
            f"       -d '{demo.sample_search}' {base}/api/v1/learners/search",
            "",
        ]
        self.stdout.write("\n".join(lines))


def _where() -> str:
    """The database the demo uses, as a user would name it (never with a password)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return str(settings["NAME"])
    host = settings.get("HOST") or "localhost"
    return f"{connection.vendor} database {settings['NAME']} on {host}"
