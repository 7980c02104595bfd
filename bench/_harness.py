"""What the benchmarks share: their own database, `sqms serve` started and stopped, the
machine's description, percentiles and the sections they append to docs/benchmarks.md.

Not a benchmark itself (`sqms bench` skips names starting with "_"); the scripts import it as
`bench._harness` with the repository root on sys.path.
"""

import datetime
import http.client
import math
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
# Where --write appends instead (the tests point it at a temporary file).
REPORT_VARIABLE = "SQMS_BENCH_REPORT"
# Migrating a new database is most of a tiny bench's time, so the tests migrate one per run and
# name it here (a PostgreSQL database on the same server, an SQLite file); each bench's database
# then starts as a copy of it and the bench's own `migrate` finds nothing to do.
PG_TEMPLATE_VARIABLE = "SQMS_BENCH_PG_TEMPLATE"
SQLITE_TEMPLATE_VARIABLE = "SQMS_BENCH_SQLITE_TEMPLATE"


# --- the database -------------------------------------------------------------------------


def database_url_for(base: str, name: str) -> tuple[str, str]:
    """(the URL of database `name` on `base`'s server, the URL of its maintenance database)."""
    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path=f"/{name}")), admin


def recreate_database(admin_url: str, name: str, *, empty: bool = False) -> None:
    """Drop (with its connections) and create a bench database; its name must say so.
    `empty`: never from the tests' template (a restore target must be empty)."""
    import psycopg

    if "bench" not in name or name.startswith("test_"):
        sys.exit("the bench database's name must contain 'bench' (it is dropped and recreated)")
    template = "" if empty else os.environ.get(PG_TEMPLATE_VARIABLE, "")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def fresh_sqlite(path: Path) -> str:
    """Remove an SQLite bench database and its WAL files (or start it as a copy of the tests'
    template); returns its DATABASE_URL."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    template = os.environ.get(SQLITE_TEMPLATE_VARIABLE)
    if template:
        shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_version(url: str) -> str:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"


# --- the server ---------------------------------------------------------------------------


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("the server did not come up")


def start_server(
    env: dict[str, str], port: int, workers: int, log: IO[str]
) -> subprocess.Popen[bytes]:
    """`sqms serve` (gunicorn and the task worker) on the loopback interface, in a process group
    of its own; returns once it answers /healthz."""
    server = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "sqms.cli",
            "serve",
            "--no-migrate",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        process_group=0,
    )
    try:
        wait_until_up(port)
    except BaseException:
        stop_server(server)
        raise
    return server


def stop_server(server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """SIGTERM to `sqms serve` (it stops its children), then SIGKILL to the group if needed."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


# --- results ------------------------------------------------------------------------------


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted values (0 for none)."""
    if not ordered:
        return 0.0
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def machine() -> str:
    model = "unknown CPU"
    memory = "? RAM"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    return f"nproc {os.cpu_count()} × {model}, {memory}, {platform.system()} {platform.release()}"


def load_average() -> float:
    """The machine's 1-minute load average (0 where the system has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return 0.0


def command_line() -> str:
    """The command that is running, as one would type it from the repository root: the script
    as bench/NAME.py (also under `sqms bench NAME`, which runs the script) and its arguments."""
    script = Path(sys.argv[0]).resolve()
    shown = script.relative_to(ROOT) if script.is_relative_to(ROOT) else script
    return shlex.join(["python", str(shown), *sys.argv[1:]])


def database_description() -> str:
    """Vendor and version of Django's default database, and which database it is."""
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} (file `{name}`)"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        host = connection.settings_dict["HOST"] or "localhost"
        where = "the same machine" if host in ("localhost", "127.0.0.1", "::1") else host
        return f"PostgreSQL {version} on {where} (database `{name}`)"
    return f"{connection.vendor} (database `{name}`)"


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A table with the first column left-aligned and the figures right-aligned."""
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---", *["---:"] * (len(header) - 1)]) + "|",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def report_section(
    title: str,
    *,
    database: str,
    load_at_start: float,
    table: str,
    details: Sequence[str] = (),
) -> str:
    """A section in the style of docs/benchmarks.md: the heading with today's date, the machine,
    database, command and load average, any `details` as further bullets, then `table`."""
    bullets = [
        f"Machine: {machine()}",
        f"Database: {database}",
        f"Command: `{command_line()}`",
        f"Machine load average (1 min) at start: {load_at_start:.1f}",
        *details,
    ]
    lines = "\n".join(f"- {bullet}" for bullet in bullets)
    return f"## {title} ({datetime.date.today().isoformat()})\n\n{lines}\n\n{table}\n"


def report_path() -> Path:
    return Path(os.environ.get(REPORT_VARIABLE) or REPORT)


def append_report(section: str) -> None:
    """Append a section (starting with its "## " heading) to docs/benchmarks.md, or to the file
    $SQMS_BENCH_REPORT names."""
    report = report_path()
    report.parent.mkdir(parents=True, exist_ok=True)
    if not report.exists():
        report.write_text(
            "# Benchmarks\n\nFigures from the scripts in `bench/`, newest last. Each section "
            "names the machine, the database and the command that produced it.\n"
        )
    with report.open("a") as handle:
        handle.write("\n" + section.strip("\n") + "\n")
    print(f"appended to {report}")
