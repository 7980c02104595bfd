"""Stored analysis results made directly (the generic API and view cases need many, fast)."""

import datetime
from typing import Any

from django.utils import timezone

from sqms.analysis.models import (
    AssociationRule,
    AssociationRun,
    ForecastRun,
    HotspotReport,
    SegmentationRun,
)


def hotspot_report(unit: Any, n: int) -> HotspotReport:
    start = datetime.date(2000, 1, 3) + datetime.timedelta(weeks=n)
    return HotspotReport.objects.create(
        org_unit=unit,
        period_kind="week",
        period_start=start,
        period_end=start + datetime.timedelta(days=6),
        computed_at=timezone.now(),
        complaint_count=4,
        terms=[{"term": "宽带", "now": 4, "before": 0, "score": 9.1, "ratio": 5.0, "examples": []}],
        categories=[
            {"code": "NET", "name": "网络", "name_en": "Network", "count": 4, "expected": 0.5}
            | {"flagged": True, "z": 4.9, "p_value": 0.001, "category_id": None}
        ],
    )


def segmentation_run(unit: Any, n: int) -> SegmentationRun:
    z = {"tenure": 0.1, "contacts": 1.2, "complaints": 0.8, "recency": -0.6}
    z |= {"satisfaction": 0.0, "value": 0.2}
    return SegmentationRun.objects.create(
        org_unit=unit,
        seed=n,
        computed_at=timezone.now(),
        customer_count=10,
        k=2,
        silhouette={"2": 0.6, "3": 0.4},
        features=list(z),
        segments=[
            {"segment": 0, "size": 6, "z": z, "means": dict.fromkeys(z, 1.0)}
            | {"parts": ["contacts+", "complaints+", "recency-"]},
            {"segment": 1, "size": 4, "z": dict.fromkeys(z, 0.0), "means": dict.fromkeys(z, 0.0)}
            | {"parts": []},
        ],
        satisfaction_source="missing",
    )


def association_run(unit: Any, n: int) -> AssociationRun:
    run = AssociationRun.objects.create(
        org_unit=unit,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        kinds=["complaint"],
        min_support=0.05,
        min_confidence=0.3,
        computed_at=timezone.now(),
        transaction_count=20,
        itemset_count=5,
        labels={
            "product:宽带": {"zh": "宽带", "en": "宽带"},
            "channel:phone": {"zh": "电话", "en": "Phone"},
            "channel:counter": {"zh": "营业厅窗口", "en": "Service hall counter"},
        },
    )
    AssociationRule.objects.bulk_create(
        [
            AssociationRule(
                run=run,
                antecedent=["product:宽带"],
                consequent=["channel:phone"],
                items_text="product:宽带 channel:phone 宽带 电话 Phone",
                count=8,
                support=0.4,
                confidence=0.8,
                lift=1.6,
            ),
            AssociationRule(
                run=run,
                antecedent=["channel:counter"],
                consequent=["product:宽带"],
                items_text="channel:counter product:宽带 营业厅窗口 宽带",
                count=2,
                support=0.1,
                confidence=0.4,
                lift=0.8,
            ),
        ]
    )
    return run


def forecast_run(unit: Any, n: int, channel: str = "") -> ForecastRun:
    first = datetime.date(2026, 1, 5)
    history = [[(first + datetime.timedelta(days=i)).isoformat(), 10 + i % 7] for i in range(56)]
    future = [
        {"day": (first + datetime.timedelta(days=56 + i)).isoformat(), "kind": "ordinary"}
        | {"mean": 12.0, "lo80": 8.0, "hi80": 16.0, "lo95": 6.0, "hi95": 18.0}
        for i in range(28)
    ]
    weekly = [
        {"week_start": future[i * 7]["day"], "mean": 84.0, "lo80": 70.0, "hi80": 98.0}
        | {"lo95": 62.0, "hi95": 106.0}
        for i in range(4)
    ]
    return ForecastRun.objects.create(
        org_unit=unit,
        channel=channel,
        computed_at=timezone.now(),
        method="test",
        history_start=first,
        history_end=first + datetime.timedelta(days=55),
        history=history,
        forecast=future,
        weekly=weekly,
        backtest={"origins": 4, "mae": 1.5, "mape": 12.0, "naive_mae": 2.0, "naive_mape": 15.0}
        | {"mean_mae": 3.0, "mean_mape": 25.0},
    )
