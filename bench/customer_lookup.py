"""Benchmark: exact look-up of a customer by phone among --count customers (default 1,000,000).

Makes a new database (SQLite file or PostgreSQL database; dropped first if it exists),
migrates it, bulk-loads the customers (names and phones really encrypted, blind indexes
really computed; `bulk_create` in batches), then times --lookups look-ups of random existing
phones through `sqms.customers.services.find_customer` (normalisation, HMAC, one indexed
query) and prints p50/p90/p99, the number of queries per look-up and the query plan.

    python bench/customer_lookup.py                              # SQLite, 1,000,000
    python bench/customer_lookup.py --vendor postgresql --count 1000000 --write

PostgreSQL: server from --database-url (default postgres://postgres@127.0.0.1:5432);
database from --database (default sqms_bench_customers).
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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

BATCH = 5_000


def phone_of(n: int) -> str:
    return f"13{n:09d}"


def load(count: int) -> float:
    """The fast bulk path: values encrypted and indexed exactly as the fields do it (same
    associated data, same blind-index purpose), written with executemany in batches."""
    from django.db import connection, transaction
    from django.utils import timezone

    from sqms.core import crypto
    from sqms.core.fields import blind_index_for
    from sqms.core.models import OrgUnit
    from sqms.customers.models import Customer

    unit = OrgUnit.objects.add_root(
        {"code": "BENCH", "name": "压测营业厅", "name_en": "Bench hall", "kind": "hall"}
    )
    name_field = Customer._meta.get_field("name")
    phone_field = Customer._meta.get_field("phone")
    fixed = {
        "org_unit_id": unit.pk,
        "phone_alt": "",
        "id_number": "",
        "email": "",
        "address": "",
        "gender": "unknown",
        "occupation": "",
        "segment": "mass",
        "preferred_channel": "phone",
        "service_needs": "",
        "habits": "",
        "notes": "",
        "classification": "sensitive",
        "legal_hold": False,
        "legal_hold_reason": "",
    }
    columns = ["number", "name", "phone", "phone_index", "created_at", "updated_at", *fixed]
    table = connection.ops.quote_name(Customer._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    now = timezone.now()
    started = time.monotonic()
    for first in range(0, count, BATCH):
        rows = []
        for n in range(first, min(first + BATCH, count)):
            phone = phone_of(n)
            rows.append(
                (
                    f"CB{n:014d}",
                    crypto.encrypt(f"客户{n}", name_field.associated_data),  # type: ignore[attr-defined]
                    crypto.encrypt(phone, phone_field.associated_data),  # type: ignore[attr-defined]
                    blind_index_for(Customer, "phone", phone),
                    now,
                    now,
                    *fixed.values(),
                )
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, rows)
        if first and first % 100_000 == 0:
            print(f"  {first:,} loaded", flush=True)
    return time.monotonic() - started


def measure(count: int, lookups: int) -> list[tuple[str, str]]:
    """Times the look-ups, prints the figures and returns them as (measure, result) rows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sqms.customers import services
    from sqms.customers.models import Customer

    rng = random.Random(7)  # noqa: S311 - sampling, not security
    durations = []
    queries_per_lookup = set()
    for _ in range(lookups):
        n = rng.randrange(count)
        # Typed as an agent would, with the country code and dashes.
        typed = f"+86 {phone_of(n)[:3]}-{phone_of(n)[3:7]}-{phone_of(n)[7:]}"
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            found = services.find_customer(phone=typed)
            durations.append(time.perf_counter() - started)
        queries_per_lookup.add(len(queries))
        if found is None or found.number != f"CB{n:014d}":
            raise SystemExit(f"look-up of {typed} found {found}")
    durations.sort()
    ms = [d * 1000 for d in durations]
    print(f"look-ups: {lookups:,}, queries per look-up: {sorted(queries_per_lookup)}")
    print(
        f"p50 {statistics.median(ms):.3f} ms, "
        f"p90 {ms[int(len(ms) * 0.9)]:.3f} ms, "
        f"p99 {ms[int(len(ms) * 0.99)]:.3f} ms, max {ms[-1]:.3f} ms"
    )
    plan = Customer.objects.filter(services.phone_match(phone_of(1))).explain()
    print("plan:", plan.replace("\n", " | "))
    return [
        ("look-ups", f"{lookups:,}"),
        ("queries per look-up", ", ".join(map(str, sorted(queries_per_lookup)))),
        (
            "p50 / p90 / p99 / max (ms)",
            f"{statistics.median(ms):.3f} / {ms[int(len(ms) * 0.9)]:.3f} / "
            f"{ms[int(len(ms) * 0.99)]:.3f} / {ms[-1]:.3f}",
        ),
        ("plan", "`" + plan.replace("\n", " ").replace("|", "\\|") + "`"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vendor", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--database", default="sqms_bench_customers", help="PostgreSQL database (recreated)"
    )
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    load_at_start = load_average()

    workdir = Path(tempfile.mkdtemp(prefix="sqms-bench-customers-"))
    if args.vendor == "postgresql":
        url, admin = database_url_for(args.database_url, args.database)
        recreate_database(admin, args.database)
    else:
        url = fresh_sqlite(workdir / "bench.sqlite3")
    env = {"DATABASE_URL": url, "SQMS_VAR_DIR": str(workdir)}
    os.environ.update(env)
    subprocess.run(  # noqa: S603 -- our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"],
        env={**os.environ, **env},
        cwd=ROOT,
        check=True,
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    import django

    django.setup()
    print(f"{args.vendor}: loading {args.count:,} customers …", flush=True)
    seconds = load(args.count)
    print(f"loaded in {seconds:.1f} s ({args.count / seconds:,.0f} rows/s)")
    if args.vendor == "postgresql":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")
    figures = measure(args.count, args.lookups)
    if args.write:
        append_report(
            report_section(
                "Customer look-up by phone",
                database=database_description(),
                load_at_start=load_at_start,
                details=[
                    f"Data: {args.count:,} customers (names and phones encrypted, blind-indexed)"
                    f" loaded in {seconds:.1f} s"
                ],
                table=markdown_table(("measure", "result"), figures),
            )
        )


if __name__ == "__main__":
    main()
