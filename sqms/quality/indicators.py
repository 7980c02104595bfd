"""Indicator values for any period and slice, from the rollups with one grouped query.

    table = indicator_table(periods=[q], slice=SliceFilter(unit=branch), group_by="child")

The query sums the additive measures per group (unit, staff, channel, kind, problem type or
day); the formulas of sqms.quality.catalogue turn the sums into values; quantiles come from
the summed histograms. Per-unit questions read UnitMonthFact when the period is whole months,
else UnitDayFact; the rest (staff, channel, kind, problem type) read DailyFact.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr

from sqms.core.models import OrgUnit
from sqms.quality import sources
from sqms.quality.catalogue import BY_CODE, DEFINITIONS, Definition
from sqms.quality.choices import Band
from sqms.quality.measures import all_measures, histogram_fields, quantile_from_histogram
from sqms.quality.models import DailyFact, UnitDayFact, UnitMonthFact
from sqms.quality.periods import Period

MEASURES = all_measures()
GROUPS = ("unit", "child", "staff", "channel", "kind", "category", "day")
_GROUP_COLUMN = {
    "unit": "org_unit_id",
    "child": "org_unit_id",
    "staff": "staff_id",
    "channel": "channel",
    "kind": "kind",
    "category": "category_id",
    "day": "day",
    "month": "day",  # internal: UnitMonthFact's `day` is the month's first day
}


@dataclass(frozen=True)
class SliceFilter:
    unit: OrgUnit | None = None  # with its subtree
    staff_id: int | None = None
    channel: str = ""
    kind: str = ""
    category_id: int | None = None

    @property
    def needs_full_grain(self) -> bool:
        return bool(self.staff_id or self.channel or self.kind or self.category_id)

    def as_query(self) -> dict[str, Any]:
        """The filter as ticket-list query parameters (click-through to the records)."""
        query: dict[str, Any] = {}
        if self.unit is not None:
            query["org_unit"] = self.unit.pk
        if self.channel:
            query["channel"] = self.channel
        if self.kind:
            query["kind"] = self.kind
        if self.category_id:
            query["category"] = self.category_id
        return query


@dataclass
class IndicatorValue:
    code: str
    value: float | None
    numerator: float = 0
    denominator: float = 0
    p50: float | None = None
    p90: float | None = None
    # "ok", "no_data" (nothing in the period) or "no_source" (its source is not installed)
    state: str = "ok"
    band: str = Band.NO_DATA
    target: Any = None  # the Target row in force, if any

    @property
    def has_value(self) -> bool:
        return self.value is not None


def evaluate(definition: Definition, measures: Mapping[str, int]) -> IndicatorValue:
    if not sources.has_source(definition.source):
        return IndicatorValue(definition.code, None, state="no_source")
    value = definition.formula(measures)
    if value is None:
        return IndicatorValue(definition.code, None, state="no_data")
    result = IndicatorValue(
        definition.code,
        value,
        numerator=_numerator(definition, measures),
        denominator=measures.get(definition.denominator, 0),
    )
    if definition.histogram:
        counts = [measures.get(name, 0) for name in histogram_fields(definition.histogram)]
        result.p50 = quantile_from_histogram(counts, 0.5)
        result.p90 = quantile_from_histogram(counts, 0.9)
    return result


def _numerator(definition: Definition, measures: Mapping[str, int]) -> float:
    if definition.numerator in measures:
        return measures[definition.numerator]
    if definition.code == "nps":
        return measures.get("nps_promoters", 0) - measures.get("nps_detractors", 0)
    if definition.code == "avg_wait_minutes":
        return measures.get("wait_seconds", 0) / 60
    return 0


def empty_measures() -> dict[str, int]:
    return dict.fromkeys(MEASURES, 0)


def add_into(total: dict[str, int], row: Mapping[str, Any]) -> None:
    for name in MEASURES:
        total[name] += row.get(name) or 0


def whole_months(period: Period) -> bool:
    """Whether the period starts on a month's first day and ends on a month's last."""
    return period.start.day == 1 and (period.end + datetime.timedelta(days=1)).day == 1


def _facts(
    period_start: datetime.date,
    period_end: datetime.date,
    sl: SliceFilter,
    full: bool,
    monthly: bool = False,
) -> QuerySet:
    model = DailyFact if full else (UnitMonthFact if monthly else UnitDayFact)
    facts: Any = model.objects.filter(day__gte=period_start, day__lte=period_end).order_by()
    if sl.unit is not None:
        facts = facts.filter(org_unit__path__startswith=sl.unit.path)
    if sl.staff_id:
        facts = facts.filter(staff_id=sl.staff_id)
    if sl.channel:
        facts = facts.filter(channel=sl.channel)
    if sl.kind:
        facts = facts.filter(kind=sl.kind)
    if sl.category_id:
        facts = facts.filter(category_id=sl.category_id)
    return facts


def measures_of(codes: Iterable[str], *, quantiles: bool = True) -> list[str]:
    """The rollup measures the given indicators need (their histograms only with quantiles)."""
    names: set[str] = set()
    for code in codes:
        definition = BY_CODE[code]
        for name in MEASURES:
            if name in definition.numerator or name == definition.denominator:
                names.add(name)
        if quantiles and definition.histogram:
            names.update(histogram_fields(definition.histogram))
    return [name for name in MEASURES if name in names]


def grouped_measures(
    period: Period,
    sl: SliceFilter = SliceFilter(),
    group_by: str | None = None,
    measures: list[str] | None = None,
) -> dict[Any, dict[str, int]]:
    """Summed measures per group value (key None without grouping): ONE query. `measures`
    limits the sums to those needed (the rest stay 0)."""
    full = sl.needs_full_grain or group_by in ("staff", "channel", "kind", "category")
    # A month, quarter or year reads a row per unit and month rather than per unit and day.
    monthly = not full and group_by != "day" and whole_months(period)
    if group_by == "month" and not monthly:
        raise ValueError("group_by='month' needs whole months and no finer slice")
    facts = _facts(period.start, period.end, sl, full, monthly)
    sums = {name: Sum(name) for name in (measures or MEASURES)}
    if group_by is None:
        row = facts.aggregate(**sums)
        total = empty_measures()
        add_into(total, row)
        return {None: total}
    column = _GROUP_COLUMN[group_by]
    result: dict[Any, dict[str, int]] = {}
    for row in facts.values(column).annotate(**sums):
        key = row[column]
        total = result.setdefault(key, empty_measures())
        add_into(total, row)
    return result


def values_for(
    measures: Mapping[str, int], codes: Iterable[str] | None = None
) -> dict[str, IndicatorValue]:
    wanted = [BY_CODE[c] for c in codes] if codes is not None else DEFINITIONS
    return {d.code: evaluate(d, measures) for d in wanted}


@dataclass
class UnitRow:
    unit: OrgUnit
    measures: dict[str, int]
    values: dict[str, IndicatorValue] = field(default_factory=dict)


def _subtree_sums(period: Period, parent: OrgUnit | None, depth: int) -> dict[str, dict[str, int]]:
    """The summed measures of each subtree rooted `depth` levels down, by the root's path: the
    database groups rows by the first steps of their unit's path."""
    facts = _facts(period.start, period.end, SliceFilter(unit=parent), False, whole_months(period))
    rows = (
        facts.annotate(head=Substr("org_unit__path", 1, depth * OrgUnit.steplen))
        .values("head")
        .annotate(**{name: Sum(name) for name in MEASURES})
    )
    result: dict[str, dict[str, int]] = {}
    for row in rows:
        total = result.setdefault(row["head"], empty_measures())
        add_into(total, row)
    return result


def unit_table(period: Period, parent: OrgUnit | None, units: list[OrgUnit]) -> list[UnitRow]:
    """Each of `units` with its subtree's indicators, from one grouped query over the parent's
    subtree (or everything). Units of one depth (a unit's children) are summed per subtree by
    the database; otherwise each unit's sums are added up the tree here."""
    depths = {unit.depth for unit in units}
    if len(depths) == 1:
        by_head = _subtree_sums(period, parent, depths.pop())
        return [
            UnitRow(u, total, values_for(total))
            for u in units
            for total in [by_head.get(u.path) or empty_measures()]
        ]
    per_unit = grouped_measures(period, SliceFilter(unit=parent), group_by="unit")
    if not per_unit:
        return [UnitRow(u, empty_measures(), values_for(empty_measures())) for u in units]
    paths = dict(OrgUnit.objects.filter(pk__in=list(per_unit)).values_list("pk", "path"))
    # Each unit's sums go to every ancestor path (depth ≤ a handful): linear in units.
    step = OrgUnit.steplen
    by_path: dict[str, dict[str, int]] = {}
    for unit_id, measures in per_unit.items():
        path = paths.get(unit_id, "")
        for end in range(step, len(path) + 1, step):
            total = by_path.setdefault(path[:end], empty_measures())
            add_into(total, measures)
    rows = []
    for unit in units:
        total = by_path.get(unit.path) or empty_measures()
        rows.append(UnitRow(unit, total, values_for(total)))
    return rows


def daily_series(
    period: Period, sl: SliceFilter, code: str
) -> list[tuple[datetime.date, IndicatorValue]]:
    """The indicator day by day over the period (days without data included as no data)."""
    per_day = grouped_measures(
        period, sl, group_by="day", measures=measures_of([code], quantiles=False)
    )
    definition = BY_CODE[code]
    series = []
    day = period.start
    while day <= period.end:
        series.append((day, evaluate(definition, per_day.get(day, empty_measures()))))
        day += datetime.timedelta(days=1)
    return series


def series_by_period(
    periods: list[Period], sl: SliceFilter, codes: Iterable[str], *, quantiles: bool = False
) -> dict[str, list[IndicatorValue]]:
    """Values per period (e.g. the last 12 months) with one query over their whole span;
    without quantiles unless `quantiles` (trends rarely need them)."""
    codes = list(codes)
    span = Period(periods[0].start, periods[-1].end)
    # Periods of whole months are summed month by month (each month lies in one period).
    monthly = not sl.needs_full_grain and all(whole_months(p) for p in periods)
    per_day = grouped_measures(
        span,
        sl,
        group_by="month" if monthly else "day",
        measures=measures_of(codes, quantiles=quantiles),
    )
    buckets = [empty_measures() for _ in periods]
    for day, measures in per_day.items():
        for i, p in enumerate(periods):
            if p.start <= day <= p.end:
                add_into(buckets[i], measures)
                break
    return {code: [evaluate(BY_CODE[code], b) for b in buckets] for code in codes}


def subtree_q(unit: OrgUnit | None, field_name: str = "org_unit") -> Q:
    return Q() if unit is None else Q(**{f"{field_name}__path__startswith": unit.path})


def group_sums(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for row in rows:
        for name in MEASURES:
            total[name] += row.get(name) or 0
    return dict(total)
