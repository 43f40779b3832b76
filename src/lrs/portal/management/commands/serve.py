"""`lrs serve`: the portal and the API in one WSGI server, with the embedded batch worker.

Here, above the batches app, because it starts the batch worker (DESIGN 2: layers import down).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

MAX_REQUEST_BODY_BYTES = 12 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Serve the web service and API (waitress, a production WSGI server in pure Python), "
        "with a batch worker thread unless LRS_EMBEDDED_WORKER=0."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.core.wsgi import get_wsgi_application
        from waitress import serve

        from lrs.batches.worker import start_embedded_worker, stop_embedded_worker

        application = get_wsgi_application()

        host, port = options["host"], options["port"]
        # The embedded default: batch files are processed by a thread of this process, so
        # nothing else needs installing or starting. Scale-out deployments turn it off and run
        # `lrs worker` / `lrs worker --rq` processes instead (docs/adr/0004-batch-processing.md).
        embedded = os.environ.get("LRS_EMBEDDED_WORKER", "1") != "0"
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
