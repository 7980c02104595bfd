"""Benchmark: quality rollups and indicator queries over many tickets.

Makes its own database (SQLite file, or a PostgreSQL database dropped first; the name must
contain "bench"), migrates it, builds an org of --units units (a company, branches, halls)
with two agents per hall, loads --tickets tickets over --years years (executemany of
plausible rows; sqms.quality.synthetic), then times:

(a) the full rollup rebuild (`sqms rollups rebuild`'s code), rows/s;
(b) the quarterly indicator table for every unit (one grouped query + per-unit subtree sums),
    median of 5 runs; and the whole company's 12-month trend (the dashboard's query), p95 of 20;
(c) the dashboard page as a quality manager sees it (the whole request: view, queries,
    template), for the company, a branch and a hall in turn, p95 of --page-runs;
(d) the quarterly evaluation report (PDF and Excel) of the company and of a hall, each built
    in a fresh process as the task worker builds it: seconds and that process's peak memory;
(e) incremental upkeep: --changes tickets touched (updated_at moved), then one upkeep run;
    changes per second.

--reuse keeps the database of an earlier run (same --tickets) and skips loading and the
rebuild, so the timings can be taken again on a quieter machine.

    python bench/quality_rollups.py --vendor sqlite --tickets 1000000
    python bench/quality_rollups.py --vendor postgresql --tickets 1000000 --write

PostgreSQL server from --database-url (default postgres://postgres@127.0.0.1:5432).
"""

import argparse
import datetime as dt
import os
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import (  # noqa: E402
    append_report,
    database_description,
    database_url_for,
    fresh_sqlite,
    load_average,
    markdown_table,
    recreate_database,
    report_section,
)


def prepare_database(args: Any) -> None:
    if args.reuse:
        if args.vendor == "sqlite":
            os.environ["DATABASE_URL"] = f"sqlite:///{args.sqlite_path}"
        else:
            os.environ["DATABASE_URL"] = database_url_for(args.database_url, args.database)[0]
        return
    if args.vendor == "sqlite":
        os.environ["DATABASE_URL"] = fresh_sqlite(Path(args.sqlite_path))
        return
    url, admin = database_url_for(args.database_url, args.database)
    recreate_database(admin, args.database)
    os.environ["DATABASE_URL"] = url


def make_org(units: int) -> tuple[list[Any], dict[int, list[int]], list[Any]]:
    from django.contrib.auth.hashers import make_password

    from sqms.core.models import OrgUnit, User

    branches = max(1, units // 25)
    root = OrgUnit.objects.add_root(
        {"code": "BENCH", "name": "基准公司", "name_en": "Bench Co", "kind": "company"}
    )
    branch_units = []
    for b in range(branches):
        root = OrgUnit.objects.get(pk=root.pk)
        branch_units.append(
            OrgUnit.objects.add_child(
                root, {"code": f"B{b}", "name": f"分公司{b}", "kind": "branch"}
            )
        )
    halls: list[Any] = []
    h = 0
    while len(halls) + branches + 1 < units:
        branch = OrgUnit.objects.get(pk=branch_units[h % branches].pk)
        halls.append(
            OrgUnit.objects.add_child(
                branch, {"code": f"H{h}", "name": f"营业厅{h}", "kind": "hall"}
            )
        )
        h += 1
    password = make_password(None)
    users = [
        User(username=f"agent-{hall.code}-{a}", org_unit=hall, password=password)
        for hall in halls
        for a in range(2)
    ]
    User.objects.bulk_create(users, batch_size=2000)
    staff: dict[int, list[int]] = {}
    for user_id, unit_id in User.objects.filter(username__startswith="agent-").values_list(
        "pk", "org_unit_id"
    ):
        staff.setdefault(unit_id, []).append(user_id)
    staff[0] = staff[halls[0].pk]
    return halls, staff, list(OrgUnit.objects.order_by("path"))


def build(args: Any, today: dt.date) -> tuple[float, float, int, list[Any]]:
    """Migrate, make the org, load the tickets and rebuild the rollups (timed)."""
    from django.core.management import call_command
    from django.db import connection

    from sqms.quality import rollups
    from sqms.quality.models import UnitDayFact
    from sqms.quality.synthetic import insert_tickets, ticket_rows
    from sqms.servicedesk.models import Category

    call_command("migrate", verbosity=0)
    halls, staff, all_units = make_org(args.units)
    print(f"org: {len(all_units)} units, {sum(len(v) for k, v in staff.items() if k)} agents")
    days = 365 * args.years
    first_day = today - dt.timedelta(days=days)
    categories = list(Category.objects.values_list("pk", flat=True))
    load, _ = timed(
        f"load {args.tickets:,} tickets",
        insert_tickets,
        ticket_rows(
            args.tickets,
            unit_ids=[h.pk for h in halls],
            staff_by_unit=staff,
            category_ids=categories,
            first_day=first_day,
            days=days,
            prefix="B",
        ),
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rebuild, rows = timed("rollup rebuild", rollups.rebuild, restart=True, chunk_days=31)
    print(
        f"    {rows:,} DailyFact rows, {UnitDayFact.objects.count():,} UnitDayFact rows; "
        f"{args.tickets / rebuild:,.0f} tickets/s"
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE quality_dailyfact; ANALYZE quality_unitdayfact")
    return load, rebuild, rows, all_units


def time_pages(all_units: list[Any], quarter: Any, runs: int) -> list[float]:
    """The dashboard page for the company, a branch and a hall in turn, as a quality manager
    at the company sees it: seconds per request, every response checked."""
    from django.contrib.auth.models import Group
    from django.test import Client

    from sqms.core.models import User

    manager, _ = User.objects.get_or_create(
        username="bench-quality-manager", defaults={"org_unit": all_units[0], "language": "zh-hans"}
    )
    manager.groups.add(Group.objects.get(name="quality_manager"))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(manager)
    branch = next(u for u in all_units if u.kind == "branch")
    hall = next(u for u in all_units if u.kind == "hall")
    params = {"g": "quarter", "d": quarter.start.isoformat()}
    targets = [{}, {"unit": branch.pk}, {"unit": hall.pk}]
    client.get("/quality/", params)  # templates and translations load once per process
    seconds = []
    for i in range(runs):
        started = time.perf_counter()
        response = client.get("/quality/", {**params, **targets[i % 3]})
        seconds.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"dashboard page answered {response.status_code}")
    return seconds


REPORT_CHILD = """
import resource, sys, time
import django
django.setup()
from sqms.quality.reports import build_report
started = time.perf_counter()
report = build_report(int(sys.argv[1]))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"REPORT {seconds:.2f} {peak:.0f} {report.pdf.size} {report.xlsx.size}")
"""


def time_reports(units: list[Any], quarter: Any) -> list[tuple[str, float, float]]:
    """Each unit's quarterly evaluation built in a child process (a clean Python, as a worker
    starts): (unit, seconds, peak MB of that process)."""
    import subprocess
    import tempfile

    from sqms.quality.models import EvaluationReport

    results = []
    media = tempfile.mkdtemp(prefix="sqms-bench-reports-")
    for unit in units:
        report = EvaluationReport.objects.create(
            org_unit=unit, year=quarter.start.year, quarter=(quarter.start.month + 2) // 3
        )
        env = {**os.environ, "SQMS_MEDIA_ROOT": media}
        out = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", REPORT_CHILD, str(report.pk)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        line = next((x for x in out.stdout.splitlines() if x.startswith("REPORT ")), None)
        if out.returncode != 0 or line is None:
            sys.exit(f"the report for {unit.code} failed:\n{out.stdout}\n{out.stderr[-3000:]}")
        _tag, seconds, peak, pdf_bytes, xlsx_bytes = line.split()
        print(
            f"  evaluation report of {unit.code}: {float(seconds):.1f} s, peak {peak} MB "
            f"(PDF {int(pdf_bytes) // 1024} KB, Excel {int(xlsx_bytes) // 1024} KB)"
        )
        results.append((str(unit.code), float(seconds), float(peak)))
    return results


def timed(label: str, function: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - started
    print(f"  {label}: {elapsed:.2f} s", flush=True)
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vendor", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument(
        "--changes", type=int, default=18_000, help="tickets changed before one upkeep run"
    )
    parser.add_argument(
        "--sqlite-path",
        default="/tmp/sqms_bench_quality.sqlite3",  # noqa: S108 - a throw-away benchmark file
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="sqms_bench_quality")
    parser.add_argument("--page-runs", type=int, default=30, help="dashboard page requests")
    parser.add_argument(
        "--reuse", action="store_true", help="time an earlier run's data again (no load)"
    )
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    load_at_start = load_average()

    prepare_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from sqms.core.models import OrgUnit
    from sqms.quality import rollups
    from sqms.quality.choices import Granularity
    from sqms.quality.indicators import SliceFilter, series_by_period, unit_table
    from sqms.quality.models import DailyFact
    from sqms.quality.periods import period_containing, periods_back
    from sqms.servicedesk.models import Ticket

    print(f"machine: nproc {os.cpu_count()}, {platform.platform()}; database {connection.vendor}")
    today = timezone.localdate()
    if args.reuse:
        all_units = list(OrgUnit.objects.order_by("path"))
        load = rebuild = 0.0
        rows = DailyFact.objects.count()
        print(f"reusing {Ticket.objects.count():,} tickets, {rows:,} DailyFact rows")
    else:
        load, rebuild, rows, all_units = build(args, today)
    quarter = period_containing(Granularity.QUARTER, today - dt.timedelta(days=100))
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        table = unit_table(quarter, None, all_units)
        runs.append(time.perf_counter() - started)
    table_ms = statistics.median(runs) * 1000
    print(
        f"  quarterly table for all {len(table)} units ({quarter.label}): median {table_ms:.0f} ms"
    )

    months = periods_back(period_containing(Granularity.MONTH, today), 12)
    branch = all_units[1]
    trend = []
    for i in range(20):
        unit = None if i % 2 == 0 else branch
        started = time.perf_counter()
        series_by_period(months, SliceFilter(unit=unit), ["avg_response_minutes", "sla_rate"])
        trend.append(time.perf_counter() - started)
    trend.sort()
    trend_median = statistics.median(trend) * 1000
    trend_p95 = trend[int(len(trend) * 0.95) - 1] * 1000
    print(
        "  12-month dashboard series (company / a branch): "
        f"median {trend_median:.0f} ms, p95 {trend_p95:.0f} ms"
    )
    staff_runs = []
    from sqms.quality.indicators import grouped_measures

    for _ in range(5):
        started = time.perf_counter()
        grouped_measures(quarter, SliceFilter(unit=branch), group_by="staff")
        staff_runs.append(time.perf_counter() - started)
    staff_ms = statistics.median(staff_runs) * 1000
    print(f"  a branch's staff ranking for a quarter (full grain): median {staff_ms:.0f} ms")
    pages = sorted(time_pages(all_units, quarter, args.page_runs))
    page_median = statistics.median(pages) * 1000
    page_p95 = pages[max(0, int(len(pages) * 0.95) - 1)] * 1000
    print(
        f"  dashboard page for a quarter (company / branch / hall in turn): "
        f"median {page_median:.0f} ms, p95 {page_p95:.0f} ms over {len(pages)}"
    )

    hall = next(u for u in all_units if u.kind == "hall")
    reports = time_reports([all_units[0], hall], quarter)

    # Incremental upkeep: touch --changes tickets spread over the last 30 days.
    rng = random.Random(3)  # noqa: S311 - sampling, not security
    recent = list(
        Ticket.objects.filter(created_at__gte=timezone.now() - dt.timedelta(days=30)).values_list(
            "pk", flat=True
        )[: args.changes * 3]
    )
    changed = rng.sample(recent, min(args.changes, len(recent)))
    rollups.upkeep()  # settle the watermark
    now = timezone.now()
    for start in range(0, len(changed), 5000):
        Ticket.objects.filter(pk__in=changed[start : start + 5000]).update(
            updated_at=now, service_error=True
        )
    elapsed, result = timed(f"upkeep after {len(changed):,} changed tickets", rollups.upkeep)
    print(
        f"    {result.keys:,} (day, unit) keys recomputed; {len(changed) / elapsed:,.0f} changes/s"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process: {peak_mb:.0f} MB")
    print(
        f"summary: tickets={args.tickets} vendor={connection.vendor} load={load:.1f}s "
        f"rebuild={rebuild:.1f}s quarter_table_ms={table_ms:.0f} trend_p95_ms={trend_p95:.0f} "
        f"upkeep_changes_per_s={len(changed) / elapsed:.0f} "
        f"dailyfact_rows={DailyFact.objects.count()}"
    )
    if args.write:
        figures = [
            (f"load {args.tickets:,} tickets", f"{load:.1f} s" if load else "reused"),
            (
                "rollup rebuild",
                f"{rebuild:.1f} s, {args.tickets / rebuild:,.0f} tickets/s"
                if rebuild
                else "reused",
            ),
            (
                f"quarterly table for all {len(table)} units (median of 5)",
                f"{table_ms:.0f} ms",
            ),
            (
                "12-month dashboard series, company / a branch (median, p95 of 20)",
                f"{trend_median:.0f} / {trend_p95:.0f} ms",
            ),
            ("a branch's staff ranking for a quarter (median of 5)", f"{staff_ms:.0f} ms"),
            (
                f"dashboard page, company / branch / hall in turn (median, p95 of {len(pages)})",
                f"{page_median:.0f} / {page_p95:.0f} ms",
            ),
            (
                f"upkeep after {len(changed):,} changed tickets",
                f"{elapsed:.2f} s, {len(changed) / elapsed:,.0f} changes/s",
            ),
            *(
                (
                    f"quarterly evaluation report of {code} (PDF + Excel, fresh process)",
                    f"{seconds:.1f} s, peak {peak:.0f} MB",
                )
                for code, seconds, peak in reports
            ),
            ("peak memory of the process", f"{peak_mb:.0f} MB"),
        ]
        append_report(
            report_section(
                "Quality rollups and indicators",
                database=database_description(),
                load_at_start=load_at_start,
                details=[
                    f"Data: {args.tickets:,} tickets over {args.years} years, {len(all_units)}"
                    f" units, {rows:,} DailyFact rows after the rebuild"
                ],
                table=markdown_table(("measure", "result"), figures),
            )
        )


if __name__ == "__main__":
    main()
