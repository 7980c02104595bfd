"""Forecasts: intervals, the back-test, a weekday pattern beating a flat mean."""

import datetime

import numpy as np
import pytest
from django.utils import timezone

from sqms.analysis import forecasts, services
from sqms.analysis.tests.helpers import insert, ticket
from sqms.core.errors import DomainError

PATTERN = [40, 35, 30, 30, 25, 8, 5]  # Monday … Sunday


def _series(weeks: int = 12, seed: int = 4) -> tuple[list[datetime.date], list[int]]:
    rng = np.random.default_rng(seed)
    start = datetime.date(2025, 3, 3)  # a Monday, no statutory holiday in the 12 weeks after
    days = [start + datetime.timedelta(days=i) for i in range(weeks * 7)]
    return days, [int(rng.poisson(PATTERN[day.weekday()])) for day in days]


def test_a_weekday_pattern_is_forecast_better_than_a_flat_mean() -> None:
    days, counts = _series()
    result = forecasts.backtest(days, counts)
    assert result["origins"] == 4
    assert result["mae"] < result["mean_mae"] / 2
    assert result["mape"] is not None and result["naive_mae"] > 0


def test_forecast_follows_the_pattern_with_ordered_intervals() -> None:
    days, counts = _series()
    daily, weekly = forecasts.forecast(days, counts, horizon=28)
    assert len(daily) == 28 and daily[0]["day"] == "2025-05-26"
    for row in daily:
        assert 0 <= row["lo95"] <= row["lo80"] <= row["mean"] <= row["hi80"] <= row["hi95"]
    monday, sunday = daily[0], daily[6]
    assert monday["mean"] == pytest.approx(40, rel=0.25)
    assert sunday["mean"] == pytest.approx(5, rel=0.5)
    assert [w["week_start"] for w in weekly] == [
        "2025-05-26",
        "2025-06-02",
        "2025-06-09",
        "2025-06-16",
    ]
    assert weekly[0]["mean"] == pytest.approx(sum(PATTERN), rel=0.15)
    assert weekly[0]["lo95"] < weekly[0]["mean"] < weekly[0]["hi95"]


def test_holidays_are_a_regressor() -> None:
    # Around National Day 2025 (1–8 October) volumes drop; the model learns it.
    start = datetime.date(2025, 8, 4)
    days = [start + datetime.timedelta(days=i) for i in range(91)]
    counts = [
        3 if datetime.date(2025, 10, 1) <= d <= datetime.date(2025, 10, 8) else 30 for d in days
    ]
    fit = forecasts.Fit(days, counts)
    means, _variance = fit.predict([datetime.date(2025, 10, 2), datetime.date(2025, 10, 14)])
    assert means[0] < 10 < 20 < means[1]


def test_staffing() -> None:
    assert forecasts.agents_needed(81, 40) == 3
    assert forecasts.agents_needed(0, 40) == 0


@pytest.mark.django_db
def test_compute_forecasts_over_tickets(org, make_user) -> None:
    manager = make_user("quality_manager", unit=org.hq)
    today = timezone.localdate()
    rows = []
    for back in range(1, 70):
        day = today - datetime.timedelta(days=back)
        for i in range(3 if day.weekday() < 5 else 1):
            rows.append(
                ticket(org.hall1, manager, day, channel="phone", kind="consultation", hour=9 + i)
            )
        rows.append(ticket(org.hall1, manager, day, channel="counter", kind="business"))
    insert(rows)
    runs = services.compute_forecasts(actor=manager, unit=org.branch1, weeks=10)
    assert [run.channel for run in runs] == ["", "counter", "phone"]
    total = runs[0]
    assert len(total.forecast) == 28 and total.history_end == today - datetime.timedelta(days=1)
    assert total.backtest["mae"] is not None
    assert sum(count for _day, count in total.history) == len(rows)


@pytest.mark.django_db
def test_too_little_history_is_refused(org, make_user) -> None:
    manager = make_user("quality_manager", unit=org.hq)
    today = timezone.localdate()
    insert(ticket(org.hall1, manager, today - datetime.timedelta(days=d)) for d in range(1, 20))
    with pytest.raises(DomainError):
        services.compute_forecasts(actor=manager, unit=org.branch1)
    with pytest.raises(DomainError) as refused:
        services.compute_forecasts(actor=manager, unit=org.branch1, weeks=3)
    assert refused.value.field == "weeks"
