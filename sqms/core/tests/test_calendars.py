"""Business-time arithmetic: explicit 2026 holiday cases and properties over random instants."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sqms.core.calendars import (
    ALL_DAY,
    CalendarError,
    WorkingCalendar,
    add_business_minutes,
    business_minutes_between,
    hours_on,
    statutory_data_known,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFICE = WorkingCalendar()  # Mon–Fri 09:00–12:00, 13:30–18:00 (7.5 h), statutory holidays
ALWAYS = WorkingCalendar(weekly_hours=(ALL_DAY,) * 7, observe_statutory_holidays=False)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_national_day_2026_is_closed_and_the_make_up_saturday_is_open():
    for day in range(1, 8):
        assert hours_on(OFFICE, date(2026, 10, day)) == ()
    assert hours_on(OFFICE, date(2026, 10, 10)) == OFFICE.weekly_hours[0]  # 调休 Saturday
    assert hours_on(OFFICE, date(2026, 9, 20)) == OFFICE.weekly_hours[0]  # 调休 Sunday
    assert hours_on(OFFICE, date(2026, 10, 11)) == ()  # an ordinary Sunday


def test_complaint_registered_before_national_day_is_due_after_it():
    # Wed 30 Sep 17:00 + 8 business hours: 1 h that day, then 7 h from Thu 8 Oct 09:00.
    due = add_business_minutes(OFFICE, at("2026-09-30T17:00"), 8 * 60)
    assert due == at("2026-10-08T17:30")
    assert business_minutes_between(OFFICE, at("2026-09-30T17:00"), due) == 8 * 60


def test_spring_festival_2026_spans_the_holiday_and_its_make_up_days():
    # Fri 13 Feb 17:00 + 2 h: 1 h on Friday, Saturday 14 Feb is a make-up workday.
    assert add_business_minutes(OFFICE, at("2026-02-13T17:00"), 120) == at("2026-02-14T10:00")
    # From Sat 14 Feb 18:00 the next open minute is Tue 24 Feb (15–23 Feb are holidays).
    assert add_business_minutes(OFFICE, at("2026-02-14T18:00"), 1) == at("2026-02-24T09:01")


def test_lunch_break_and_closed_time_are_skipped():
    assert add_business_minutes(OFFICE, at("2026-11-20T11:50"), 20) == at("2026-11-20T13:40")
    assert add_business_minutes(OFFICE, at("2026-11-20T20:00"), 0) == at("2026-11-20T20:00")
    assert add_business_minutes(OFFICE, at("2026-11-20T20:00"), 1) == at("2026-11-23T09:01")


def test_own_exceptions_override_statutory_days():
    special = WorkingCalendar(
        exceptions={date(2026, 10, 2): ((time(10), time(12)),), date(2026, 11, 20): ()}
    )
    assert add_business_minutes(special, at("2026-10-02T08:00"), 30) == at("2026-10-02T10:30")
    assert hours_on(special, date(2026, 11, 20)) == ()


def test_unknown_year_falls_back_to_weekly_hours():
    assert not statutory_data_known(2099)
    assert hours_on(OFFICE, date(2099, 1, 1)) == OFFICE.weekly_hours[date(2099, 1, 1).weekday()]


def test_always_open_calendar_counts_calendar_time():
    start = at("2026-10-01T23:30")
    assert add_business_minutes(ALWAYS, start, 60) == at("2026-10-02T00:30")


def test_bad_calendars_are_refused():
    with pytest.raises(CalendarError):
        WorkingCalendar(weekly_hours=((),) * 6)
    with pytest.raises(CalendarError):
        WorkingCalendar(weekly_hours=(((time(12), time(9)),),) * 7)
    with pytest.raises(CalendarError):
        add_business_minutes(OFFICE, at("2026-11-20T09:00"), -1)
    with pytest.raises(CalendarError):
        add_business_minutes(WorkingCalendar(weekly_hours=((),) * 7), at("2026-11-20T09:00"), 1)


instants = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
# Open till midnight but on statutory holidays: whole days of 16 h, spans that end at 24:00.
LATE = WorkingCalendar(weekly_hours=(((time(8), time(0)),),) * 7)
calendars = st.sampled_from([OFFICE, ALWAYS, LATE])


def clipped_minutes(calendar, start, end):
    """The definition the arithmetic must agree with: each day's opening hours, clipped to
    [start, end), summed (the functions pass over whole days without building their spans)."""
    zone = calendar.zone
    total = timedelta()
    day = start.astimezone(zone).date() - timedelta(days=1)
    while day <= end.astimezone(zone).date():
        for open_at, close_at in hours_on(calendar, day):
            begin = datetime.combine(day, open_at, zone)
            finish = datetime.combine(day + timedelta(days=close_at == time(0)), close_at, zone)
            overlap = min(finish, end) - max(begin, start)
            total += max(overlap, timedelta())
        day += timedelta(days=1)
    return total


@settings(max_examples=150, deadline=None)
@given(calendar=calendars, start=instants, minutes=st.integers(1, 20000))
# Exactly a whole day's hours after a closed evening: the answer is that day's close.
@example(calendar=OFFICE, start=at("2026-11-19T20:00"), minutes=450)
@example(calendar=LATE, start=at("2026-11-20T00:00"), minutes=2 * 960)
def test_adding_and_counting_agree_with_the_days_hours(calendar, start, minutes):
    end = add_business_minutes(calendar, start, minutes)
    assert clipped_minutes(calendar, start, end) == timedelta(minutes=minutes)
    # …and not a moment later: just before the end, a minute is still to go.
    assert clipped_minutes(calendar, start, end - timedelta(seconds=1)) < timedelta(minutes=minutes)
    later = end + timedelta(minutes=minutes)
    assert business_minutes_between(calendar, start, later) == int(
        clipped_minutes(calendar, start, later).total_seconds() // 60
    )


@settings(max_examples=150, deadline=None)
@given(calendar=calendars, start=instants, minutes=st.integers(0, 5000))
def test_adding_then_counting_gives_the_same_minutes(calendar, start, minutes):
    start = start.replace(microsecond=0)
    end = add_business_minutes(calendar, start, minutes)
    assert end >= start
    assert business_minutes_between(calendar, start, end) == minutes


@settings(max_examples=150, deadline=None)
@given(calendar=calendars, start=instants, a=st.integers(0, 3000), b=st.integers(0, 3000))
def test_adding_is_monotonic(calendar, start, a, b):
    low, high = sorted((a, b))
    assert add_business_minutes(calendar, start, low) <= add_business_minutes(calendar, start, high)


@settings(max_examples=150, deadline=None)
@given(calendar=calendars, start=instants, span=st.integers(0, 20000), cut=st.integers(0, 20000))
def test_counting_is_additive(calendar, start, span, cut):
    end = start + timedelta(minutes=span)
    middle = start + timedelta(minutes=min(cut, span))
    whole = business_minutes_between(calendar, start, end)
    parts = business_minutes_between(calendar, start, middle) + business_minutes_between(
        calendar, middle, end
    )
    assert whole - 1 <= parts <= whole  # whole minutes: splitting may lose one partial minute
