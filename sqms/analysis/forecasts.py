"""Ticket volume forecasts for staffing: next weeks' daily counts per unit and channel.

The model is a Poisson regression (statsmodels GLM, log link) of the daily count on weekday
dummies, a statutory-holiday flag, a 调休 make-up-workday flag and a linear trend. It was
chosen over exponential smoothing because holidays and make-up days are the largest effects
in Chinese service volumes and a regression takes them as regressors directly, and a log-linear
count model never forecasts negative volumes. Over-dispersion is estimated from the Pearson χ²
(quasi-Poisson scale); the prediction variance of a day is scale·μ + μ²·xᵀΣx (the process
noise plus the uncertainty of the fitted coefficients, by the delta method), and intervals are
normal approximations clipped at zero. Weekly totals add the days' means and combine the
coefficient uncertainty over the week.

The back-test refits the model at each of the last four weekly origins on the data before it,
forecasts the next seven days, and reports MAE and MAPE, with the same for a seasonal-naive
forecast (the same weekday a week earlier) and a flat mean.
"""

import datetime
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from sqms.core.calendars import HOLIDAY, MAKE_UP_WORKDAY, statutory_day_kind

METHOD = "Poisson GLM: weekday + holiday + make-up day + trend"
MIN_HISTORY_DAYS = 56
HISTORY_WEEKS = 16
HORIZON_DAYS = 28
BACKTEST_WEEKS = 4
Z80, Z95 = 1.2816, 1.96


def design(days: Sequence[datetime.date], origin: datetime.date) -> np.ndarray:
    """Columns: intercept, Tuesday … Sunday, holiday, make-up workday, trend (years)."""
    rows = []
    for day in days:
        kind = statutory_day_kind(day)
        weekday = [1.0 if day.weekday() == i else 0.0 for i in range(1, 7)]
        rows.append(
            [
                1.0,
                *weekday,
                1.0 if kind == HOLIDAY else 0.0,
                1.0 if kind == MAKE_UP_WORKDAY else 0.0,
                (day - origin).days / 365.0,
            ]
        )
    return np.array(rows, dtype=float)


class Fit:
    """A fitted model able to forecast any days after its history."""

    def __init__(
        self, days: Sequence[datetime.date], counts: "Sequence[float] | np.ndarray"
    ) -> None:
        if len(days) < 14:
            raise ValueError("at least two weeks of history are needed")
        y = np.asarray(counts, dtype=float)
        if y.sum() <= 0:
            raise ValueError("no tickets in the history")
        self.origin = days[0]
        x = design(days, self.origin)
        # A regressor that never varies in the history (no holiday in it, say) cannot be
        # estimated; it is left out and contributes nothing to the forecast.
        self.columns = [0] + [j for j in range(1, x.shape[1]) if np.ptp(x[:, j]) > 0]
        # Imported here: statsmodels takes a second to import, and the URLconf (every web
        # worker, every sweep that links to a ticket) imports this module.
        import statsmodels.api as sm
        from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

        with warnings.catch_warnings():
            # A series a few regressors fit exactly (a constant one) is fine for forecasting.
            warnings.simplefilter("ignore", PerfectSeparationWarning)
            result = sm.GLM(y, x[:, self.columns], family=sm.families.Poisson()).fit()
        # Quasi-Poisson: scale the covariance by the Pearson dispersion (never below 1). Done
        # here rather than with fit(scale="X2"), which fails on a perfectly fitting series.
        dispersion = float(result.pearson_chi2) / max(1.0, float(result.df_resid))
        self.scale = max(1.0, dispersion)
        self.params = np.asarray(result.params)
        self.cov = np.asarray(result.cov_params()) * self.scale

    def predict(self, days: Sequence[datetime.date]) -> tuple[np.ndarray, np.ndarray]:
        """Means and prediction variances of the days."""
        x = design(days, self.origin)[:, self.columns]
        mean = np.exp(np.clip(x @ self.params, -50, 50))
        coefficient_var = np.einsum("ij,jk,ik->i", x, self.cov, x)
        return mean, self.scale * mean + mean**2 * coefficient_var

    def predict_total(self, days: Sequence[datetime.date]) -> tuple[float, float]:
        """Mean and variance of the total over `days`."""
        x = design(days, self.origin)[:, self.columns]
        mean = np.exp(np.clip(x @ self.params, -50, 50))
        gradient = (mean[:, None] * x).sum(axis=0)
        return float(mean.sum()), float(self.scale * mean.sum() + gradient @ self.cov @ gradient)


def _interval(mean: float, variance: float) -> dict[str, float]:
    sd = math.sqrt(max(variance, 0.0))
    return {
        "mean": round(mean, 2),
        "lo80": round(max(0.0, mean - Z80 * sd), 2),
        "hi80": round(mean + Z80 * sd, 2),
        "lo95": round(max(0.0, mean - Z95 * sd), 2),
        "hi95": round(mean + Z95 * sd, 2),
    }


def forecast(
    days: Sequence[datetime.date], counts: Sequence[float], *, horizon: int = HORIZON_DAYS
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Daily and weekly (Monday-based weeks, complete ones) forecasts after the history."""
    fit = Fit(days, counts)
    future = [days[-1] + datetime.timedelta(days=i) for i in range(1, horizon + 1)]
    means, variances = fit.predict(future)
    daily = [
        {"day": day.isoformat(), "kind": statutory_day_kind(day)} | _interval(m, v)
        for day, m, v in zip(future, means, variances, strict=True)
    ]
    weekly = []
    first_monday = next(day for day in future if day.weekday() == 0)
    start = first_monday
    while start + datetime.timedelta(days=6) <= future[-1]:
        week = [start + datetime.timedelta(days=i) for i in range(7)]
        total, variance = fit.predict_total(week)
        weekly.append({"week_start": start.isoformat()} | _interval(total, variance))
        start += datetime.timedelta(days=7)
    # A horizon that starts mid-week: count the partial first week too, for staffing.
    if first_monday != future[0]:
        head = [day for day in future if day < first_monday]
        total, variance = fit.predict_total(head)
        weekly.insert(0, {"week_start": head[0].isoformat()} | _interval(total, variance))
    return daily, weekly


def _errors(actual: np.ndarray, predicted: np.ndarray) -> tuple[float, float | None]:
    mae = float(np.mean(np.abs(actual - predicted)))
    positive = actual > 0
    mape = (
        float(np.mean(np.abs(actual[positive] - predicted[positive]) / actual[positive]) * 100)
        if positive.any()
        else None
    )
    return round(mae, 3), (round(mape, 2) if mape is not None else None)


def backtest(
    days: Sequence[datetime.date], counts: Sequence[float], *, weeks: int = BACKTEST_WEEKS
) -> dict[str, Any]:
    """Rolling-origin back-test over the last `weeks` weeks (one-week-ahead forecasts)."""
    y = np.asarray(counts, dtype=float)
    n = len(y)
    if n - weeks * 7 < 28:
        raise ValueError("too little history for a back-test")
    actual_parts, model_parts, naive_parts, flat_parts = [], [], [], []
    for w in range(weeks, 0, -1):
        cut = n - w * 7
        fit = Fit(days[:cut], y[:cut])
        target = list(days[cut : cut + 7])
        means, _variances = fit.predict(target)
        actual_parts.append(y[cut : cut + 7])
        model_parts.append(means)
        naive_parts.append(y[cut - 7 : cut])
        flat_parts.append(np.full(7, y[:cut].mean()))
    actual = np.concatenate(actual_parts)
    mae, mape = _errors(actual, np.concatenate(model_parts))
    naive_mae, naive_mape = _errors(actual, np.concatenate(naive_parts))
    mean_mae, mean_mape = _errors(actual, np.concatenate(flat_parts))
    return {
        "origins": weeks,
        "mae": mae,
        "mape": mape,
        "naive_mae": naive_mae,
        "naive_mape": naive_mape,
        "mean_mae": mean_mae,
        "mean_mape": mean_mape,
    }


def agents_needed(tickets: float, per_agent_day: float) -> int:
    """Agent-days needed to handle `tickets` at `per_agent_day` tickets each."""
    return math.ceil(tickets / per_agent_day) if per_agent_day > 0 else 0
