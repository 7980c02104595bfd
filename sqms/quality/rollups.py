"""Keeping the daily rollups: full rebuild by day ranges, and incremental upkeep by watermark.

Both recompute whole (day, org unit) keys from the raw records with INSERT … SELECT … GROUP BY
(idempotent: a key recomputed twice ends the same), then refresh UnitDayFact for those keys
from DailyFact, and UnitMonthFact for their months from UnitDayFact, the same way. Runs lock
through the database: each first updates its RollupState row inside its transaction, so a
concurrent run waits and then recomputes from committed data.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max, Min, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from sqms.quality import sources
from sqms.quality.measures import all_measures
from sqms.quality.models import DailyFact, RollupState, UnitDayFact, UnitMonthFact
from sqms.quality.models.facts import FactMeasures

# Upkeep re-reads this much before the watermark: a transaction that committed late with an
# earlier updated_at is still picked up (recomputing a key twice is harmless).
OVERLAP = datetime.timedelta(seconds=120)
REBUILD_CHUNK_DAYS = 7
UNIT_BATCH = 500
# Changed keys within this many days of each other are recomputed together.
BLOCK_DAYS = 62

Keys = set[tuple[datetime.date, int]]


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _fill_daily(first: datetime.date, last: datetime.date, unit_ids: Iterable[int] | None) -> int:
    """INSERT INTO DailyFact … SELECT … GROUP BY for each source; returns rows inserted."""
    rows = 0
    units = None if unit_ids is None else sorted(set(unit_ids))
    prefix = sources.MEASURE_PREFIX
    for source in sources.registered():
        grouped = source.grouped(first, last, units)
        measures = [
            name[len(prefix) :]
            for name in grouped.query.annotation_select
            if name.startswith(prefix)
        ]
        sql, params = grouped.query.sql_with_params()
        columns = [*sources.KEY_COLUMNS, *measures]
        picked = [f"sub.{_quoted(c)}" for c in sources.KEY_COLUMNS]
        picked += [f"sub.{_quoted(prefix + m)}" for m in measures]
        statement = (
            f"INSERT INTO {_quoted(DailyFact._meta.db_table)} "  # noqa: S608 - quoted column names; values are parameters
            f"({', '.join(_quoted(c) for c in columns)}) "
            f"SELECT {', '.join(picked)} FROM ({sql}) sub"
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            rows += max(cursor.rowcount, 0)
    return rows


def _insert_unit_sums(target: type[FactMeasures], facts: QuerySet, day: str) -> int:
    """INSERT INTO `target` … SELECT the measures of `facts` summed per (`day`, unit), where
    `day` is a column or annotation of `facts`; returns the rows written."""
    measures = all_measures()
    grouped = facts.values(day, "org_unit_id").annotate(
        **{f"m_{name}": Sum(name) for name in measures}
    )
    sql, params = grouped.query.sql_with_params()
    target_cols = ["day", "org_unit_id", *measures]
    picked = [f"sub.{_quoted(day)}", "sub.org_unit_id"]
    picked += [f"sub.{_quoted('m_' + m)}" for m in measures]
    statement = (
        f"INSERT INTO {_quoted(target._meta.db_table)} "  # noqa: S608 - quoted column names; values are parameters
        f"({', '.join(_quoted(c) for c in target_cols)}) "
        f"SELECT {', '.join(picked)} FROM ({sql}) sub"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)


def _fill_unit_days(
    first: datetime.date, last: datetime.date, unit_ids: Iterable[int] | None
) -> int:
    facts = DailyFact.objects.filter(day__gte=first, day__lte=last).order_by()
    if unit_ids is not None:
        facts = facts.filter(org_unit_id__in=list(unit_ids))
    return _insert_unit_sums(UnitDayFact, facts, "day")


def month_span(first: datetime.date, last: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of `first`'s month and the last day of `last`'s month."""
    following = (last.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return first.replace(day=1), following - datetime.timedelta(days=1)


def _refresh_months(first: datetime.date, last: datetime.date, units: list[int] | None) -> None:
    """Recompute the UnitMonthFact rows of the months first..last touch, from UnitDayFact.
    A month only partly inside first..last is summed whole, so a rebuild chunk that ends in
    mid-month leaves that month right once the next chunk has refreshed it too."""
    start, end = month_span(first, last)
    months = UnitMonthFact.objects.filter(day__gte=start, day__lte=end)
    days = UnitDayFact.objects.filter(day__gte=start, day__lte=end).order_by()
    if units is not None:
        months = months.filter(org_unit_id__in=units)
        days = days.filter(org_unit_id__in=units)
    months._raw_delete(months.db)
    _insert_unit_sums(UnitMonthFact, days.annotate(month=TruncMonth("day")), "month")


def recompute_days(
    first: datetime.date, last: datetime.date, unit_ids: Iterable[int] | None = None
) -> int:
    """Recompute every rollup row of days first..last (of some units, or all); one
    transaction. Returns the DailyFact rows written."""
    units = None if unit_ids is None else sorted(set(unit_ids))
    with transaction.atomic():
        daily = DailyFact.objects.filter(day__gte=first, day__lte=last)
        unit_days = UnitDayFact.objects.filter(day__gte=first, day__lte=last)
        if units is not None:
            daily = daily.filter(org_unit_id__in=units)
            unit_days = unit_days.filter(org_unit_id__in=units)
        daily._raw_delete(daily.db)
        unit_days._raw_delete(unit_days.db)
        rows = _fill_daily(first, last, units)
        _fill_unit_days(first, last, units)
        _refresh_months(first, last, units)
    return rows


def recompute_keys(keys: Keys) -> int:
    """Recompute the given (day, unit) keys.

    Keys close in time (the usual case: today's and recent tickets change) are recomputed
    as one block — every day of their span for every unit among them — with one statement
    per table; building and compiling the grouped query costs more than the extra rows.
    """
    rows = 0
    by_day: dict[datetime.date, set[int]] = defaultdict(set)
    for day, unit_id in keys:
        by_day[day].add(unit_id)
    blocks: list[list[datetime.date]] = []
    for day in sorted(by_day):
        if blocks and (day - blocks[-1][0]).days < BLOCK_DAYS:
            blocks[-1].append(day)
        else:
            blocks.append([day])
    for block in blocks:
        units = sorted(set().union(*(by_day[d] for d in block)))
        for start in range(0, len(units), UNIT_BATCH):
            rows += recompute_days(block[0], block[-1], units[start : start + UNIT_BATCH])
    return rows


def _lock(name: str, now: datetime.datetime) -> RollupState:
    """Take the job's row lock (inside the caller's transaction) and return its state."""
    RollupState.objects.get_or_create(name=name)
    RollupState.objects.filter(name=name).update(touched_at=now)
    return RollupState.objects.select_for_update().get(name=name)


@dataclass
class UpkeepResult:
    keys: int
    rows: int
    watermark: datetime.datetime | None


def upkeep(now: datetime.datetime | None = None) -> UpkeepResult:
    """Recompute the keys of records changed since the watermark, then move it to `now`."""
    now = now or timezone.now()
    keys: Keys = set()
    with transaction.atomic():
        state = _lock("upkeep", now)
        since = state.watermark - OVERLAP if state.watermark else None
        if state.watermark is None:
            # Never built: everything is "changed"; the full rebuild is the cheaper way.
            rows = rebuild(restart=True, progress=None, _locked=True)
            state.watermark = now
            state.save(update_fields=["watermark"])
            return UpkeepResult(keys=-1, rows=rows, watermark=now)
        for source in sources.registered():
            keys |= source.changed_keys(since, now)
        rows = recompute_keys(keys)
        state.watermark = now
        state.processed += len(keys)
        state.save(update_fields=["watermark", "processed"])
    return UpkeepResult(keys=len(keys), rows=rows, watermark=now)


def _record_range() -> tuple[datetime.date, datetime.date] | None:
    """The first and last local day any source has a record on."""
    zone = sources.local_zone()
    firsts, lasts = [], []
    for source in sources.registered():
        bounds = source.base().aggregate(first=Min(source.day_field), last=Max(source.day_field))
        if bounds["first"] is not None:
            firsts.append(bounds["first"])
            lasts.append(bounds["last"])
    if not firsts:
        return None
    return min(firsts).astimezone(zone).date(), max(lasts).astimezone(zone).date()


Progress = Callable[[datetime.date, datetime.date, datetime.date, int], None]


def rebuild(
    *,
    restart: bool = False,
    progress: Progress | None = None,
    chunk_days: int = REBUILD_CHUNK_DAYS,
    _locked: bool = False,
) -> int:
    """Rebuild all rollups chunk by chunk of days; resumable.

    The cursor (the next day to build) is stored after each chunk, so an interrupted rebuild
    continues where it stopped unless `restart`. The upkeep watermark is set before the first
    chunk, so records changed during the rebuild are picked up by the next upkeep.
    """
    now = timezone.now()
    with transaction.atomic():
        state = _lock("rebuild", now)
        if restart or not state.running or state.cursor is None:
            span = _record_range()
            if span is None:
                DailyFact.objects.all()._raw_delete(DailyFact.objects.db)
                UnitDayFact.objects.all()._raw_delete(UnitDayFact.objects.db)
                UnitMonthFact.objects.all()._raw_delete(UnitMonthFact.objects.db)
                state.running = False
                state.cursor = None
                state.save()
                return 0
            state.cursor, state.until = span
            state.running = True
            state.processed = 0
            state.save()
            if not _locked:
                RollupState.objects.update_or_create(name="upkeep", defaults={"watermark": now})
            # Rows outside the records' span (deleted records) go now; the chunks replace
            # the rest.
            DailyFact.objects.exclude(day__gte=state.cursor, day__lte=state.until)._raw_delete(
                DailyFact.objects.db
            )
            UnitDayFact.objects.exclude(day__gte=state.cursor, day__lte=state.until)._raw_delete(
                UnitDayFact.objects.db
            )
            first_month, last_month = month_span(state.cursor, state.until)
            UnitMonthFact.objects.exclude(day__gte=first_month, day__lte=last_month)._raw_delete(
                UnitMonthFact.objects.db
            )
    total = 0
    # A resumed rebuild counts on from the rows the interrupted run committed.
    done_before = state.processed
    start, until = state.cursor, state.until
    if start is None or until is None:
        return total
    first_day = start
    while start <= until:
        last = min(start + datetime.timedelta(days=chunk_days - 1), until)
        with transaction.atomic():
            _lock("rebuild", timezone.now())
            rows = recompute_days(start, last)
            total += rows
            start = last + datetime.timedelta(days=1)
            RollupState.objects.filter(name="rebuild").update(
                cursor=start, processed=done_before + total, running=start <= until
            )
        if progress is not None:
            progress(first_day, min(last, until), until, total)
    _tidy()
    return total


def _tidy() -> None:
    """After a full rebuild on PostgreSQL, VACUUM ANALYZE the rollup tables: every row was
    replaced, and until autovacuum comes by the planner's statistics are stale and index-only
    scans visit the heap (at 10M tickets a dashboard's p95 was 397 ms before and 117 ms
    after). VACUUM cannot run in a transaction, so inside one (a test) this is left out."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in (DailyFact, UnitDayFact, UnitMonthFact):
            cursor.execute(f"VACUUM ANALYZE {_quoted(model._meta.db_table)}")
