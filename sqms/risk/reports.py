"""Figures of the register for the heat map and the trend: counts per matrix cell and open risks
by level at each month's end, read from the risks' history."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from sqms.risk.choices import RiskStatus
from sqms.risk.models import RiskHistory, RiskMatrix, localised


@dataclass
class HeatCell:
    probability: int
    impact: int
    count: int
    level: dict[str, Any]


def heat_grid(risks: QuerySet, matrix: RiskMatrix, rating: str) -> list[list[HeatCell]]:
    """Rows from the highest probability down, columns from the lowest impact up (the usual
    drawing of a matrix), counting the open risks of `matrix` at each cell of `rating`."""
    counts = {
        (row[f"{rating}_probability"], row[f"{rating}_impact"]): row["n"]
        for row in risks.filter(matrix=matrix, status=RiskStatus.OPEN)
        .values(f"{rating}_probability", f"{rating}_impact")
        .annotate(n=Count("pk"))
        .order_by()
    }
    rows = []
    for p in range(len(matrix.probability_levels), 0, -1):
        rows.append(
            [
                HeatCell(p, i, counts.get((p, i), 0), matrix.level_for(p, i))
                for i in range(1, len(matrix.impact_levels) + 1)
            ]
        )
    return rows


def month_ends(today: date, months: int) -> list[date]:
    """The last day of each of the `months` months up to today's (today itself for the last)."""
    ends = [today]
    first = today.replace(day=1)
    for _ in range(months - 1):
        end = first - timedelta(days=1)
        ends.append(end)
        first = end.replace(day=1)
    return list(reversed(ends))


def trend(risks: QuerySet, matrix: RiskMatrix | None, months: int = 12) -> dict[str, Any]:
    """Open risks by residual level at each month's end, replayed from the history lines."""
    today = timezone.localdate()
    ends = month_ends(today, months)
    tz = timezone.get_current_timezone()
    cut_offs = [timezone.make_aware(datetime.combine(end, time.max), tz) for end in ends]
    lines = (
        RiskHistory.objects.filter(risk__in=risks.values("pk"), at__lte=cut_offs[-1])
        .order_by("at", "pk")
        .values_list("risk_id", "at", "status", "residual_level")
    )
    state: dict[int, tuple[str, str]] = {}
    series: dict[str, list[int]] = defaultdict(lambda: [0] * len(ends))
    index = 0
    pending = iter(lines)
    line = next(pending, None)
    for index, cut in enumerate(cut_offs):
        while line is not None and line[1] <= cut:
            state[line[0]] = (line[2], line[3])
            line = next(pending, None)
        for status, level in state.values():
            if status == RiskStatus.OPEN:
                series[level][index] += 1
    levels = list(matrix.risk_levels) if matrix is not None else []
    known = [level["code"] for level in levels]
    extra = sorted(code for code in series if code not in known)
    ordered = [*known, *extra]
    by_code = {level["code"]: level for level in levels}
    return {
        "labels": [end.strftime("%Y-%m") for end in ends],
        "series": [
            {
                "code": code,
                "name": localised(by_code[code]) if code in by_code else code,
                "colour": by_code.get(code, {}).get("colour", "#6c757d"),
                "values": series[code] if code in series else [0] * len(ends),
            }
            for code in ordered
        ],
    }
