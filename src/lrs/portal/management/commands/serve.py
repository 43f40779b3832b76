"""`lrs serve`: the portal and the API in one WSGI server, with the embedded batch worker.

    lrs serve [--host H] [--port N] [--threads T]   waitress, one process (the embedded default)
    lrs serve --workers N [--threads T]             gunicorn, N processes (Linux; production)

Here, above the batches app, because it starts the batch worker (DESIGN 2: layers import down).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

MAX_REQUEST_BODY_BYTES = 12 * 1024 * 1024
# gunicorn's worker timeout: a request that takes longer is killed and its worker replaced.
REQUEST_TIMEOUT_SECONDS = 120


def _embedded_worker_on() -> bool:
    return os.environ.get("LRS_EMBEDDED_WORKER", "1") != "0"


class Command(BaseCommand):
    help = (
        "Serve the web service and API: waitress (one process, pure Python) by default, "
        "gunicorn with --workers N (Linux); with a batch worker unless LRS_EMBEDDED_WORKER=0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8, help="threads per process")
        parser.add_argument(
            "--workers",
            type=int,
            default=0,
            help="serve with gunicorn in this many processes (Linux); default: waitress, one "
            "process",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 0:
            raise CommandError("--workers must be 1 or more.")
        if options["workers"]:
            self._serve_gunicorn(options)
        else:
            self._serve_waitress(options)

    def _serve_waitress(self, options: dict[str, Any]) -> None:
        from django.core.wsgi import get_wsgi_application
        from waitress import serve

        from lrs.batches.worker import start_embedded_worker, stop_embedded_worker

        application = get_wsgi_application()

        host, port = options["host"], options["port"]
        # The embedded default: batch files are processed by a thread of this process, so
        # nothing else needs installing or starting. Scale-out deployments turn it off and run
        # `lrs worker` / `lrs worker --rq` processes instead (docs/adr/0004-batch-processing.md).
        embedded = _embedded_worker_on()
        if embedded:
            start_embedded_worker()
        self.stdout.write(f"Serving on http://{host}:{port}/  (API docs: /api/v1/docs)")
        if embedded:
            self.stdout.write(
                "Batch files are processed in this process (LRS_EMBEDDED_WORKER=0 turns it off)"
            )
        self.stdout.flush()
        try:
            serve(
                application,
                host=host,
                port=port,
                threads=options["threads"],
                # Refuse huge uploads before reading them (batch files are at most 10 MB; the
                # views give the specific message for anything between).
                max_request_body_size=MAX_REQUEST_BODY_BYTES,
                _quiet=True,
            )
        finally:
            if embedded:
                stop_embedded_worker()

    def _serve_gunicorn(self, options: dict[str, Any]) -> None:
        if sys.platform == "win32":
            raise CommandError("gunicorn runs on Linux and macOS only: leave out --workers.")
        from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

        from lrs.core import metrics

        if not metrics.multiprocess_dir():
            # Each gunicorn process counts into files in one folder, set by `lrs.cli` before
            # prometheus-client is imported; /metrics adds them up.
            raise CommandError("Start `lrs serve --workers N` through the `lrs` command.")
        host, port, workers = options["host"], options["port"], options["workers"]
        threads = options["threads"]
        batch_worker: list[subprocess.Popen[bytes]] = []

        def start_batch_worker(arbiter: Any) -> None:
            # A process of its own (not a thread of the master, which forks the web processes):
            # `lrs worker` polls the database as the embedded thread would.
            batch_worker.append(subprocess.Popen([sys.executable, "-m", "lrs.cli", "worker"]))

        def stop_batch_worker(arbiter: Any) -> None:
            for process in batch_worker:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

        def child_exit(arbiter: Any, worker: Any) -> None:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(worker.pid)

        config: dict[str, Any] = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread" if threads > 1 else "sync",
            "timeout": REQUEST_TIMEOUT_SECONDS,
            "graceful_timeout": 30,
            # A process is replaced after this many requests (with jitter), bounding any leak.
            "max_requests": 10000,
            "max_requests_jitter": 1000,
            # The proxy's addresses whose X-Forwarded-* headers gunicorn believes (docs/deploy.md).
            "forwarded_allow_ips": os.environ.get("LRS_FORWARDED_ALLOW_IPS", "127.0.0.1,::1"),
            # Our own middleware logs each request (JSON, with its id); no access log twice.
            "accesslog": None,
            "errorlog": "-",
            "child_exit": child_exit,
        }
        if _embedded_worker_on():
            config["when_ready"] = start_batch_worker
            config["on_exit"] = stop_batch_worker

        class Server(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                from django.core.wsgi import get_wsgi_application

                return get_wsgi_application()

        self.stdout.write(
            f"Serving on http://{host}:{port}/ with gunicorn, {workers} process(es) x {threads} "
            "thread(s)"
        )
        if _embedded_worker_on():
            self.stdout.write(
                "Batch files are processed by one `lrs worker` process (LRS_EMBEDDED_WORKER=0 "
                "turns it off)"
            )
        self.stdout.flush()
        Server().run()
