"""Every benchmark in bench/ at a tiny scale with --write, on the suite's database vendor: it
runs to the end and appends a section naming the machine, the database and the command (to a
temporary report, never docs/benchmarks.md). The figures themselves are not checked."""

import os
import shlex
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

# Slower than most (each bench starts servers or processes of its own): deselect with
# -m "not bench" while iterating.
pytestmark = pytest.mark.bench

BENCH_DIR = Path(settings.BASE_DIR) / "bench"
SUITE_DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SUITE_DATABASE_URL.startswith("postgres")
VENDOR = "postgresql" if ON_POSTGRES else "sqlite"
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="the benchmark needs PostgreSQL")


def server_url() -> str:
    """The suite's PostgreSQL server without a database name."""
    return urlunsplit(urlsplit(SUITE_DATABASE_URL)._replace(path=""))


@pytest.fixture
def bench_database() -> Iterator[str]:
    """A database name of this test's own (the benches drop and recreate theirs), dropped after,
    with the _src/_dst pair that bench/backup.py makes from it."""
    name = f"sqms_bench_test_{uuid.uuid4().hex[:10]}"
    yield name
    if ON_POSTGRES:
        import psycopg

        with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as conn:
            for database in (name, f"{name}_src", f"{name}_dst"):
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def template(bench_template: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Each bench's database starts as a copy of one migrated for the whole run."""
    for variable, value in bench_template.items():
        monkeypatch.setenv(variable, value)


def run_bench(tmp_path: Path, name: str, *args: str, via_sqms: bool = False) -> str:
    """Runs bench/NAME.py ARGS --write (or `sqms bench NAME …`); returns the report it wrote."""
    report = tmp_path / "benchmarks.md"
    env = {
        **os.environ,
        "SQMS_BENCH_REPORT": str(report),
        "SQMS_VAR_DIR": str(tmp_path / "var"),
        "TMPDIR": str(tmp_path),  # the benches' own scratch files and SQLite databases
        # `-m sqms.cli` from tmp_path imports this checkout's sqms, not the one installed.
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(settings.BASE_DIR), os.environ.get("PYTHONPATH")])
        ),
    }
    env.pop("DATABASE_URL", None)  # a bench never falls back to the suite's database
    launcher = ["-m", "sqms.cli", "bench", name] if via_sqms else [str(BENCH_DIR / f"{name}.py")]
    result = subprocess.run(  # noqa: S603 - our own scripts
        [sys.executable, *launcher, *args, "--write"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    text = report.read_text()
    assert text.startswith("# Benchmarks")
    assert text.count("\n## ") == 1
    assert "\n- Machine: nproc " in text
    assert f"\n- Command: `python bench/{name}.py {shlex.join([*args, '--write'])}`\n" in text
    assert "\n| " in text  # the figures' table
    return text


def database_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("- Database: "))


def assert_database(text: str, database: str = "") -> None:
    line = database_line(text)
    if ON_POSTGRES:
        assert line.startswith("- Database: PostgreSQL ")
        assert database in line
    else:
        assert line.startswith("- Database: SQLite 3.")


def test_risk_montecarlo_through_sqms_bench(tmp_path: Path) -> None:
    text = run_bench(
        tmp_path, "risk_montecarlo", "--iterations", "1000", "--risks", "1", "2", via_sqms=True
    )
    assert "## Risk Monte Carlo engine (" in text
    assert "- Database: none" in text
    assert "| 2 | 1,000 |" in text


def test_insight_train(tmp_path: Path, bench_database: str) -> None:
    args = ["--texts", "600", "--calls", "5"]
    if ON_POSTGRES:
        import psycopg

        template = os.environ["SQMS_BENCH_PG_TEMPLATE"]
        with psycopg.connect(f"{server_url()}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{bench_database}" TEMPLATE "{template}"')
        args += ["--database-url", f"{server_url()}/{bench_database}"]
    text = run_bench(tmp_path, "insight_train", *args)
    assert "## Insight models: training and suggestions (" in text
    assert "POST /api/insight/suggest/, 5 calls" in text
    assert_database(text, bench_database)


def test_customer_lookup(tmp_path: Path, bench_database: str) -> None:
    args = ["--vendor", VENDOR, "--count", "50", "--lookups", "20"]
    if ON_POSTGRES:
        args += ["--database-url", server_url(), "--database", bench_database]
    text = run_bench(tmp_path, "customer_lookup", *args)
    assert "## Customer look-up by phone (" in text
    assert "| queries per look-up | 1 |" in text
    assert_database(text, bench_database)


def test_backup(tmp_path: Path, bench_database: str) -> None:
    args = ["--vendor", VENDOR, "--tickets", "40"]
    if ON_POSTGRES:
        args += ["--database-url", server_url(), "--database", bench_database]
    text = run_bench(tmp_path, "backup", *args)
    assert "## Backup and restore (" in text
    assert "| backup | " in text
    assert_database(text, f"{bench_database}_src")


def test_quality_rollups(tmp_path: Path, bench_database: str) -> None:
    args = ["--vendor", VENDOR, "--tickets", "300", "--units", "5", "--years", "1"]
    args += ["--changes", "20", "--sqlite-path", str(tmp_path / "quality.sqlite3")]
    if ON_POSTGRES:
        args += ["--database-url", server_url(), "--database", bench_database]
    args += ["--page-runs", "3"]
    text = run_bench(tmp_path, "quality_rollups", *args)
    assert "## Quality rollups and indicators (" in text
    assert "| rollup rebuild | " in text
    assert "| dashboard page, company / branch / hall in turn" in text
    assert "| quarterly evaluation report of " in text
    assert_database(text, bench_database)


def test_improvement_actions(tmp_path: Path, bench_database: str) -> None:
    args = ["--actions", "60", "--overdue", "5", "--runs", "2"]
    if ON_POSTGRES:
        args += ["--database-url", f"{server_url()}/{bench_database}"]
    text = run_bench(tmp_path, "improvement_actions", *args)
    assert "## Improvement actions (" in text
    assert "| overdue reminder | 5 actions" in text
    assert_database(text, bench_database)


@postgres_only
def test_sla_sweep(tmp_path: Path, bench_database: str) -> None:
    args = ["--database-url", server_url(), "--database", bench_database]
    args += ["--tickets", "400", "--due", "40", "--idle-runs", "3", "--processes", "1"]
    text = run_bench(tmp_path, "sla_sweep", *args)
    assert "## SLA sweep (" in text
    assert "| escalations when 40 are due, one sweep with its helper | 40 in " in text
    assert_database(text, bench_database)


@postgres_only
def test_register_api(tmp_path: Path, bench_database: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["--database-url", server_url(), "--database", bench_database, "--port", str(port)]
    args += ["--duration", "2", "--warmup", "0", "--connections", "2", "--workers", "1"]
    text = run_bench(tmp_path, "register_api", *[*args, "--python-client"])
    assert "## Ticket registration through the REST API (" in text
    assert_database(text, bench_database)
    (tmp_path / "floor").mkdir()
    floor = run_bench(tmp_path / "floor", "register_api", *args, "--python-client", "--floor")
    assert "## The request cycle alone: GET /api/core/me/ with a token (" in floor
    row = floor.split("|---:|---:|---:|---:|---:|---:|---:|---:|\n")[1].splitlines()[0]
    requests, _stored, errors = (cell.strip() for cell in row.strip("|").split("|")[:3])
    assert int(requests) > 0
    assert errors == "0"
