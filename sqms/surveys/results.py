"""Survey results: CSAT, NPS, CES, dimension means, SERVQUAL gaps and the response rate, by
period and slice. Each function is one grouped query over completed responses.

CSAT = answers with overall 4–5 ÷ answers with an overall rating (× 100);
NPS  = % of 9–10 − % of 0–6 among recommendation answers;
CES  = the mean effort score (1–7, higher = easier).
Contract for other apps: `low_satisfaction_ticket_ids(first, last)`.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from sqms.core.models import OrgUnit
from sqms.core.scope import unit_scope_filter
from sqms.surveys.choices import SERVQUAL_DIMENSIONS, Dimension, Pair
from sqms.surveys.models import Answer, Invitation, SurveyResponse

SATISFIED = 4  # overall 4–5 of 5
PROMOTER = 9
DETRACTOR = 6
LOW_SCORE = 2


def zone() -> Any:
    from django.utils import timezone

    return timezone.get_current_timezone()


def day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone())


@dataclass
class Filters:
    start: datetime.date | None = None
    end: datetime.date | None = None  # inclusive
    unit: OrgUnit | None = None  # with its subtree
    channel: str = ""
    kind: str = ""
    staff_id: int | None = None
    template_id: int | None = None


def completed(user: Any, filters: Filters | None = None) -> QuerySet:
    """Completed responses the user may see, filtered."""
    filters = filters or Filters()
    queryset = SurveyResponse.objects.filter(
        unit_scope_filter(user, "org_unit"), completed_at__isnull=False
    ).order_by()
    return apply(queryset, filters, "completed_at")


def apply(queryset: QuerySet, filters: Filters, moment: str) -> QuerySet:
    if filters.start:
        queryset = queryset.filter(**{f"{moment}__gte": day_start(filters.start)})
    if filters.end:
        end = day_start(filters.end + datetime.timedelta(days=1))
        queryset = queryset.filter(**{f"{moment}__lt": end})
    if filters.unit is not None:
        queryset = queryset.filter(org_unit__path__startswith=filters.unit.path)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.staff_id:
        queryset = queryset.filter(staff_id=filters.staff_id)
    if filters.template_id:
        queryset = queryset.filter(version__template_id=filters.template_id)
    return queryset


def _measures() -> dict[str, Any]:
    return {
        "responses": Count("id"),
        "overall_n": Count("overall"),
        "satisfied": Count("id", filter=Q(overall__gte=SATISFIED)),
        "overall_sum": Sum("overall"),
        "nps_n": Count("nps"),
        "promoters": Count("id", filter=Q(nps__gte=PROMOTER)),
        "detractors": Count("id", filter=Q(nps__lte=DETRACTOR)),
        "ces_n": Count("ces"),
        "ces_sum": Sum("ces"),
    }


def scores(row: dict[str, Any]) -> dict[str, Any]:
    """CSAT, NPS, CES (and the counts) from one row of measures."""
    overall_n, nps_n, ces_n = row["overall_n"] or 0, row["nps_n"] or 0, row["ces_n"] or 0
    return {
        **row,
        "csat": round(100.0 * row["satisfied"] / overall_n, 2) if overall_n else None,
        "overall_mean": round(row["overall_sum"] / overall_n, 2) if overall_n else None,
        "nps": (
            round(100.0 * (row["promoters"] - row["detractors"]) / nps_n, 2) if nps_n else None
        ),
        "ces": round(row["ces_sum"] / ces_n, 2) if ces_n else None,
    }


def summary(queryset: QuerySet) -> dict[str, Any]:
    return scores(queryset.aggregate(**_measures()))


SLICES = {
    "org_unit": "org_unit_id",
    "staff": "staff_id",
    "channel": "channel",
    "kind": "kind",
}


def by_slice(queryset: QuerySet, slice_name: str) -> list[dict[str, Any]]:
    """One row of scores per value of the slice (org unit, staff, channel or kind)."""
    field = SLICES[slice_name]
    rows = queryset.values(field).annotate(**_measures()).order_by(field)
    return [{"key": row[field], **scores(row)} for row in rows]


def trend(queryset: QuerySet) -> list[dict[str, Any]]:
    """Scores by calendar month of completion."""
    rows = (
        queryset.annotate(month=TruncMonth("completed_at", tzinfo=zone()))
        .values("month")
        .annotate(**_measures())
        .order_by("month")
    )
    result = []
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        result.append({"month": month, **scores(row)})
    return result


def dimension_means(queryset: QuerySet) -> list[dict[str, Any]]:
    """The mean score per dimension of the rating questions (SERVQUAL pairs excluded)."""
    rows = (
        Answer.objects.filter(response__in=queryset, number__isnull=False, question__pair="")
        .exclude(question__dimension__in=[Dimension.RECOMMENDATION, Dimension.EFFORT])
        .values("question__dimension")
        .annotate(mean=Avg("number"), answers=Count("id"))
        .order_by("question__dimension")
    )
    labels = dict(Dimension.choices)
    return [
        {
            "dimension": row["question__dimension"],
            "label": labels.get(row["question__dimension"], row["question__dimension"]),
            "mean": round(float(row["mean"]), 2),
            "answers": row["answers"],
        }
        for row in rows
    ]


def servqual_gaps(queryset: QuerySet) -> list[dict[str, Any]]:
    """Per SERVQUAL dimension: mean expectation, mean perception, gap = perception −
    expectation (negative: the service fell short)."""
    rows = (
        Answer.objects.filter(response__in=queryset, number__isnull=False)
        .exclude(question__pair="")
        .values("question__dimension", "question__pair")
        .annotate(mean=Avg("number"), answers=Count("id"))
        .order_by()
    )
    means: dict[str, dict[str, float]] = {}
    counts: dict[str, int] = {}
    for row in rows:
        means.setdefault(row["question__dimension"], {})[row["question__pair"]] = float(row["mean"])
        if row["question__pair"] == Pair.PERCEPTION:
            counts[row["question__dimension"]] = row["answers"]
    labels = dict(Dimension.choices)
    result = []
    for dimension in SERVQUAL_DIMENSIONS:
        found = means.get(dimension)
        if not found:
            continue
        expectation = found.get(Pair.EXPECTATION)
        perception = found.get(Pair.PERCEPTION)
        gap = (
            round(perception - expectation, 2)
            if perception is not None and expectation is not None
            else None
        )
        result.append(
            {
                "dimension": str(dimension),
                "label": labels[dimension],
                "expectation": round(expectation, 2) if expectation is not None else None,
                "perception": round(perception, 2) if perception is not None else None,
                "gap": gap,
                "answers": counts.get(dimension, 0),
            }
        )
    return result


def response_rate(user: Any, filters: Filters | None = None) -> dict[str, Any]:
    """Invitations created in the period (and slice) and how many of them were answered."""
    filters = filters or Filters()
    invitations = apply(
        Invitation.objects.filter(unit_scope_filter(user, "org_unit")).order_by(),
        Filters(
            start=filters.start,
            end=filters.end,
            unit=filters.unit,
            channel=filters.channel,
            kind=filters.kind,
            staff_id=filters.staff_id,
        ),
        "created_at",
    )
    if filters.template_id:
        invitations = invitations.filter(version__template_id=filters.template_id)
    row = invitations.aggregate(
        invited=Count("id"), answered=Count("id", filter=Q(status="answered"))
    )
    invited = row["invited"] or 0
    return {
        "invited": invited,
        "answered": row["answered"] or 0,
        "rate": round(100.0 * row["answered"] / invited, 2) if invited else None,
    }


def low_satisfaction_ticket_ids(
    first: datetime.date, last: datetime.date, threshold: int = LOW_SCORE
) -> set[int]:
    """Tickets whose survey, completed first..last (local days, inclusive), rated overall
    satisfaction at or below `threshold`."""
    rows = SurveyResponse.objects.filter(
        completed_at__gte=day_start(first),
        completed_at__lt=day_start(last + datetime.timedelta(days=1)),
        overall__lte=threshold,
        ticket_id__isnull=False,
    ).values_list("ticket_id", flat=True)
    return set(rows)
