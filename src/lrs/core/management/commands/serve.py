from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the web service and API (waitress, a production WSGI server in pure Python)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from lrs.wsgi import application

        host, port = options["host"], options["port"]
        self.stdout.write(f"Serving on http://{host}:{port}/  (API docs: /api/v1/docs)")
        self.stdout.flush()
        serve(application, host=host, port=port, threads=options["threads"], _quiet=True)
