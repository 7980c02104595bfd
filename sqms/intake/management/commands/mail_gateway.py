"""`sqms mail-gateway`: the SMTP listener that turns inbound mail into tickets."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sqms.intake.gateway import DEFAULT_HOST, DEFAULT_MAX_BYTES, DEFAULT_PORT, make_controller


class Command(BaseCommand):
    help = "Run the inbound mail gateway (SMTP): new mail becomes a ticket, replies are added."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=DEFAULT_HOST)
        parser.add_argument("--port", type=int, default=DEFAULT_PORT)
        parser.add_argument(
            "--max-bytes", type=int, default=DEFAULT_MAX_BYTES, help="Largest message accepted."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        controller = make_controller(options["host"], options["port"], options["max_bytes"])
        controller.start()
        self.stdout.write(
            f"Mail gateway listening on {options['host']}:{options['port']} (Ctrl+C stops it)"
        )
        stopped = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopped.set())
        try:
            stopped.wait()
        finally:
            controller.stop()
            self.stdout.write("Mail gateway stopped.")
