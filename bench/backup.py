"""Benchmark: `sqms backup` and `sqms restore` of a database with many tickets.

Makes a new source database (SQLite file or PostgreSQL database; dropped first if it
exists), migrates it, loads --tickets tickets with one timeline event each (bulk inserts;
the personal fields are really encrypted), then times:

(a) `sqms backup` of the whole database: rows/s and MB/s of table data, archive size;
(b) `sqms restore` into a second, new database in a separate process (the time includes
    migrating the empty target), which also re-reads and checks every table against the
    manifest.

    python bench/backup.py                                # SQLite, 200,000 tickets
    python bench/backup.py --vendor postgresql --tickets 200000 --write

PostgreSQL: server from --database-url (default postgres://postgres@127.0.0.1:5432);
databases --database with _src and _dst appended (default sqms_bench_backup_src and _dst).
"""

import argparse
import base64
import os
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


def manage(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    subprocess.run(  # noqa: S603 -- our own manage.py
        [sys.executable, str(ROOT / "manage.py"), *args],
        env={**os.environ, **env},
        cwd=ROOT,
        check=True,
    )
    return time.monotonic() - started


def load(tickets: int) -> int:
    from django.utils import timezone

    from sqms.core.choices import OrgUnitKind
    from sqms.core.models import User
    from sqms.core.tests.factories import make_unit
    from sqms.servicedesk.choices import Channel, EventType, Level, Priority, TicketKind
    from sqms.servicedesk.models import Ticket, TicketEvent

    unit = make_unit("BENCH", "基准测试营业厅", OrgUnitKind.HALL, name_en="Bench hall")
    agent = User.objects.create(username="bench_agent", org_unit=unit, first_name="坐席")
    now = timezone.now()
    made = 0
    while made < tickets:
        size = min(BATCH, tickets - made)
        batch = [
            Ticket(
                number=f"SQB{made + i:010d}",
                kind=TicketKind.COMPLAINT,
                channel=Channel.PHONE,
                title=f"宽带无法上网 {made + i}",
                description="客户反映家中宽带从昨晚起无法连接，光猫指示灯闪红。" * 2,
                customer_name="张三丰",
                customer_phone=f"138{(made + i) % 100_000_000:08d}",
                impact=Level.MEDIUM,
                urgency=Level.MEDIUM,
                priority=Priority.P3,
                org_unit=unit,
                first_contact_owner=agent,
                created_by=agent,
            )
            for i in range(size)
        ]
        created = Ticket.objects.bulk_create(batch)
        TicketEvent.objects.bulk_create(
            TicketEvent(
                ticket=ticket,
                actor=agent,
                event_type=EventType.COMMENT,
                message="已致电客户，约定明天上门。",
                created_at=now,
            )
            for ticket in created
        )
        made += size
        print(f"  loaded {made} tickets", flush=True)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vendor", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--database",
        default="sqms_bench_backup",
        help="PostgreSQL: the source and target databases are this with _src and _dst",
    )
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    load_at_start = load_average()

    work = Path(tempfile.mkdtemp(prefix="sqms-bench-backup-"))
    if args.vendor == "sqlite":
        source, target = fresh_sqlite(work / "src.sqlite3"), f"sqlite:///{work / 'dst.sqlite3'}"
    else:
        source, admin = database_url_for(args.database_url, f"{args.database}_src")
        recreate_database(admin, f"{args.database}_src")
        target, _ = database_url_for(args.database_url, f"{args.database}_dst")
        recreate_database(admin, f"{args.database}_dst", empty=True)
    key_file = work / "backup.key"
    key_file.write_text(base64.b64encode(os.urandom(32)).decode())
    base_env = {"SQMS_BACKUP_KEY_FILE": str(key_file)}
    source_env = {**base_env, "DATABASE_URL": source, "SQMS_MEDIA_ROOT": str(work / "m1")}
    target_env = {**base_env, "DATABASE_URL": target, "SQMS_MEDIA_ROOT": str(work / "m2")}

    print(f"migrating the source ({args.vendor})…", flush=True)
    manage(source_env, "migrate", "-v0")
    os.environ.update(source_env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    import django

    django.setup()
    from sqms.core import backup

    started = time.monotonic()
    load(args.tickets)
    load_seconds = time.monotonic() - started
    print(f"loaded in {load_seconds:.1f} s", flush=True)

    archive = work / "bench.sqmsbak"
    key, _source = backup.resolve_key(str(key_file))
    result = backup.create_backup(archive, key)
    rows = result.manifest["rows"]
    data_mb = result.extra["plain_bytes"] / 1e6
    restore_seconds = manage(target_env, "restore", str(archive), "-v0")

    def report(label: str, seconds: float) -> None:
        print(
            f"{label:8} {seconds:7.1f} s  {rows / seconds:9.0f} rows/s  "
            f"{data_mb / seconds:6.1f} MB/s of table data"
        )

    print()
    print(f"vendor {args.vendor}, {args.tickets} tickets, {rows} rows in all tables")
    print(
        f"table data {data_mb:.1f} MB, archive {result.size / 1e6:.1f} MB (compressed, encrypted)"
    )
    report("backup", result.seconds)
    report("restore", restore_seconds)
    print("(restore includes migrating the empty target and re-checking every table)")
    print(f"work directory: {work}")
    if args.write:
        table = markdown_table(
            ("step", "seconds", "rows/s", "MB/s of table data"),
            [
                (label, f"{seconds:.1f}", f"{rows / seconds:,.0f}", f"{data_mb / seconds:.1f}")
                for label, seconds in (
                    ("backup", result.seconds),
                    (
                        "restore (migrating the empty target, re-checking every table)",
                        restore_seconds,
                    ),
                )
            ],
        )
        append_report(
            report_section(
                "Backup and restore",
                database=database_description() + " restored into a new database",
                load_at_start=load_at_start,
                details=[
                    f"Data: {args.tickets:,} tickets with one timeline event each, loaded in"
                    f" {load_seconds:.0f} s; {rows:,} rows in all tables, table data"
                    f" {data_mb:.1f} MB, archive {result.size / 1e6:.1f} MB (compressed,"
                    " encrypted)"
                ],
                table=table,
            )
        )


if __name__ == "__main__":
    main()
