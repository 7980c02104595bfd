"""Helpers for fault-injection tests: real sqms processes on the test database, killed at a
point the test can see, and the periodic schedule under the test's control.

    def test_x(shared_db):            # a django_db(transaction=True) test
        ...make data with the ORM...
        shared_db.push()              # SQLite: copy the in-memory test database to a file
        child = shared_db.start("worker")
        wait_until(lambda: shared_db.scalar("SELECT count(*) FROM …") > 0, 60, "progress")
        with shared_db.writes_blocked("servicedesk_ticketevent"):
            kill(child)
        shared_db.pull()              # SQLite: the file (as a crash left it) back into memory

On PostgreSQL the children use the test database itself and push/pull do nothing. SQLite's test
database lives in this process's memory, so the children get a file copy of it; opening that
file after a SIGKILL is SQLite's own crash recovery (committed WAL frames count, the rest not).
"""

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

REPO = Path(__file__).resolve().parents[3]


def wait_until[T](
    condition: Callable[[], T],
    timeout: float,
    what: str,
    *,
    child: subprocess.Popen[Any] | None = None,
) -> T:
    """Poll `condition` until it is truthy; fail the test after `timeout` seconds, or as soon
    as `child` has ended (showing what it printed)."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if child is not None and child.poll() is not None:
            raise AssertionError(
                f"the child ended ({child.returncode}) before {what}:\n{output(child)}"
            )
        if time.monotonic() > deadline:
            log = f":\n{output(child)}" if child is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{log}")
        time.sleep(0.02)


def kill(process: subprocess.Popen[Any]) -> None:
    """SIGKILL: no signal handler, no finally block, no atexit runs in the child."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def schedule_only(*tasks: Any) -> None:
    """Make exactly `tasks` due for the next scheduler round and every other periodic job
    just run, as if the scheduler had been going all along (the scheduler's own claiming is
    tested in test_worker.py)."""
    from sqms.core import periodic
    from sqms.core.models import PeriodicJobState

    now = timezone.now()
    wanted = {task.module_path for task in tasks}
    for job in periodic.registered():
        due = job.name in wanted
        PeriodicJobState.objects.update_or_create(
            name=job.name,
            defaults={
                "next_run_at": now - timedelta(seconds=1) if due else now + timedelta(days=1),
                "last_enqueued_at": now - job.every if due else now,
            },
        )


class SharedDatabase:
    """The test database as seen by child processes (see the module's docstring)."""

    def __init__(self, tmp_path: Path) -> None:
        self.vendor = connection.vendor
        self.tmp = tmp_path
        self.file: Path | None = None
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sqms.settings",
            # The same var dir: the children encrypt and decrypt with this process's keys.
            "SQMS_VAR_DIR": str(settings.VAR_DIR),
            "SQMS_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "PYTHONPATH": str(REPO),
            "LOG_LEVEL": "WARNING",
        }
        if self.vendor == "postgresql":
            self.env["DATABASE_URL"] = self._postgres_url()
        elif self.vendor == "sqlite":
            self.file = tmp_path / "shared.sqlite3"
            self.env["DATABASE_URL"] = f"sqlite:///{self.file}"
        else:  # pragma: no cover - only the two supported databases
            raise NotImplementedError(self.vendor)

    @staticmethod
    def _postgres_url() -> str:
        s = connection.settings_dict
        user = s["USER"] or "postgres"
        if s["PASSWORD"]:
            user = f"{user}:{s['PASSWORD']}"
        return f"postgres://{user}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"

    # --- moving the data ----------------------------------------------------------------

    def push(self) -> None:
        """Let the children see what this process wrote (SQLite: copy memory → file)."""
        if self.file is None:
            return
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(self.file)) as target:
            connection.connection.backup(target)

    def pull(self) -> None:
        """Let this process see what the children left (SQLite: copy file → memory)."""
        if self.file is None:
            return
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(self.file, timeout=20)) as source:
            source.backup(connection.connection)

    # --- looking while children run -------------------------------------------------------

    def scalar(self, sql: str, *params: Any) -> Any:
        """One value of `sql` (use %s placeholders), read committed data."""
        if self.file is not None:
            with contextlib.closing(sqlite3.connect(self.file, timeout=20)) as db:
                row = db.execute(sql.replace("%s", "?"), params).fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                row = cursor.fetchone()
        return None if row is None else row[0]

    def kill_midway(self, child: subprocess.Popen[Any], table: str) -> None:
        """SIGKILL `child`, which the caller has just seen commit part of its work.

        PostgreSQL: first take an EXCLUSIVE lock on `table` (reads go on) and wait until the
        child waits for it, so it dies inside an open transaction that had written to other
        tables and was about to write `table`. SQLite: at once (a lock held there would rarely
        be granted between the child's back-to-back transactions); the caller makes the
        remaining work take far longer than noticing the progress does."""
        if self.file is not None:
            kill(child)
            return
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"]) as blocker:
            blocker.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')
            waiting = (
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE NOT l.granted AND c.relname = %s"
            )
            wait_until(lambda: self.scalar(waiting, table), 60, f"a wait for {table}", child=child)
            kill(child)
            blocker.rollback()

    # --- children -----------------------------------------------------------------------

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """`sqms ARGS…` in the background (output to a log file read by output())."""
        log = self.tmp / f"child-{time.monotonic_ns()}.log"
        handle = log.open("w+")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "sqms.cli", *args],
            env={**self.env, **env},
            cwd=REPO,
            stdout=handle,
            stderr=subprocess.STDOUT,
            text=True,
        )
        process.log = log  # type: ignore[attr-defined]
        return process

    def run(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
        """`sqms ARGS…` to the end; its exit code is the caller's to check."""
        return subprocess.run(  # noqa: S603 - our own interpreter and command
            [sys.executable, "-m", "sqms.cli", *args],
            env={**self.env, **env},
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def output(process: subprocess.Popen[str]) -> str:
    return Path(process.log).read_text()  # type: ignore[attr-defined]
