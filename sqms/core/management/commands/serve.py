"""`sqms serve`: migrate, then run the web server (gunicorn) and the worker side by side.

The embedded default: one command starts everything. Both run as child processes in process
groups of their own, so a Ctrl-C in the terminal reaches only this supervisor, which then stops
each child exactly once (a second signal to the worker would abandon its current task).
"""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from argparse import ArgumentParser
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

# How long each child may take to finish its current request or task after SIGTERM before it
# is told again (the worker then abandons its task) and finally killed.
STOP_TIMEOUT = float(os.environ.get("SQMS_STOP_TIMEOUT", "30"))
POLL_SECONDS = 0.2


class Child:
    def __init__(self, label: str, argv: list[str]) -> None:
        self.label = label
        self.argv = argv
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(self.argv, env=env, process_group=0)  # noqa: S603

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.label} has not been started")
        return self.process.pid

    def exit_code(self) -> int | None:
        return self.process.poll() if self.process is not None else 0

    def alive(self) -> bool:
        """Whether any process of the child's group runs: gunicorn's workers outlive a killed
        master for a moment, and only stopping them all frees the port."""
        if self.process is None:
            return False
        self.process.poll()  # reap the leader, so a dead one does not count as a member
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def signal(self, signum: int) -> None:
        """Signal the child's whole process group."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, signum)


class Supervisor:
    """Runs the children until a signal or until one of them exits."""

    def __init__(self, children: list[Child], write: Any) -> None:
        self.children = children
        self.write = write
        self.stop_requested = threading.Event()
        self.signals_received = 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.signals_received += 1
        if self.signals_received > 1:
            # A second Ctrl-C: do not wait for running tasks, tell the children again.
            for child in self.children:
                child.signal(signal.SIGTERM)
        self.stop_requested.set()

    def run(self, env: dict[str, str]) -> Child | None:
        """Return None after a requested stop, or the child that exited on its own."""
        previous = {
            sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        failed: Child | None = None
        try:
            for child in self.children:
                child.start(env)
                self.write(
                    _("Started %(label)s (pid %(pid)d)") % {"label": child.label, "pid": child.pid}
                )
            while not self.stop_requested.wait(POLL_SECONDS):
                failed = next((c for c in self.children if c.exit_code() is not None), None)
                if failed is not None:
                    break
        finally:
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return failed

    def _wait(self, timeout: float) -> bool:
        """Wait until every child has exited; False on timeout."""
        deadline = time.monotonic() + timeout
        while any(child.alive() for child in self.children):
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_SECONDS)
        return True

    def stop_all(self) -> None:
        for child in self.children:
            child.signal(signal.SIGTERM)
        if self._wait(STOP_TIMEOUT):
            return
        for child in self.children:
            child.signal(signal.SIGTERM)
        if self._wait(10):
            return
        for child in self.children:
            if child.alive():
                self.write(_("%(label)s did not stop; killing it") % {"label": child.label})
            child.signal(signal.SIGKILL)
        self._wait(10)


class Command(BaseCommand):
    help = "Apply migrations, then run the web server and the background worker together."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--bind",
            default=os.environ.get("SQMS_BIND", "127.0.0.1:8000"),
            help="Address the web server listens on (default: 127.0.0.1:8000 or SQMS_BIND).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", "2")),
            help="Number of web server processes (default: 2 or WEB_CONCURRENCY).",
        )
        parser.add_argument(
            "--no-migrate",
            action="store_false",
            dest="migrate",
            help="Do not apply migrations first.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError(_("--workers must be at least 1."))
        # whitenoise warns about a missing STATIC_ROOT even though it serves from the finders.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        if options["migrate"]:
            call_command("migrate", interactive=False, verbosity=options["verbosity"])
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "sqms.settings"),
        }
        web = Child(
            _("web server"),
            [
                sys.executable,
                "-m",
                "gunicorn",
                "sqms.wsgi:application",
                "--bind",
                options["bind"],
                "--workers",
                str(options["workers"]),
                "--graceful-timeout",
                str(int(STOP_TIMEOUT)),
                "--access-logfile",
                "-",
                # Its default socket path is per user, not per instance; we never use it.
                "--no-control-socket",
            ],
        )
        worker = Child(_("worker"), [sys.executable, "-m", "sqms.cli", "worker"])
        supervisor = Supervisor([web, worker], self._write)
        failed = supervisor.run(env)
        if failed is not None:
            raise CommandError(
                _("%(label)s exited unexpectedly (code %(code)s); everything was stopped.")
                % {"label": failed.label, "code": failed.exit_code()},
                returncode=1,
            )
        self._write(_("Stopped."))

    def _write(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()
