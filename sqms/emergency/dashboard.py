"""Figures of the emergency dashboard: open incidents by level, response times, drills."""

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from sqms.emergency.choices import OPEN_STATUSES, DrillStatus, IncidentLevel
from sqms.emergency.models import Drill, DrillProgramme, Incident


def _mean_minutes(incidents: list[Incident], start: str, end: str) -> int | None:
    values = [m for m in (i.minutes_between(start, end) for i in incidents) if m is not None]
    return round(sum(values) / len(values)) if values else None


def figures(
    incidents: QuerySet[Incident],
    drills: QuerySet[Drill],
    programmes: QuerySet[DrillProgramme],
    today: date | None = None,
) -> dict[str, Any]:
    today = today or timezone.localdate()
    real = incidents.filter(is_drill=False)
    by_level = dict(
        real.filter(status__in=OPEN_STATUSES).values_list("level").annotate(n=Count("pk"))
    )
    levels = [
        {"level": value, "label": str(label), "count": by_level.get(value, 0)}
        for value, label in IncidentLevel.choices
    ]
    unassessed = by_level.get(None, 0)
    since = timezone.now() - timedelta(days=365)
    recent = list(
        real.filter(reported_at__gte=since).only(
            "detected_at", "reported_at", "assessed_at", "activated_at", "restored_at"
        )
    )
    times = {
        "assess": _mean_minutes(recent, "reported_at", "assessed_at"),
        "activate": _mean_minutes(recent, "reported_at", "activated_at"),
        "restore": _mean_minutes(recent, "detected_at", "restored_at"),
    }
    year_start = date(today.year, 1, 1)
    done = drills.filter(status=DrillStatus.DONE, finished_at__date__gte=year_start).count()
    still_due = programmes.filter(is_active=True, next_due_on__lte=date(today.year, 12, 31)).count()
    overdue = programmes.filter(is_active=True, next_due_on__lt=today).count()
    return {
        "levels": levels,
        "unassessed": unassessed,
        "open_total": sum(by_level.values()),
        "times": times,
        "incidents_last_year": len(recent),
        "drills_done": done,
        "drills_planned": done + still_due,
        "drills_overdue": overdue,
    }


def chart_data(result: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    """What the ECharts script draws (the page also shows the numbers as tables)."""
    return {
        "levels": {
            "labels": [row["label"] for row in result["levels"]],
            "values": [row["count"] for row in result["levels"]],
            "title": labels["levels"],
        },
        "drills": {
            "labels": [labels["done"], labels["planned"]],
            "values": [result["drills_done"], result["drills_planned"]],
            "title": labels["drills"],
        },
    }
