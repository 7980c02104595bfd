"""Benchmark: ticket registration through the REST API, against `sqms serve` on PostgreSQL.

Creates its own database (dropped first if it exists), migrates it, makes a hall, an agent and
an API token, starts `sqms serve` (gunicorn + worker, as deployed), then lets concurrent
keep-alive clients POST registrations to /api/servicedesk/tickets/ for a fixed time. Every
request does all that registration does: numbering, priority, SLA planning, encryption of the
customer's phone and name, the timeline and the audit log.

The load comes from `wrk` when it is installed (apt-get install wrk), otherwise from Python
threads with http.client. Reports throughput and p50/p90/p99 latency, checks that the number
of tickets in the database equals the number of successful responses, and with --write
appends a section to docs/benchmarks.md.

    python bench/register_api.py --duration 30 --connections 16 --workers 4 --write

With --floor the same server and load GET /api/core/me/ instead (token authentication, one
user read, a small JSON answer): what Django and DRF's request cycle alone allows on this
machine, the ceiling any registration rate sits under.
"""

import argparse
import datetime
import http.client
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import (  # noqa: E402
    append_report,
    command_line,
    database_url_for,
    machine,
    postgres_version,
    recreate_database,
    start_server,
    stop_server,
)

PATH = "/api/servicedesk/tickets/"
FLOOR_PATH = "/api/core/me/"

SETUP = """
import django
django.setup()
from django.contrib.auth.models import Group
from sqms.core import tokens
from sqms.core.models import OrgUnit, User
unit = OrgUnit.objects.add_root(
    {"code": "BENCH", "name": "压测营业厅", "name_en": "Bench hall", "kind": "hall"}
)
user = User.objects.create_user(username="bench-agent", org_unit=unit, language="en")
user.groups.add(Group.objects.get(name="agent"))
token, key = tokens.create_token(user=user, name="benchmark", actor=user)
print(key)
"""

WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token %(key)s"
local kinds = {"complaint", "consultation", "business", "fault"}
local counter = 0

request = function()
  counter = counter + 1
  local body = string.format(
    '{"kind":"%%s","channel":"counter","title":"压测工单 %%d","description":"宽带报装未上门",'
    .. '"customer_name":"李四","customer_phone":"139%%08d","impact":2,"urgency":%%d}',
    kinds[counter %% 4 + 1], counter, math.random(0, 99999999), counter %% 3 + 1)
  return wrk.format(nil, nil, nil, body)
end
"""

WRK_FLOOR_SCRIPT = """
wrk.method = "GET"
wrk.headers["Authorization"] = "Token %(key)s"
"""

WRK_DONE = """
done = function(summary, latency, requests)
  local out = {
    requests = summary.requests,
    duration_us = summary.duration,
    status_errors = summary.errors.status,
    socket_errors = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    p50_us = latency:percentile(50),
    p90_us = latency:percentile(90),
    p99_us = latency:percentile(99),
    max_us = latency.max,
    mean_us = latency.mean,
  }
  local parts = {}
  for k, v in pairs(out) do parts[#parts + 1] = string.format('"%%s":%%s', k, v) end
  io.write("WRK-RESULT {" .. table.concat(parts, ",") .. "}\\n")
end
"""


def run(argv: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        sys.exit(f"{' '.join(argv[:4])[:80]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def payload(n: int) -> bytes:
    kinds = ("complaint", "consultation", "business", "fault")
    return json.dumps(
        {
            "kind": kinds[n % 4],
            "channel": "counter",
            "title": f"压测工单 {n}",
            "description": "宽带报装未上门",
            "customer_name": "李四",
            "customer_phone": f"139{random.randrange(10**8):08d}",  # noqa: S311
            "impact": 2,
            "urgency": n % 3 + 1,
        }
    ).encode()


def python_load(
    port: int, key: str, seconds: float, connections: int, floor: bool
) -> dict[str, Any]:
    """Threads with keep-alive connections; used when wrk is not installed."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Content-Type": "application/json", "Authorization": f"Token {key}"}

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        n = index * 10_000_000
        while time.monotonic() < stop_at:
            n += 1
            started = time.perf_counter()
            if floor:
                conn.request("GET", FLOOR_PATH, headers=headers)
            else:
                conn.request("POST", PATH, body=payload(n), headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != (200 if floor else 201):
                bad += 1
        with lock:
            latencies.extend(mine)
            failures[0] += bad

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1e6

    return {
        "requests": len(latencies),
        "duration_us": elapsed * 1e6,
        "status_errors": failures[0],
        "socket_errors": 0,
        "p50_us": pct(50),
        "p90_us": pct(90),
        "p99_us": pct(99),
        "max_us": latencies[-1] * 1e6,
        "mean_us": sum(latencies) / len(latencies) * 1e6,
    }


def wrk_load(
    port: int, key: str, seconds: float, connections: int, threads: int, floor: bool
) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(((WRK_FLOOR_SCRIPT if floor else WRK_SCRIPT) + WRK_DONE) % {"key": key})
    wrk = shutil.which("wrk") or "wrk"
    try:
        out = subprocess.run(  # noqa: S603
            [
                wrk,
                f"-t{threads}",
                f"-c{connections}",
                f"-d{int(seconds)}s",
                "--timeout",
                "10s",
                "-s",
                script.name,
                f"http://127.0.0.1:{port}{FLOOR_PATH if floor else PATH}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    match = re.search(r"WRK-RESULT (\{.*\})", out)
    if match is None:
        sys.exit(f"unexpected wrk output:\n{out}")
    return dict(json.loads(match.group(1)))


def count_tickets(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM servicedesk_ticket").fetchone()
        return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/"),
        help="PostgreSQL server (the database name is replaced by --database).",
    )
    parser.add_argument("--database", default="sqms_bench_api")
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--python-client", action="store_true", help="do not use wrk")
    parser.add_argument(
        "--floor", action="store_true", help=f"GET {FLOOR_PATH} instead of registering"
    )
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()

    url, admin_url = database_url_for(args.database_url, args.database)
    recreate_database(admin_url, args.database)
    var_dir = tempfile.mkdtemp(prefix="sqms-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SQMS_VAR_DIR": var_dir,
        "DJANGO_SETTINGS_MODULE": "sqms.settings",
        "LOG_LEVEL": "WARNING",
    }
    print(f"migrating {args.database} …", flush=True)
    run([sys.executable, "-m", "sqms.cli", "migrate", "--verbosity", "0"], env)
    key = run([sys.executable, "-c", SETUP], env).strip().splitlines()[-1]

    log = open(Path(var_dir) / "serve.log", "w")  # noqa: SIM115 - closed after the run
    server = start_server(env, args.port, args.workers, log)
    use_wrk = not args.python_client and shutil.which("wrk") is not None
    try:

        def load(seconds: float) -> dict[str, Any]:
            if use_wrk:
                return wrk_load(args.port, key, seconds, args.connections, args.threads, args.floor)
            return python_load(args.port, key, seconds, args.connections, args.floor)

        print(f"warming up for {args.warmup:.0f} s …", flush=True)
        if args.warmup:
            load(args.warmup)
            time.sleep(2)  # let requests still in flight when the load stopped finish
        before = count_tickets(url)
        load_before = os.getloadavg()[0]
        print(
            f"measuring for {args.duration:.0f} s with {args.connections} connections …",
            flush=True,
        )
        result = load(args.duration)
        time.sleep(2)
        # Includes the requests in flight when the load stopped (answered to nobody).
        created = count_tickets(url) - before
    finally:
        stop_server(server)
        log.close()

    seconds = result["duration_us"] / 1e6
    ok = result["requests"] - result["status_errors"] - result["socket_errors"]
    summary = {
        "requests": result["requests"],
        "created": created,
        "errors": result["status_errors"] + result["socket_errors"],
        "throughput": ok / seconds,
        "p50_ms": result["p50_us"] / 1000,
        "p90_ms": result["p90_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
        "max_ms": result["max_us"] / 1000,
        "load_average": load_before,
    }
    print(json.dumps(summary, indent=2))
    if created < ok and not args.floor:
        print(f"WARNING: {ok} successful responses but only {created} tickets stored", flush=True)
    if args.write:
        write_report(args, summary, postgres_version(url), use_wrk)
    shutil.rmtree(var_dir, ignore_errors=True)


def write_report(args: Any, summary: dict[str, Any], pg_version: str, use_wrk: bool) -> None:
    client = (
        f"wrk -t{args.threads} -c{args.connections}"
        if use_wrk
        else f"{args.connections} Python threads (http.client keep-alive)"
    )
    header = "| requests | stored | errors | req/s | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) |"
    row = " | ".join(
        [
            str(summary["requests"]),
            str(summary["created"]),
            str(summary["errors"]),
            f"{summary['throughput']:.0f}",
            *(f"{summary[name]:.1f}" for name in ("p50_ms", "p90_ms", "p99_ms", "max_ms")),
        ]
    )
    title = (
        f"The request cycle alone: GET {FLOOR_PATH} with a token"
        if args.floor
        else "Ticket registration through the REST API"
    )
    request = f"GET {FLOOR_PATH}" if args.floor else f"POST {PATH}"
    section = f"""
## {title} ({datetime.date.today().isoformat()})

- Machine: {machine()}
- Database: PostgreSQL {pg_version} on the same machine (database `{args.database}`)
- Server: `sqms serve` (gunicorn, {args.workers} sync workers, plus the task worker)
- Load: {client}, {request}, {args.duration:g} s after a {args.warmup:g} s warm-up
- Machine load average (1 min) when the measurement began: {summary["load_average"]:.1f}
- Command: `{command_line()}`

{header}
|---:|---:|---:|---:|---:|---:|---:|---:|
| {row} |
"""
    append_report(section)


if __name__ == "__main__":
    main()
