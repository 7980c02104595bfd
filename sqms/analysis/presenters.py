"""What the pages and the API show of stored results: labels in the active language, segment
descriptions and indicators, forecast rows with the staffing hint."""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import get_language

from sqms.analysis import forecasts, services
from sqms.analysis.models import AssociationRule, AssociationRun, ForecastRun, SegmentationRun
from sqms.analysis.segments import FEATURE_LABELS

DEFAULT_PER_AGENT_DAY = 40


def item_label(run: AssociationRun, item: str) -> str:
    labels = run.labels.get(item) or {}
    english = (get_language() or "").startswith("en")
    return str(labels.get("en" if english else "zh") or item.partition(":")[2] or item)


def rule_rows(run: AssociationRun, rules: Iterable[AssociationRule]) -> list[dict[str, Any]]:
    return [
        {
            "rule": rule,
            "antecedent": [item_label(run, item) for item in rule.antecedent],
            "consequent": [item_label(run, item) for item in rule.consequent],
            "support_pct": round(rule.support * 100, 1),
            "confidence_pct": round(rule.confidence * 100, 1),
        }
        for rule in rules
    ]


def segment_rows(run: SegmentationRun) -> list[dict[str, Any]]:
    rows = services.segment_indicators(run)
    for row in rows:
        row["share"] = round(100 * row["size"] / run.customer_count, 1) if run.customer_count else 0
        row["features"] = [
            {
                "name": name,
                "label": FEATURE_LABELS[name],
                "z": row["z"][name],
                "mean": row["means"][name],
            }
            for name in run.features
            if name in FEATURE_LABELS
        ]
    return rows


def per_agent_day(value: str | None) -> float:
    """Tickets one agent handles in a day: the page's parameter, else the setting."""
    default = float(getattr(settings, "SQMS_TICKETS_PER_AGENT_DAY", DEFAULT_PER_AGENT_DAY))
    try:
        parsed = float(value) if value else default
    except ValueError:
        return default
    return parsed if 0 < parsed <= 10_000 else default


def forecast_rows(run: ForecastRun, per_agent: float) -> list[dict[str, Any]]:
    return [
        row | {"agents": forecasts.agents_needed(row["hi80"], per_agent)} for row in run.forecast
    ]


def staffing(weekly: list[dict[str, Any]], per_agent: float) -> list[dict[str, Any]]:
    """Weekly totals with the agent-days needed for the mean and for the 80% upper bound."""
    return [
        row
        | {
            "agent_days": forecasts.agents_needed(row["mean"], per_agent),
            "agent_days_high": forecasts.agents_needed(row["hi80"], per_agent),
        }
        for row in weekly
    ]


def latest_per_channel(runs: QuerySet[ForecastRun]) -> list[ForecastRun]:
    """The newest run of each channel (all channels first)."""
    newest: dict[str, ForecastRun] = {}
    for run in runs.order_by("channel", "-computed_at", "-pk")[:200]:
        newest.setdefault(run.channel, run)
    return list(newest.values())
