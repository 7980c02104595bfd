"""Early warning (预警): evaluate the active rules on the rollups and raise alerts.

Rules: the latest complete period outside its target band; a control-chart signal on the
daily series (the last day beyond mean ± kσ of the baseline days before it); N consecutive
deteriorating periods; a problem type's complaints on the last day against a Poisson
baseline of the days before. One open alert per rule and slice (a unique constraint): a
signal that persists refreshes `last_seen_at` instead of raising again.
"""

import datetime
import itertools
import math
import statistics
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.models import OrgUnit
from sqms.core.notify import notify
from sqms.quality.catalogue import BY_CODE
from sqms.quality.choices import AlertStatus, Band, Direction, Granularity, RuleKind, Severity
from sqms.quality.indicators import (
    SliceFilter,
    daily_series,
    series_by_period,
    unit_table,
)
from sqms.quality.models import Alert, AlertRule, DailyFact, Indicator
from sqms.quality.periods import Period, period_containing, periods_back


def poisson_tail(k: int, mean: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mean)."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    term = math.exp(-mean)
    below = term
    for i in range(1, k):
        term *= mean / i
        below += term
    return max(0.0, 1.0 - below)


EWMA_LAMBDA = 0.2
EWMA_WIDTH = 3.0
EWMA_DAYS = 7


def control_signal(values: list[float], sigma: float) -> tuple[float, float] | None:
    """(mean, σ) of the baseline if the last value is out of control: beyond mean ± sigma·σ
    (Shewhart), or the EWMA of the series (λ = 0.2) beyond its own 3σ limits, which catches
    a smaller shift that lasts several days."""
    if len(values) < 8:
        return None
    baseline, last = values[:-1], values[-1]
    mean = statistics.fmean(baseline)
    spread = statistics.pstdev(baseline)
    if spread == 0:
        return (mean, 0.0) if last != mean else None
    if abs(last - mean) > sigma * spread:
        return mean, spread
    if len(values) < 8 + EWMA_DAYS:
        return None
    # The EWMA over the last week, against the days before it.
    before = values[:-EWMA_DAYS]
    centre, width = statistics.fmean(before), statistics.pstdev(before)
    ewma = centre
    for value in values[-EWMA_DAYS:]:
        ewma = EWMA_LAMBDA * value + (1 - EWMA_LAMBDA) * ewma
    limit = EWMA_WIDTH * width * math.sqrt(EWMA_LAMBDA / (2 - EWMA_LAMBDA))
    return (centre, width) if width and abs(ewma - centre) > limit else None


def deteriorating_run(values: list[float | None], higher_is_better: bool, periods: int) -> bool:
    """Whether the last `periods` steps each got worse."""
    tail = values[-(periods + 1) :]
    if len(tail) < periods + 1 or any(v is None for v in tail):
        return False
    pairs = itertools.pairwise(tail)
    if higher_is_better:
        return all(b < a for a, b in pairs)  # type: ignore[operator]
    return all(b > a for a, b in pairs)  # type: ignore[operator]


def _units(rule: AlertRule) -> list[OrgUnit]:
    if rule.per_child_unit:
        return list(OrgUnit.objects.filter(path__startswith=rule.org_unit.path, is_active=True))
    return [rule.org_unit]


def _raise(
    rule: AlertRule,
    unit: OrgUnit,
    day: datetime.date,
    message: str,
    *,
    value: float | None,
    expected: float | None,
    category_id: int | None = None,
) -> bool:
    """Create the alert unless one is open for the rule and slice; True if created."""
    slice_key = f"u{unit.pk}" + (f":c{category_id}" if category_id else "")
    now = timezone.now()
    existing = Alert.objects.filter(rule=rule, slice_key=slice_key).exclude(
        status=AlertStatus.CLOSED
    )
    if existing.update(last_seen_at=now, value=value):
        return False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                rule=rule,
                org_unit=unit,
                category_id=category_id,
                slice_key=slice_key,
                indicator=rule.indicator,
                severity=rule.severity,
                owner=rule.owner,
                day=day,
                value=value,
                expected=expected,
                message=message[:300],
                last_seen_at=now,
            )
            owner = rule.owner
            transaction.on_commit(
                lambda: notify(
                    [owner],
                    lambda: _("Quality alert: %(message)s") % {"message": alert.message},
                    obj=alert,
                    url=f"/quality/alerts/{alert.pk}/",
                )
            )
            if alert.severity == Severity.HIGH:
                transaction.on_commit(lambda: _report_incident(alert))
    except IntegrityError:
        # A concurrent run raised it first: the constraint kept it to one.
        return False
    return True


def _report_incident(alert: Alert) -> None:
    """A high-severity alert is reported to the duty officers as a possible incident (报告),
    for them to assess or dismiss; after the alert's commit, so a failure here loses no alert."""
    if not apps.is_installed("sqms.emergency"):
        return
    from sqms.emergency.services import report_incident

    report_incident(
        actor=None,
        org_unit=alert.org_unit,
        title=(_("Quality alert: %(message)s") % {"message": alert.message})[:200],
        description=alert.message,
        source="alert",
        source_reference=str(alert.pk),
        system=True,
    )


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def evaluate_rule(rule: AlertRule, today: datetime.date) -> int:
    from sqms.quality.services import band_of, targets_in_force_many

    raised = 0
    yesterday = today - datetime.timedelta(days=1)
    indicator: Indicator | None = rule.indicator
    units = _units(rule)
    band_inputs: dict[int, tuple[float | None, Any]] = {}
    if rule.kind == RuleKind.BAND and indicator is not None and indicator.code in BY_CODE:
        # Month to date for every watched unit: one grouped query and one for the targets.
        month = period_containing(Granularity.MONTH, yesterday)
        table = unit_table(Period(month.start, yesterday), rule.org_unit, units)
        targets = targets_in_force_many(list(units), yesterday)
        for row in table:
            band_inputs[row.unit.pk] = (
                row.values[indicator.code].value,
                targets[row.unit.pk].get(indicator.pk),
            )
    for unit in units:
        name = str(unit)
        if rule.kind == RuleKind.SPIKE:
            raised += _spike(rule, unit, yesterday)
            continue
        definition = BY_CODE.get(indicator.code) if indicator is not None else None
        if indicator is None or definition is None:
            continue
        sl = SliceFilter(unit=unit)
        if rule.kind == RuleKind.BAND:
            value, target = band_inputs[unit.pk]
            band = band_of(indicator, value, target)
            if band in (Band.WARNING, Band.ALARM) and target is not None:
                raised += _raise(
                    rule,
                    unit,
                    yesterday,
                    _("%(unit)s: %(indicator)s %(value)s month to date, target %(target)s")
                    % {
                        "unit": name,
                        "indicator": indicator.display_name,
                        "value": _fmt(value),
                        "target": target.target,
                    },
                    value=value,
                    expected=float(target.target),
                )
        elif rule.kind == RuleKind.CONTROL:
            days = Period(yesterday - datetime.timedelta(days=rule.baseline_days), yesterday)
            series = [v.value for _d, v in daily_series(days, sl, indicator.code)]
            points = [v for v in series if v is not None]
            if series[-1] is None:
                continue
            signal = control_signal(points, float(rule.sigma))
            if signal is None:
                continue
            mean, spread = signal
            worse = (
                (series[-1] < mean)
                if indicator.direction == Direction.HIGHER
                else (series[-1] > mean)
            )
            if worse:
                raised += _raise(
                    rule,
                    unit,
                    yesterday,
                    _(
                        "%(unit)s: %(indicator)s %(value)s on %(day)s, beyond the control "
                        "limits (mean %(mean)s, σ %(sigma)s)"
                    )
                    % {
                        "unit": name,
                        "indicator": indicator.display_name,
                        "value": _fmt(series[-1]),
                        "day": yesterday.isoformat(),
                        "mean": _fmt(mean),
                        "sigma": _fmt(spread),
                    },
                    value=series[-1],
                    expected=mean,
                )
        elif rule.kind == RuleKind.RUN:
            last_week = period_containing(Granularity.WEEK, today - datetime.timedelta(days=7))
            weeks = periods_back(last_week, rule.periods + 1)
            values = [
                v.value for v in series_by_period(weeks, sl, [indicator.code])[indicator.code]
            ]
            if deteriorating_run(values, indicator.higher_is_better, rule.periods):
                raised += _raise(
                    rule,
                    unit,
                    yesterday,
                    _("%(unit)s: %(indicator)s worse %(n)s weeks in a row (now %(value)s)")
                    % {
                        "unit": name,
                        "indicator": indicator.display_name,
                        "n": rule.periods,
                        "value": _fmt(values[-1]),
                    },
                    value=values[-1],
                    expected=values[0],
                )
    return raised


def _spike(rule: AlertRule, unit: OrgUnit, day: datetime.date) -> int:
    """Complaints per problem type on `day` against their mean over the baseline days."""
    start = day - datetime.timedelta(days=rule.baseline_days)
    facts = DailyFact.objects.filter(
        org_unit__path__startswith=unit.path, day__gte=start, day__lte=day, complaints__gt=0
    ).order_by()
    baseline: dict[int | None, int] = {}
    latest: dict[int | None, int] = {}
    for row in facts.values("category_id", "day").annotate(n=Sum("complaints")):
        target = latest if row["day"] == day else baseline
        target[row["category_id"]] = target.get(row["category_id"], 0) + row["n"]
    raised = 0
    for category_id, count in latest.items():
        mean = baseline.get(category_id, 0) / rule.baseline_days
        # A floor on the baseline: a first complaint in a quiet category is not a spike.
        expected = max(mean, 0.5)
        if count >= 3 and poisson_tail(count, expected) < float(rule.p_value):
            raised += _raise(
                rule,
                unit,
                day,
                _(
                    "%(unit)s: %(count)s complaints of one problem type on %(day)s "
                    "(usual %(mean)s a day)"
                )
                % {"unit": str(unit), "count": count, "day": day.isoformat(), "mean": _fmt(mean)},
                value=float(count),
                expected=mean,
                category_id=category_id,
            )
    return raised


def evaluate_rules(today: datetime.date | None = None) -> int:
    """Evaluate every active rule; returns the number of alerts raised."""
    today = today or timezone.localdate()
    raised = 0
    rules = AlertRule.objects.filter(is_active=True).select_related(
        "indicator", "org_unit", "owner"
    )
    for rule in rules:
        raised += evaluate_rule(rule, today)
    return raised
