"""Benchmark: the SLA sweep over many open tickets on PostgreSQL.

Creates its own database (dropped first if it exists; its name must contain "bench"),
migrates it, makes an org of branches and halls with agents and unit managers and 2,000
customers, and loads --tickets open tickets, each with its customer, with COPY (precomputed,
plausible SLA fields under the seeded policies; the services and the planner are bypassed so
a million rows load in about a minute). Then:

(a) sweeps when nothing is due, --idle-runs times, and reports the median and p95 wall time
    of `sweep()` plus the EXPLAIN ANALYZE of its range query (which must use the index on
    sla_next_check_at);
(b) makes --due tickets breach their resolution target (and, for a quarter of them, their
    first response), sweeps once and reports escalations per second; checks that every due
    ticket was escalated exactly once, with one message queued to its customer, and that a
    repeated sweep finds nothing.

    python bench/sla_sweep.py                      # 100,000 tickets, 20,000 due
    python bench/sla_sweep.py --tickets 1000000 --write

The PostgreSQL server comes from --database-url (default: $DATABASE_URL's server, else
postgres://postgres@127.0.0.1:5432/); the database name from --database.
"""

import argparse
import datetime as dt
import multiprocessing
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._harness import (  # noqa: E402
    append_report,
    command_line,
    database_description,
    machine,
    recreate_database,
)

COPY_CHUNK = 50_000
HALLS_PER_BRANCH = 10
AGENTS_PER_HALL = 4


def server_url(args: Any, name: str) -> tuple[str, str]:
    parts = urlsplit(args.database_url)
    return (
        urlunsplit(parts._replace(path=f"/{name}")),
        urlunsplit(parts._replace(path="/postgres")),
    )


# --------------------------------------------------------------------------- set-up


def make_org() -> dict[str, Any]:
    """5 branches × 10 halls; a manager per branch and in every other hall; 4 agents a hall."""
    from django.contrib.auth.models import Group

    from sqms.core.models import OrgUnit, User

    agent_group = Group.objects.get(name="agent")
    manager_group = Group.objects.get(name="unit_manager")
    root = OrgUnit.objects.add_root(
        {"code": "HQ", "name": "总公司", "name_en": "Head office", "kind": "company"}
    )
    halls: list[tuple[Any, list[Any]]] = []
    for b in range(5):
        branch = OrgUnit.objects.add_child(
            root,
            {"code": f"BR{b}", "name": f"分公司{b}", "name_en": f"Branch {b}", "kind": "branch"},
        )
        manager = User.objects.create_user(username=f"mgr-br{b}", org_unit=branch, language="en")
        manager.groups.add(manager_group)
        for h in range(HALLS_PER_BRANCH):
            hall = OrgUnit.objects.add_child(
                branch, {"code": f"H{b}-{h}", "name": f"营业厅{b}-{h}", "kind": "hall"}
            )
            if h % 2 == 0:
                hall_manager = User.objects.create_user(username=f"mgr-h{b}-{h}", org_unit=hall)
                hall_manager.groups.add(manager_group)
            agents = []
            for a in range(AGENTS_PER_HALL):
                agent = User.objects.create_user(username=f"agent-{b}-{h}-{a}", org_unit=hall)
                agent.groups.add(agent_group)
                agents.append(agent)
            halls.append((OrgUnit.objects.get(pk=hall.pk), agents))
    return {"halls": halls}


def template_row(hall: Any, agent: Any) -> tuple[list[str], list[Any]]:
    """Column names (without id) and one row's values, read back from a ticket the ORM made,
    so the COPY follows whatever columns the model has."""
    from django.db import connection

    from sqms.servicedesk.models import Ticket

    ticket = Ticket.objects.create(
        number="SQTEMPLATE",
        kind="consultation",
        channel="counter",
        title="压测工单",
        org_unit=hall,
        first_contact_owner=agent,
        impact=2,
        urgency=2,
        priority=3,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM servicedesk_ticket WHERE id = %s", [ticket.pk])
        names = [column.name for column in cursor.description]
        values = list(cursor.fetchone())
    Ticket.objects.filter(pk=ticket.pk).delete()
    keep = [i for i, name in enumerate(names) if name != "id"]
    return [names[i] for i in keep], [values[i] for i in keep]


KINDS = ["consultation", "business", "complaint", "fault", "suggestion"]
CHANNELS = ["counter", "phone", "web", "app", "wechat"]


def policies_by_combo(halls: list[Any]) -> dict[tuple[str, str, int], Any]:
    """The seeded policy each (kind, channel, priority) gets (all halls match alike)."""
    from sqms.servicedesk import sla
    from sqms.servicedesk.models import Ticket

    unit = halls[0][0]
    combos = {}
    for kind in KINDS:
        for channel in CHANNELS:
            for priority in (1, 2, 3, 4):
                probe = Ticket(kind=kind, channel=channel, priority=priority, org_unit=unit)
                combos[(kind, channel, priority)] = sla.match_policy(probe)
    return combos


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def customers(count: int, halls: list[Any]) -> list[tuple[int, str, str, str]]:
    """`count` customer records, as registration makes them, and what a ticket of theirs
    stores: (customer id, encrypted name, encrypted phone, the phone's blind index), each
    encrypted once and shared by many tickets."""
    from sqms.customers.models import Customer
    from sqms.servicedesk.models import Ticket

    made = Customer.objects.bulk_create(
        Customer(
            number=f"CB{n:08d}",
            name=SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)],
            phone=f"139{n:08d}",
            gender=("male", "female")[n % 2],
            org_unit=halls[n % len(halls)][0],
        )
        for n in range(count)
    )
    name_field = Ticket._meta.get_field("customer_name")
    phone_field = Ticket._meta.get_field("customer_phone")
    index_field = Ticket._meta.get_field("customer_phone_index")
    return [
        (
            customer.pk,
            name_field.get_prep_value(customer.name),  # type: ignore[attr-defined]
            phone_field.get_prep_value(customer.phone),  # type: ignore[attr-defined]
            index_field.digest(customer.phone),  # type: ignore[attr-defined]
        )
        for customer in made
    ]


def load_tickets(url: str, count: int, org: dict[str, Any], now: dt.datetime) -> float:
    """COPY `count` open tickets, none due at `now`; returns seconds taken. Every ticket has
    customer record, name and phone, as one registered at a counter or on the phone does, so
    an escalation also queues a message to the customer."""
    halls = org["halls"]
    columns, template = template_row(*[halls[0][0], halls[0][1][0]])
    index = {name: i for i, name in enumerate(columns)}
    combos = policies_by_combo(halls)
    callers = customers(2000, halls)
    rng = random.Random(42)  # noqa: S311 - reproducible test data, not secrets
    started = time.perf_counter()
    minute = dt.timedelta(minutes=1)
    with psycopg.connect(url) as conn:
        with conn.cursor() as cursor:
            copy_sql = f"COPY servicedesk_ticket ({', '.join(columns)}) FROM STDIN"
            for chunk_start in range(0, count, COPY_CHUNK):
                with cursor.copy(copy_sql) as copy:
                    for n in range(chunk_start, min(count, chunk_start + COPY_CHUNK)):
                        hall, agents = halls[n % len(halls)]
                        agent = agents[n % len(agents)]
                        kind, channel = rng.choice(KINDS), rng.choice(CHANNELS)
                        priority = rng.choice((2, 3, 3, 4, 4, 4))
                        policy = combos[(kind, channel, priority)]
                        created = now - minute * rng.randint(1, 3 * 24 * 60)
                        row = list(template)
                        row[index["number"]] = f"SQB{n:010d}"
                        (
                            row[index["customer_id"]],
                            row[index["customer_name"]],
                            row[index["customer_phone"]],
                            row[index["customer_phone_index"]],
                        ) = callers[n % len(callers)]
                        row[index["kind"]] = kind
                        row[index["channel"]] = channel
                        row[index["priority"]] = priority
                        row[index["org_unit_id"]] = hall.pk
                        row[index["first_contact_owner_id"]] = agent.pk
                        row[index["created_by_id"]] = agent.pk
                        row[index["assignee_id"]] = agents[(n + 1) % len(agents)].pk
                        row[index["created_at"]] = row[index["updated_at"]] = created
                        row[index["sla_policy_id"]] = policy.pk if policy else None
                        # Plausible, future commitments; the sweep reads only these fields.
                        resolve_due = now + minute * rng.randint(60, 14 * 24 * 60)
                        resolve_warn = resolve_due - (resolve_due - created) / 4
                        row[index["resolve_due_at"]] = resolve_due
                        row[index["resolve_warn_at"]] = max(resolve_warn, now + minute * 30)
                        bucket = n % 20
                        if bucket < 4:  # registered, not yet answered
                            row[index["status"]] = "new"
                            response_due = now + minute * rng.randint(30, 24 * 60)
                            row[index["response_due_at"]] = response_due
                            row[index["response_warn_at"]] = response_due - minute * 10
                            row[index["sla_next_check_at"]] = response_due - minute * 10
                        else:
                            row[index["status"]] = (
                                "waiting_customer"
                                if bucket == 19
                                else ("responded" if bucket < 8 else "in_progress")
                            )
                            row[index["response_due_at"]] = created + minute * 30
                            row[index["response_warn_at"]] = created + minute * 15
                            row[index["responded_at"]] = created + minute * 5
                            row[index["response_minutes"]] = 5
                            row[index["response_warned"]] = False
                            if bucket == 19:
                                row[index["paused_at"]] = now - minute * 5
                                row[index["sla_next_check_at"]] = None
                            else:
                                row[index["sla_next_check_at"]] = row[index["resolve_warn_at"]]
                        copy.write_row(row)
                print(f"  loaded {min(count, chunk_start + COPY_CHUNK):,} tickets", flush=True)
        conn.commit()
        conn.execute("ANALYZE servicedesk_ticket")
        conn.commit()
    return time.perf_counter() - started


def make_due(url: str, due: int, now: dt.datetime, phase: int = 0) -> int:
    """Put `due` running tickets past their resolution deadline (those not yet answered also
    past their first response), spread over the table; `phase` picks a different set.
    Returns how many are due."""
    with psycopg.connect(url) as conn:
        total = conn.execute(
            "SELECT count(*) FROM servicedesk_ticket WHERE status <> 'waiting_customer'"
        ).fetchone()[0]  # type: ignore[index]
        step = max(total // due, 2)
        conn.execute(
            """
            WITH chosen AS (
                SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM servicedesk_ticket
                WHERE status <> 'waiting_customer'
            )
            UPDATE servicedesk_ticket t SET
                resolve_warn_at = %(now)s - interval '40 minutes',
                resolve_due_at = %(now)s - interval '2 minutes',
                resolve_warned = true,
                response_due_at = CASE WHEN t.status = 'new'
                    THEN %(now)s - interval '3 minutes' ELSE t.response_due_at END,
                sla_next_check_at = %(now)s - interval '2 minutes'
            FROM chosen WHERE chosen.id = t.id AND chosen.n %% %(step)s = %(phase)s
                AND chosen.n / %(step)s < %(due)s
            """,
            {"now": now, "step": step, "due": due, "phase": phase % step},
        )
        conn.commit()
        conn.execute("ANALYZE servicedesk_ticket")
        conn.commit()
        row = conn.execute(
            "SELECT count(*) FROM servicedesk_ticket WHERE sla_next_check_at <= %s", [now]
        ).fetchone()
        return int(row[0]) if row else 0


# --------------------------------------------------------------------------- measuring


def explain_idle(now: dt.datetime) -> str:
    from django.db import transaction

    from sqms.servicedesk.sweep import locking_query

    with transaction.atomic():
        return locking_query(now, None, 500).explain(analyze=True, buffers=True)


def time_idle_sweeps(now: dt.datetime, runs: int) -> list[float]:
    from sqms.servicedesk.sweep import sweep

    for _ in range(3):  # warm the connection, caches and the plan
        sweep(now)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = sweep(now)
        timings.append((time.perf_counter() - started) * 1000)
        if result.checked:
            sys.exit(f"a sweep with nothing due touched tickets: {result}")
    return timings


def sweep_in_child(now: dt.datetime, batch_size: int) -> tuple[int, int, int]:
    """One of several concurrent sweeps (a forked process with its own connection)."""
    from django.db import connection

    from sqms.servicedesk.sweep import sweep

    try:
        result = sweep(now, batch_size=batch_size)
    finally:
        connection.close()
    return result.checked, result.warned, result.escalated


def count_escalated() -> tuple[int, int, int]:
    """(escalation events, distinct tickets escalated, customer messages about escalations)."""
    from sqms.notifications.models import OutboundMessage
    from sqms.servicedesk.models import TicketEvent

    events = TicketEvent.objects.filter(event_type="escalation")
    messages = OutboundMessage.objects.filter(event="escalation")
    return events.count(), events.values("ticket_id").distinct().count(), messages.count()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_server = os.environ.get("DATABASE_URL", "")
    if not default_server.startswith("postgres"):
        default_server = "postgres://postgres@127.0.0.1:5432/"
    parser.add_argument("--database-url", default=default_server, help="PostgreSQL server")
    parser.add_argument("--database", default="sqms_bench", help="bench database (recreated)")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--idle-runs", type=int, default=30)
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="concurrent sweeps for phase (c); 1 skips it",
    )
    parser.add_argument("--write", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    if "bench" not in args.database or args.database.startswith("test_"):
        sys.exit("the bench database's name must contain 'bench' (it is dropped and recreated)")
    url, admin_url = server_url(args, args.database)

    print(f"recreating {args.database} and migrating …", flush=True)
    recreate_database(admin_url, args.database)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sqms.settings")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    org = make_org()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)

    print(f"loading {args.tickets:,} open tickets with COPY …", flush=True)
    load_seconds = load_tickets(url, args.tickets, org, now)
    print(f"  {load_seconds:.1f} s ({args.tickets / load_seconds:,.0f} rows/s)")

    plan = explain_idle(now)
    uses_index = "Index Cond: (sla_next_check_at <=" in plan
    print("EXPLAIN ANALYZE of the sweep's range query:\n" + plan)
    idle = time_idle_sweeps(now, args.idle_runs)
    print(
        f"(a) nothing due, {args.tickets:,} open tickets: median {statistics.median(idle):.2f} ms,"
        f" p95 {pct(idle, 95):.2f} ms, max {max(idle):.2f} ms over {len(idle)} sweeps"
        f" (index used: {uses_index})"
    )

    due = make_due(url, args.due, now)
    connection.close()
    from django.urls import get_resolver

    from sqms.servicedesk.sweep import sweep

    # A worker loads the URLconf (for ticket and tracking links) and builds its reverse map at
    # its first escalation and keeps them; do both now so the one-offs are not counted.
    get_resolver().reverse_dict  # noqa: B018 - evaluated for its side effect
    load_before = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    result = sweep(now, batch_size=args.batch_size)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    rate = result.escalated / seconds if seconds else 0.0
    print(
        f"(b) {due:,} due: {result.escalated:,} escalated, {result.warned:,} warned in "
        f"{seconds:.2f} s = {rate:,.0f} escalations/s (batch size {args.batch_size}; "
        f"{cpu_seconds:.2f} s of this process's CPU; load average {load_before:.1f})"
    )
    events, distinct, messages = count_escalated()
    if not result.escalated == due == events == distinct == messages:
        sys.exit(
            f"expected {due} escalations and customer messages, one per ticket: {result}, "
            f"{distinct} tickets, {messages} messages"
        )

    parallel: dict[str, Any] | None = None
    if args.processes > 1:
        due_parallel = make_due(url, args.due, now, phase=1)
        connection.close()  # the forked sweeps each open their own
        context = multiprocessing.get_context("fork")
        with context.Pool(args.processes) as pool:
            load_parallel = os.getloadavg()[0]
            started = time.perf_counter()
            outcomes = pool.starmap(sweep_in_child, [(now, args.batch_size)] * args.processes)
            parallel_seconds = time.perf_counter() - started
        escalated = sum(outcome[2] for outcome in outcomes)
        print(
            f"(c) {due_parallel:,} due, {args.processes} concurrent sweeps: {escalated:,} "
            f"escalated in {parallel_seconds:.2f} s = {escalated / parallel_seconds:,.0f}"
            f" escalations/s (split {[outcome[2] for outcome in outcomes]}; load average "
            f"{load_parallel:.1f})"
        )
        events, distinct, messages = count_escalated()
        if not escalated == due_parallel == events - due == distinct - due == messages - due:
            sys.exit(
                f"expected {due_parallel} more escalations and customer messages, one per "
                f"ticket: {outcomes}, {messages - due} messages"
            )
        parallel = {
            "due": due_parallel,
            "escalated": escalated,
            "seconds": parallel_seconds,
            "split": [outcome[2] for outcome in outcomes],
        }

    started = time.perf_counter()
    again = sweep(now, batch_size=args.batch_size)
    repeat_ms = (time.perf_counter() - started) * 1000
    if again.checked:
        sys.exit(f"a repeated sweep found work: {again}")
    print(f"    repeated sweep at the same instant: nothing to do, {repeat_ms:.2f} ms")

    if args.write:
        write_report(
            database=database_description(),
            args=args,
            load_seconds=load_seconds,
            idle=idle,
            uses_index=uses_index,
            due=due,
            result=result,
            seconds=seconds,
            cpu_seconds=cpu_seconds,
            load=load_before,
            parallel=parallel,
            repeat_ms=repeat_ms,
        )


def write_report(**facts: Any) -> None:
    args, idle, result, seconds = facts["args"], facts["idle"], facts["result"], facts["seconds"]
    idle_text = f"{statistics.median(idle):.2f} / {pct(idle, 95):.2f} ms"
    rate_text = f"{result.escalated:,} in {seconds:.2f} s = {result.escalated / seconds:,.0f}/s"
    parallel = facts["parallel"]
    parallel_row = ""
    if parallel:
        parallel_row = (
            f"| escalations when {parallel['due']:,} are due, {len(parallel['split'])} concurrent"
            f" sweeps, no helpers (each ticket once; split {parallel['split']}) |"
            f" {parallel['escalated']:,} in"
            f" {parallel['seconds']:.2f} s = {parallel['escalated'] / parallel['seconds']:,.0f}/s"
            " | ≥ 5,000/s |\n"
        )
    section = f"""
## SLA sweep ({dt.date.today().isoformat()})

- Machine: {machine()}
- Database: {facts["database"]}
- Command: `{command_line()}`
- Data: {args.tickets:,} open tickets loaded with COPY in {facts["load_seconds"]:.0f} s
  (5 % waiting for the customer), 50 halls in 5 branches, the seeded SLA policies; every
  ticket has its customer (2,000 records) with name and phone, so every escalation also
  queues a text message to the customer; every escalation raises the priority and re-plans
  the due times (mostly business time)
- One sweep used {facts["cpu_seconds"]:.1f} s of its process's CPU; load average
  {facts["load"]:.1f} when it started

| measure | result | goal |
|---|---:|---:|
| sweep with nothing due (median / p95 of {len(idle)}) | {idle_text} | < 50 ms |
| range query uses the sla_next_check_at index | {"yes" if facts["uses_index"] else "NO"} | yes |
| escalations when {facts["due"]:,} are due, one sweep with its helper | {rate_text} | ≥ 5,000/s |
{parallel_row}| repeated sweep at the same instant | 0 escalated, {facts["repeat_ms"]:.1f} ms | 0 |
"""
    append_report(section)


if __name__ == "__main__":
    main()
