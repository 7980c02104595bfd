"""Business-time arithmetic on working calendars (weekly hours, China's statutory holidays and
调休 make-up workdays, and an organisation's own closures and extra workdays).

Pure functions over a `WorkingCalendar` value, so the SLA planner, the sweep, reports and tests
all share one definition. Times are aware datetimes; the calendar works in its own time zone.
"""

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

Interval = tuple[time, time]  # [start, end); end == time(0) means midnight at the day's end

OFFICE_HOURS: tuple[Interval, ...] = ((time(9), time(12)), (time(13, 30), time(18)))
ALL_DAY: tuple[Interval, ...] = ((time(0), time(0)),)

# How far ahead add_business_minutes looks before deciding a calendar has no open hours.
_MAX_DAYS_SCANNED = 3660


class CalendarError(ValueError):
    pass


@dataclass(frozen=True)
class WorkingCalendar:
    """weekly_hours[0] is Monday … [6] Sunday; a 调休 make-up workday that falls on a weekend
    opens with Monday's hours. `observe_statutory_holidays=False` suits a 24×7 call centre.
    `exceptions` maps a date to its own hours (empty tuple = closed), overriding everything."""

    time_zone: str = "Asia/Shanghai"
    weekly_hours: tuple[tuple[Interval, ...], ...] = (OFFICE_HOURS,) * 5 + ((), ())
    observe_statutory_holidays: bool = True
    exceptions: Mapping[date, tuple[Interval, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weekly_hours) != 7:
            raise CalendarError("weekly_hours needs seven days, Monday first")
        for day in (*self.weekly_hours, *self.exceptions.values()):
            _check_intervals(day)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def _check_intervals(intervals: Sequence[Interval]) -> None:
    previous_end = time(0)
    for index, (start, end) in enumerate(intervals):
        end_minutes = _minutes(end) or 24 * 60
        if _minutes(start) >= end_minutes or (index and _minutes(start) < _minutes(previous_end)):
            raise CalendarError("working hours must be increasing, non-overlapping intervals")
        previous_end = end


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


# The library's tables are fixed for the life of the process (they change only with a new
# release), so caching its answers per year and per day is safe and saves most of the cost of
# walking a calendar day by day.
@functools.lru_cache(maxsize=64)
def statutory_data_known(year: int) -> bool:
    """Whether chinese-calendar knows the holidays of `year` (it is updated once a year)."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


HOLIDAY, MAKE_UP_WORKDAY, ORDINARY = "holiday", "make_up", "ordinary"


@functools.lru_cache(maxsize=8192)
def statutory_day_kind(day: date) -> str:
    """A statutory holiday, a 调休 weekend day worked as a weekday, or an ordinary day (also
    every day of a year the library does not know)."""
    if not statutory_data_known(day.year):
        return ORDINARY
    is_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
    if is_holiday and holiday_name is not None:
        return HOLIDAY
    if not is_holiday and day.weekday() >= 5:
        return MAKE_UP_WORKDAY
    return ORDINARY


def hours_on(calendar: WorkingCalendar, day: date) -> tuple[Interval, ...]:
    if day in calendar.exceptions:
        return calendar.exceptions[day]
    weekly = calendar.weekly_hours[day.weekday()]
    if not calendar.observe_statutory_holidays:
        return weekly
    kind = statutory_day_kind(day)
    if kind == HOLIDAY:
        return ()
    if kind == MAKE_UP_WORKDAY:
        return calendar.weekly_hours[0]  # a weekend day worked with a weekday's hours
    return weekly  # unknown years fall back to plain weekly hours (callers show a warning)


def _open_spans(calendar: WorkingCalendar, day: date) -> Iterator[tuple[datetime, datetime]]:
    zone = calendar.zone
    for start, end in hours_on(calendar, day):
        begin = datetime.combine(day, start, zone)
        finish = (
            datetime.combine(day + timedelta(days=1), time(0), zone)
            if end == time(0)
            else datetime.combine(day, end, zone)
        )
        yield begin, finish


@functools.lru_cache(maxsize=256)
def _open_time(hours: tuple[Interval, ...]) -> timedelta:
    """How long a day with these hours is open (on the wall clock, as the spans are counted)."""
    return sum(
        (timedelta(minutes=(_minutes(end) or 24 * 60) - _minutes(start)) for start, end in hours),
        timedelta(),
    )


def add_business_minutes(calendar: WorkingCalendar, start: datetime, minutes: int) -> datetime:
    """The instant `minutes` of open time after `start` (start itself if minutes == 0)."""
    if minutes < 0:
        raise CalendarError("minutes must not be negative")
    return add_business_time(calendar, start, timedelta(minutes=minutes))


def add_business_time(calendar: WorkingCalendar, start: datetime, length: timedelta) -> datetime:
    """The instant `length` of open time after `start`, to the microsecond (start itself if
    length is zero)."""
    if length < timedelta():
        raise CalendarError("the length must not be negative")
    if not length:
        return start
    remaining = length
    local = start.astimezone(calendar.zone)
    first_day = day = local.date()
    for _ in range(_MAX_DAYS_SCANNED):
        # A whole day that the time left outlasts is passed over without building its spans,
        # which a target of several days would otherwise do for every day it covers.
        if day > first_day:
            open_time = _open_time(hours_on(calendar, day))
            if remaining > open_time:
                remaining -= open_time
                day += timedelta(days=1)
                continue
        for begin, finish in _open_spans(calendar, day):
            if finish <= local:
                continue
            begin = max(begin, local)
            available = finish - begin
            if remaining <= available:
                return (begin + remaining).astimezone(start.tzinfo)
            remaining -= available
        day += timedelta(days=1)
    raise CalendarError("the calendar has no working hours in the next ten years")


def business_minutes_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """Whole minutes of open time in [start, end); 0 when end is not after start."""
    return int(business_time_between(calendar, start, end).total_seconds() // 60)


def business_time_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """Open time in [start, end), to the microsecond; zero when end is not after start."""
    total = timedelta()
    if end <= start:
        return total
    local_start = start.astimezone(calendar.zone)
    local_end = end.astimezone(calendar.zone)
    first_day, last_day = local_start.date(), local_end.date()
    day = first_day
    while day <= last_day:
        if first_day < day < last_day:
            total += _open_time(hours_on(calendar, day))  # wholly inside: no spans to clip
        else:
            for begin, finish in _open_spans(calendar, day):
                overlap = min(finish, local_end) - max(begin, local_start)
                if overlap > timedelta():
                    total += overlap
        day += timedelta(days=1)
    return total


def add_calendar_minutes(start: datetime, minutes: int) -> datetime:
    return start + timedelta(minutes=minutes)
