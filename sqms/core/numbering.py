"""Human-readable record numbers (SQ20261121000123): prefix, local date, daily counter.

Each number costs one atomic statement: an upsert on (prefix, day) that increments the day's
counter and returns it. The database serialises concurrent callers on that one row, so numbers
are unique across threads, processes and machines, with no lock held in Python. Taken inside
the transaction that stores its record, the row stays locked until that transaction ends and a
rolled-back caller gives its number back (no gaps, one writer at a time); taken before it, in
autocommit, the lock lasts one statement (callers run side by side; a failure leaves a gap).
"""

import re
import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

from sqms.core.models import NumberSequence

PREFIX_PATTERN = re.compile(r"^[A-Z]{1,8}$")
COUNTER_DIGITS = 6
# UPSERT … RETURNING arrived in SQLite 3.35.
MIN_SQLITE = (3, 35, 0)


def local_day(now: datetime | None = None) -> date:
    """The calendar day of `now` (default: the current time) in settings.TIME_ZONE."""
    moment = now if now is not None else timezone.now()
    return timezone.localtime(moment, ZoneInfo(settings.TIME_ZONE)).date()


def _upsert_sql() -> str:
    table = connection.ops.quote_name(NumberSequence._meta.db_table)
    return (
        f"INSERT INTO {table} (prefix, day, last_value) VALUES (%s, %s, 1) "  # noqa: S608
        f"ON CONFLICT (prefix, day) DO UPDATE SET last_value = {table}.last_value + 1 "
        "RETURNING last_value"
    )


def next_value(prefix: str, day: date) -> int:
    """Increment and return the counter of `prefix` on `day` (1 for the day's first)."""
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < MIN_SQLITE:
        raise ImproperlyConfigured(
            f"sqms needs SQLite {'.'.join(map(str, MIN_SQLITE))} or newer "
            f"(this Python has {sqlite3.sqlite_version})."
        )
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), [prefix, connection.ops.adapt_datefield_value(day)])
        row = cursor.fetchone()
    return int(row[0])


def next_number(prefix: str, *, now: datetime | None = None) -> str:
    """The next number for `prefix` today, e.g. next_number("SQ") → "SQ20261121000123".

    The counter has six digits; a day beyond 999,999 numbers widens it rather than repeat one.
    """
    if not PREFIX_PATTERN.match(prefix):
        raise ValueError(f"number prefix must be 1-8 capital letters, got {prefix!r}")
    day = local_day(now)
    value = next_value(prefix, day)
    return f"{prefix}{day:%Y%m%d}{value:0{COUNTER_DIGITS}d}"
