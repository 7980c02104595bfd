"""Synthetic service history in bulk, for the demo and the benchmarks.

Rows are written over all of the ticket table's columns (a template row made by the model
supplies every NOT NULL column): with COPY on PostgreSQL and executemany on SQLite, so a
million tickets take a minute or two, not hours.
The numbers are plausible: most tickets respond within a few minutes, complaints take days,
a few per cent are service errors, some are reopened or reassigned.
"""

import datetime
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from sqms.quality.sources import day_start

KINDS = [
    ("consultation", 40),
    ("business", 30),
    ("complaint", 10),
    ("fault", 12),
    ("suggestion", 5),
    ("praise", 3),
]
CHANNELS = [("counter", 35), ("phone", 35), ("web", 10), ("app", 10), ("wechat", 10)]
TITLES = [
    "宽带无法上网",
    "话费账单有疑问",
    "办理套餐变更",
    "营业厅排队时间过长",
    "手机信号差",
    "要求补开发票",
    "服务态度投诉",
    "携号转网咨询",
]


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def _template() -> tuple[list[str], dict[str, Any]]:
    from sqms.servicedesk.models import Ticket

    ticket = Ticket(
        number="X",
        kind="consultation",
        channel="phone",
        title="x",
        impact=2,
        urgency=2,
        priority=3,
        org_unit_id=1,
        first_contact_owner_id=1,
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    columns: list[str] = []
    values: dict[str, Any] = {}
    for field in Ticket._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(str(field.column))
        values[str(field.column)] = field.get_db_prep_save(
            getattr(ticket, field.attname), connection
        )
    return columns, values


def outcome(
    rng: random.Random,
    kind: str,
    created: datetime.datetime,
    owner: int,
    staff: Sequence[int],
    now: datetime.datetime,
) -> dict[str, Any]:
    """How a ticket went: response and resolution times, SLA targets, status, service error,
    reassignment and reopening."""
    response = int(rng.expovariate(1 / 2.5)) if rng.random() < 0.97 else None
    resolve = None
    if response is not None and rng.random() < 0.93:
        mean = 2400 if kind == "complaint" else (15 if kind == "business" else 90)
        resolve = response + int(rng.expovariate(1 / mean))
    resolve_due = 2880 if kind == "complaint" else (20 if kind == "business" else 240)
    closed = resolve is not None and rng.random() < 0.8
    reassigned = 1 if rng.random() < 0.08 else 0
    # Breached as the sweep would have flagged it: answered or solved late, or not yet and
    # past due (the workspace's "breached" tab and the breached filter read these flags).
    waited = int((now - created).total_seconds() // 60)
    row: dict[str, Any] = {
        "response_breached": (response if response is not None else waited) > 3,
        "resolve_breached": (resolve if resolve is not None else waited) > resolve_due,
        "updated_at": min(now, created + datetime.timedelta(minutes=(resolve or 0) + 60)),
        "response_due_at": created + datetime.timedelta(minutes=3),
        "resolve_due_at": created + datetime.timedelta(minutes=resolve_due),
        "status": "closed" if closed else ("resolved" if resolve is not None else "in_progress"),
        "service_error": rng.random() < 0.03,
        "reassignment_count": reassigned,
        "reopen_count": 1 if resolve is not None and rng.random() < 0.04 else 0,
    }
    if response is not None:
        row["response_minutes"] = response
        row["responded_at"] = created + datetime.timedelta(minutes=response)
    if resolve is not None:
        row["resolve_minutes"] = resolve
        row["resolved_at"] = created + datetime.timedelta(minutes=resolve)
        row["resolved_by_id"] = owner if not reassigned else staff[rng.randrange(len(staff))]
    if closed:
        row["closed_at"] = created + datetime.timedelta(minutes=(resolve or 0) + 1440)
    return row


def ticket_rows(
    n: int,
    *,
    unit_ids: Sequence[int],
    staff_by_unit: Mapping[int, Sequence[int]],
    category_ids: Sequence[int],
    first_day: datetime.date,
    days: int,
    seed: int = 7,
    prefix: str = "SYN",
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
    now = timezone.now()
    for i in range(n):
        unit = unit_ids[rng.randrange(len(unit_ids))]
        staff = staff_by_unit.get(unit) or staff_by_unit[0]
        owner = staff[rng.randrange(len(staff))]
        day = first_day + datetime.timedelta(days=rng.randrange(days))
        created = day_start(day) + datetime.timedelta(seconds=rng.randrange(8 * 3600, 20 * 3600))
        kind = _weighted(rng, KINDS)
        row = {
            "number": f"{prefix}{i:09d}",
            "kind": kind,
            "channel": _weighted(rng, CHANNELS),
            "category_id": category_ids[rng.randrange(len(category_ids))]
            if category_ids and rng.random() < 0.9
            else None,
            "title": TITLES[rng.randrange(len(TITLES))],
            "org_unit_id": unit,
            "first_contact_owner_id": owner,
            "created_at": created,
            **outcome(rng, kind, created, owner, staff, now),
        }
        yield row


def insert_tickets(rows: Iterator[dict[str, Any]], *, batch: int = 5000) -> int:
    """Write ticket rows in transactions of `batch` rows; returns the count."""
    columns, template = _template()
    time_columns = {
        "created_at",
        "updated_at",
        "response_due_at",
        "resolve_due_at",
        "responded_at",
        "resolved_at",
        "closed_at",
    }
    placeholders = ", ".join(["%s"] * len(columns))
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO servicedesk_ticket ({quoted}) VALUES ({placeholders})"  # noqa: S608 - quoted column names
    total = 0
    pending: list[list[Any]] = []

    copy_sql = f"COPY servicedesk_ticket ({quoted}) FROM STDIN"

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                cursor.executemany(sql, pending)
                return
            # COPY is several times faster than INSERT for bulk rows (one round trip, no
            # per-statement planning); psycopg adapts each value as it would a parameter.
            with cursor.cursor.copy(copy_sql) as copy:
                for values in pending:
                    copy.write_row(values)

    position = {column: i for i, column in enumerate(columns)}
    base = [template[column] for column in columns]
    adapt = connection.ops.adapt_datetimefield_value
    for row in rows:
        values = list(base)
        for column, value in row.items():
            if column in time_columns and value is not None:
                value = adapt(value)
            values[position[column]] = value
        pending.append(values)
        if len(pending) >= batch:
            flush()
            total += len(pending)
            pending = []
    if pending:
        flush()
        total += len(pending)
    return total
