"""Periods (day, week, month, quarter, year, custom) as inclusive ranges of local days."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from sqms.quality.choices import Granularity


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive
    granularity: str = Granularity.CUSTOM

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        g = self.granularity
        if g == Granularity.DAY:
            return self.start.isoformat()
        if g == Granularity.WEEK:
            year, week, _day = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if g == Granularity.MONTH:
            return f"{self.start:%Y-%m}"
        if g == Granularity.QUARTER:
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if g == Granularity.YEAR:
            return str(self.start.year)
        return f"{self.start.isoformat()}–{self.end.isoformat()}"

    def previous(self) -> "Period":
        if self.granularity == Granularity.CUSTOM:
            length = datetime.timedelta(days=self.days)
            return Period(self.start - length, self.end - length, Granularity.CUSTOM)
        return period_containing(self.granularity, self.start - datetime.timedelta(days=1))


def _month_end(year: int, month: int) -> datetime.date:
    if month == 12:
        return datetime.date(year, 12, 31)
    return datetime.date(year, month + 1, 1) - datetime.timedelta(days=1)


def period_containing(granularity: str, day: datetime.date) -> Period:
    if granularity == Granularity.DAY:
        return Period(day, day, granularity)
    if granularity == Granularity.WEEK:
        start = day - datetime.timedelta(days=day.weekday())
        return Period(start, start + datetime.timedelta(days=6), granularity)
    if granularity == Granularity.MONTH:
        return Period(day.replace(day=1), _month_end(day.year, day.month), granularity)
    if granularity == Granularity.QUARTER:
        first_month = (day.month - 1) // 3 * 3 + 1
        return Period(
            datetime.date(day.year, first_month, 1),
            _month_end(day.year, first_month + 2),
            granularity,
        )
    if granularity == Granularity.YEAR:
        return Period(datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31), granularity)
    raise ValueError(f"no fixed period for {granularity!r}")


def quarter(year: int, number: int) -> Period:
    return period_containing(Granularity.QUARTER, datetime.date(year, 3 * number - 2, 1))


def periods_back(period: Period, count: int) -> list[Period]:
    """`count` consecutive periods ending with `period`, oldest first."""
    result = [period]
    while len(result) < count:
        result.append(result[-1].previous())
    return list(reversed(result))


def today() -> datetime.date:
    return timezone.localdate()
