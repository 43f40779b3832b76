"""The `lrs` command: a thin front to the project's management commands.

Every sub-command, `lrs demo` included, uses the same database: `DATABASE_URL`, else the SQLite
file in the data folder (`LRS_DATA_DIR`). So `lrs createuser` or `lrs token` after `lrs demo`
work on the demo's data. No sub-command changes anything before its arguments are parsed.
Sub-commands run the management command of the same name (dashes become underscores),
so `lrs import-learners FILE` is `django-admin import_learners FILE` with our settings.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

USAGE = """usage: lrs COMMAND [ARGS]

commands:
  demo [--port N] [--no-serve] [--reset]
                                      demo data in the database; serve it (asks before
                                      replacing data; --reset replaces without asking)
  serve [--host H] [--port N] [--workers N]
                                      serve the web service and API (waitress; with
                                      --workers N, gunicorn in N processes, Linux)
  migrate                             create or upgrade the database tables
  createorg UKPRN NAME [--type T] [--roles r1,r2]
  createuser UKPRN USERNAME --roles online,view,batch,plr,vld,super [--password P]
  token USERNAME                      print a new API token for the user (only the token)
  import-learners FILE.csv            bulk load learners that already have ULNs
  fit-matching [--sample N] [--with-decisions] [--queue | --activate] | --report V
               | --use V|default      estimate the matching model from the register (and
                                      the service's decisions; --queue: by a worker)
  import-qualifications FILE.csv [--units UNITS.csv] [--link RN UKPRN]
                                      load the qualification catalogue (Ofqual download)
  achievements submit FILE --user U [--wait] [--out PATH]
                                      an awarding organisation's achievement file
  import-ilr FILE.XML [--out OUT.csv] [--sensitive]
  import-npd FILE.csv [--out OUT.csv] load a data return's learning events (service desk)
  generate N [--out FILE.csv] [--queries Q --queries-out FILE.csv]
           [--duplicates D --duplicates-out FILE.csv]
                                      synthetic learners (test queries, planted duplicates)
  find-duplicates [--full] [--now]    queue the duplicate finder for lrs worker --rq (--now: here)
  worker [--burst] [--rq] [--chunk N] process batch files (more workers: PostgreSQL or RQ)
  batch submit FILE --user U [--type FUL|CHK] [--wait] [--out PATH]
                                      upload a batch file or CTF as a batch user
  batch output ID --user U [--out PATH]
                                      download a batch's output file
  audit-partitions [--ahead N] [--drop-expired] [--retention-months M]
                                      PostgreSQL: the audit trail's monthly partitions
  backup PATH / restore PATH [--force]
                                      SQLite: copy the database safely while it serves
  check                               Django's system checks

Set DATABASE_URL (sqlite:///path or postgres://user@host:5432/name) to choose the database;
by default every command, demo included, uses lrs.sqlite3 in the data folder (LRS_DATA_DIR).
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        sys.stdout.write(USAGE)
        return
    command, rest = argv[0], argv[1:]
    if command == "serve" and any(arg.startswith("--workers") for arg in rest):
        _prepare_multiprocess_serving()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lrs.settings")
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    try:
        execute_from_command_line(["lrs", command.replace("-", "_"), *rest])
    except DatabaseError as exc:
        sys.stderr.write(f"lrs {command}: database error: {exc}\n")
        if _unapplied_migrations():
            sys.stderr.write("The database is not set up: run `lrs migrate` first.\n")
        sys.exit(1)


def _prepare_multiprocess_serving() -> None:
    """Before anything is imported: gunicorn's processes count their metrics into files in one
    folder (prometheus-client reads PROMETHEUS_MULTIPROC_DIR when imported), and log JSON."""
    import tempfile

    os.environ.setdefault("LRS_LOG_FORMAT", "json")
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="lrs-metrics-")
    else:
        # Counts left by an earlier run would be added to this run's.
        for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
            stale.unlink()


def _unapplied_migrations() -> bool:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except Exception:  # only deciding which hint to print
        return True


if __name__ == "__main__":
    main()
