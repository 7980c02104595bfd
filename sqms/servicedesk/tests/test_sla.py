"""SLA planning: the matrix, policy matching, calendars, due times, pauses and re-planning."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from sqms.core.calendars import WorkingCalendar, business_minutes_between, statutory_data_known
from sqms.core.models import BusinessCalendar, CalendarException
from sqms.servicedesk import services, sla
from sqms.servicedesk.choices import Channel, Level, TicketKind, TicketStatus
from sqms.servicedesk.models import PriorityRule, SlaPolicy, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = [["09:00", "12:00"], ["13:30", "18:00"]]


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def policy_name(ticket: Ticket) -> str:
    return ticket.sla_policy.name if ticket.sla_policy is not None else ""


# --- the matrix ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_seeded_matrix_runs_from_p1_to_p4():
    assert sla.priority_for(Level.HIGH, Level.HIGH) == 1
    assert sla.priority_for(Level.HIGH, Level.MEDIUM) == 2
    assert sla.priority_for(Level.MEDIUM, Level.MEDIUM) == 3
    assert sla.priority_for(Level.LOW, Level.LOW) == 4
    assert PriorityRule.objects.count() == 9


@pytest.mark.django_db
def test_the_configured_matrix_wins_and_a_missing_cell_falls_back():
    PriorityRule.objects.filter(impact=Level.LOW, urgency=Level.LOW).update(priority=3)
    assert sla.priority_for(Level.LOW, Level.LOW) == 3
    PriorityRule.objects.all().delete()
    assert sla.priority_for(Level.HIGH, Level.HIGH) == 1
    assert sla.priority_for(Level.MEDIUM, Level.LOW) == 4
    assert sla.priority_for(Level.LOW, Level.HIGH) == 3


# --- matching ------------------------------------------------------------------------------


def unsaved(org, **values) -> Ticket:
    values.setdefault("kind", TicketKind.CONSULTATION)
    values.setdefault("channel", Channel.WEB)
    values.setdefault("priority", 3)
    values.setdefault("org_unit", org.hall1)
    return Ticket(**values)


@pytest.mark.parametrize(
    ("kind", "channel", "priority", "policy"),
    [
        ("consultation", "web", 3, "默认 / Default"),
        ("consultation", "counter", 3, "营业厅首次响应 / Counter first response"),
        ("suggestion", "phone", 4, "电话首次响应 / Phone first response"),
        ("business", "counter", 3, "营业厅业务办理 / Business requests at the counter"),
        ("business", "phone", 1, "电话业务办理 / Business requests by phone"),
        ("business", "app", 3, "业务办理 / Business requests"),
        ("complaint", "letter", 3, "投诉 / Complaints"),
        ("complaint", "phone", 2, "投诉 / Complaints"),  # tie with phone: the older policy
        ("complaint", "web", 1, "P1 重大故障 / P1 critical"),  # tie with complaint: P1 is older
        ("fault", "web", 1, "P1 重大故障 / P1 critical"),
    ],
)
def test_the_most_specific_seeded_policy_matches(org, kind, channel, priority, policy):
    ticket = unsaved(org, kind=kind, channel=channel, priority=priority)
    assert sla.match_policy(ticket) == ticket.sla_policy
    assert policy_name(ticket) == policy


def test_the_policy_of_the_nearer_unit_wins_and_inactive_ones_are_ignored(org):
    company = SlaPolicy.objects.create(
        name="HQ complaints",
        kind="complaint",
        org_unit=org.hq,
        response_minutes=60,
        resolve_minutes=600,
    )
    branch = SlaPolicy.objects.create(
        name="Branch complaints",
        kind="complaint",
        org_unit=org.branch1,
        response_minutes=30,
        resolve_minutes=300,
    )
    SlaPolicy.objects.create(
        name="Other branch",
        kind="complaint",
        org_unit=org.branch2,
        response_minutes=1,
        resolve_minutes=1,
    )
    complaint = unsaved(org, kind="complaint", channel="letter")
    assert sla.match_policy(complaint) == branch
    branch.is_active = False
    branch.save()
    assert sla.match_policy(complaint) == company
    # Three criteria beat two however near the unit is.
    precise = SlaPolicy.objects.create(
        name="Letters",
        kind="complaint",
        channel="letter",
        priority=3,
        response_minutes=5,
        resolve_minutes=50,
    )
    assert sla.match_policy(complaint) == precise
    elsewhere = unsaved(org, kind="complaint", org_unit=org.hall2)
    sla.match_policy(elsewhere)
    assert policy_name(elsewhere) == "Other branch"


def test_no_active_policy_plans_nothing(org):
    SlaPolicy.objects.update(is_active=False)
    ticket = unsaved(org)
    sla.plan(ticket, at(2026, 11, 18, 10))
    assert ticket.sla_policy is None
    assert ticket.response_due_at is None and ticket.sla_next_check_at is None


# --- calendars -----------------------------------------------------------------------------


def test_the_nearest_units_calendar_applies_with_its_exceptions(org, django_assert_num_queries):
    assert sla.calendar_for(org.counter1) == WorkingCalendar()
    BusinessCalendar.objects.create(
        org_unit=org.branch1, name="Branch", weekly_hours=[WEEKDAYS] * 7
    )
    hall = BusinessCalendar.objects.create(
        org_unit=org.hall1,
        name="Hall 1",
        weekly_hours=[[["08:00", "20:00"]]] * 7,
        observe_statutory_holidays=False,
    )
    CalendarException.objects.create(calendar=hall, date=at(2026, 10, 1).date(), hours=[])
    with django_assert_num_queries(2):  # the calendar, then its exceptions
        calendar = sla.calendar_for(org.counter1)
    assert calendar.weekly_hours[6] == ((at(1, 1, 1, 8).time(), at(1, 1, 1, 20).time()),)
    assert not calendar.observe_statutory_holidays
    assert calendar.exceptions == {at(2026, 10, 1).date(): ()}
    assert sla.calendar_for(org.call_centre).weekly_hours[6] != ()  # the branch's 7-day week
    assert sla.calendar_for(org.hall2) == WorkingCalendar()


# --- planning each seeded policy -----------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "response_due", "response_warn", "resolve_due"),
    [
        # Default: 4 and 24 business hours (9:00–12:00, 13:30–18:00), warning at 75 %.
        ({}, at(2026, 11, 18, 15, 30), at(2026, 11, 18, 14, 30), at(2026, 11, 23, 11, 30)),
        # Counter and phone: three calendar minutes to respond (warning at 2), a day to resolve.
        (
            {"channel": "counter"},
            at(2026, 11, 18, 10, 3),
            at(2026, 11, 18, 10, 2),
            at(2026, 11, 19, 10),
        ),
        (
            {"channel": "phone"},
            at(2026, 11, 18, 10, 3),
            at(2026, 11, 18, 10, 2),
            at(2026, 11, 19, 10),
        ),
        # Business requests handled within 20 minutes.
        (
            {"kind": "business", "channel": "counter"},
            at(2026, 11, 18, 10, 3),
            at(2026, 11, 18, 10, 2),
            at(2026, 11, 18, 10, 20),
        ),
        (
            {"kind": "business", "channel": "phone"},
            at(2026, 11, 18, 10, 3),
            at(2026, 11, 18, 10, 2),
            at(2026, 11, 18, 10, 20),
        ),
        (
            {"kind": "business", "channel": "app"},
            at(2026, 11, 18, 10, 20),
            at(2026, 11, 18, 10, 15),
            at(2026, 11, 18, 10, 20),
        ),
        # Complaints: answered within 24 and resolved within 48 business hours.
        (
            {"kind": "complaint", "channel": "letter"},
            at(2026, 11, 23, 11, 30),
            at(2026, 11, 20, 14, 30),
            at(2026, 11, 26, 14, 30),
        ),
        # P1: 30 minutes and 4 hours of calendar time, warning at half.
        (
            {"impact": Level.HIGH, "urgency": Level.HIGH},
            at(2026, 11, 18, 10, 30),
            at(2026, 11, 18, 10, 15),
            at(2026, 11, 18, 14),
        ),
    ],
)
def test_registration_plans_each_seeded_policy(
    agent, make_ticket, values, response_due, response_warn, resolve_due
):
    with time_machine.travel(at(2026, 11, 18, 10), tick=False):  # a Wednesday
        ticket = make_ticket(agent, **values)
    assert ticket.response_due_at == response_due
    assert ticket.response_warn_at == response_warn
    assert ticket.resolve_due_at == resolve_due
    assert ticket.sla_next_check_at == min(response_warn, ticket.resolve_warn_at)
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.resolve_due_at == resolve_due and stored.sla_policy == ticket.sla_policy


def test_a_complaint_before_national_day_is_due_after_it_counting_the_make_up_saturday(
    agent, make_ticket
):
    # 2026-09-30 (Wed) 17:00: one business hour that day, 1–7 October closed, 8–9 open,
    # Saturday 10 October a 调休 make-up workday, Sunday 11 closed.
    with time_machine.travel(at(2026, 9, 30, 17), tick=False):
        ticket = make_ticket(agent, kind=TicketKind.COMPLAINT, channel=Channel.LETTER)
    assert ticket.response_due_at == at(2026, 10, 12, 9, 30)
    assert ticket.response_warn_at == at(2026, 10, 10, 11)  # on the make-up Saturday
    assert ticket.resolve_due_at == at(2026, 10, 15, 11)
    assert ticket.resolve_warn_at == at(2026, 10, 13, 15, 30)
    assert sla.unknown_holiday_years(ticket) == []


def test_years_without_holiday_data_are_reported(org):
    policy = SlaPolicy.objects.get(kind="complaint", channel="")
    ticket = unsaved(org, kind="complaint", sla_policy=policy)
    ticket.created_at = at(2099, 12, 30, 10)
    sla.set_due_times(ticket, sla.clock_for(ticket), ticket.created_at, [])
    assert ticket.resolve_due_at is not None and ticket.resolve_due_at.year == 2100
    assert sla.unknown_holiday_years(ticket) == [2099, 2100]
    assert not statutory_data_known(2099)
    ticket.sla_policy = SlaPolicy.objects.get(priority=1)  # calendar time: no warning needed
    assert sla.unknown_holiday_years(ticket) == []


# --- pausing -------------------------------------------------------------------------------


def complaint_in_memory(created: datetime) -> Ticket:
    """An in-progress complaint under a 24 h / 48 h business-time policy (no database)."""
    policy = SlaPolicy(
        kind="complaint",
        response_minutes=1440,
        resolve_minutes=2880,
        business_time=True,
        warn_percent=75,
    )
    ticket = Ticket(
        kind="complaint",
        channel="letter",
        priority=3,
        sla_policy=policy,
        status=TicketStatus.IN_PROGRESS,
        created_at=created,
        responded_at=created,
    )
    sla.set_due_times(ticket, sla.clock_for(ticket, WorkingCalendar()), created, [])
    return ticket


@settings(max_examples=80, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
        lambda moment: moment.replace(second=0, microsecond=0, tzinfo=SHANGHAI)
    ),
    pause_after=st.integers(min_value=0, max_value=14 * 24 * 60),
    wait=st.integers(min_value=0, max_value=30 * 24 * 60),
)
def test_pausing_for_any_span_keeps_the_remaining_business_minutes(start, pause_after, wait):
    calendar = WorkingCalendar()
    ticket = complaint_in_memory(start)
    paused = start + timedelta(minutes=pause_after)
    resumed = paused + timedelta(minutes=wait)
    before = {name: getattr(ticket, name) for name in ("resolve_warn_at", "resolve_due_at")}
    sla.pause(ticket, paused)
    assert ticket.sla_next_check_at is None
    spell = sla.resume(ticket, resumed, calendar=calendar)
    assert spell["waited_minutes"] == business_minutes_between(calendar, paused, resumed)
    for name, old in before.items():
        new = getattr(ticket, name)
        if old <= paused:
            assert new == old  # already passed when the clock stopped: stays where it was
        else:
            assert new >= old
            assert business_minutes_between(calendar, resumed, new) == (
                business_minutes_between(calendar, paused, old)
            )
    assert ticket.resolve_warn_at is not None and ticket.resolve_due_at is not None
    assert ticket.sla_next_check_at == min(ticket.resolve_warn_at, ticket.resolve_due_at)


def test_waiting_for_the_customer_moves_the_due_times_and_is_not_counted(
    agent, ticket_in_status, verifier
):
    with time_machine.travel(at(2026, 11, 18, 10), tick=False):  # Wednesday
        ticket = ticket_in_status(
            TicketStatus.IN_PROGRESS, actor=agent, kind="complaint", channel="letter"
        )
    assert ticket.resolve_due_at == at(2026, 11, 26, 14, 30)
    with time_machine.travel(at(2026, 11, 18, 11), tick=False):
        ticket = services.pause_ticket(ticket, actor=agent, reason="等待客户补充材料")
    assert ticket.paused_at == at(2026, 11, 18, 11)
    assert ticket.sla_next_check_at is None
    assert Ticket.objects.filter(sla_next_check_at__isnull=True, pk=ticket.pk).exists()
    # Waiting from Wednesday 11:00 to Monday 11:00: 330 + 450 + 450 + 120 business minutes.
    with time_machine.travel(at(2026, 11, 23, 11), tick=False):
        ticket = services.resume_ticket(ticket, actor=agent)
    assert ticket.paused_at is None
    assert ticket.resolve_due_at == at(2026, 12, 1, 14, 30)
    assert ticket.sla_next_check_at == ticket.resolve_warn_at
    event = ticket.events.get(from_status=TicketStatus.WAITING_CUSTOMER)
    assert event.data["waited_minutes"] == 3 * 450
    # Resolved on Tuesday 10:00: 60 (Wed) + 60 (Mon 11–12) + 270 + 60 minutes of work after
    # the hour before the pause, nothing for the wait.
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        ticket = services.resolve_ticket(ticket, actor=agent, resolution="已退还多收费用")
    assert ticket.resolve_minutes == 60 + (60 + 270) + 60
    assert ticket.resolve_breached is False
    assert ticket.sla_next_check_at is None


@pytest.mark.parametrize(
    ("values", "registered"),
    [
        # The counter policy counts calendar minutes; the complaint policy business minutes.
        ({"channel": Channel.COUNTER}, at(2026, 11, 18, 10, 0, 30)),
        ({"kind": "complaint", "channel": Channel.LETTER}, at(2026, 11, 18, 10, 0, 30)),
    ],
)
def test_a_short_wait_moves_the_due_times_by_the_wait_never_earlier(
    agent, ticket_in_status, values, registered
):
    with time_machine.travel(registered, tick=False):
        ticket = ticket_in_status(TicketStatus.IN_PROGRESS, actor=agent, **values)
    due = ticket.resolve_due_at
    assert due.second == 30  # due times keep the registration's seconds
    for cycle in range(1, 4):  # each wait of 10 s moves the due time 10 s later
        with time_machine.travel(at(2026, 11, 18, 11, cycle), tick=False):
            ticket = services.pause_ticket(ticket, actor=agent, reason="等待客户确认")
        with time_machine.travel(at(2026, 11, 18, 11, cycle, 10), tick=False):
            ticket = services.resume_ticket(ticket, actor=agent)
        assert ticket.resolve_due_at == due + timedelta(seconds=10 * cycle)
    # Reopening gives back exactly the time that was left at the resolution, too.
    moved = ticket.resolve_due_at
    with time_machine.travel(at(2026, 11, 18, 11, 30), tick=False):
        ticket = services.resolve_ticket(ticket, actor=agent, resolution="已处理")
    with time_machine.travel(at(2026, 11, 18, 11, 30, 20), tick=False):
        ticket = services.reopen_ticket(ticket, actor=agent, reason="客户反馈仍未解决")
    assert ticket.resolve_due_at == moved + timedelta(seconds=20)


# --- facts ---------------------------------------------------------------------------------


def test_response_and_resolution_facts_are_stored_with_breach_flags(agent, make_ticket):
    with time_machine.travel(at(2026, 11, 18, 10), tick=False):
        ticket = make_ticket(agent, channel=Channel.COUNTER)  # respond in 3, resolve in 1440
    with time_machine.travel(at(2026, 11, 18, 10, 5, 30), tick=False):
        ticket = services.respond_to_ticket(ticket, actor=agent)
    assert ticket.responded_at == at(2026, 11, 18, 10, 5, 30)
    assert ticket.response_minutes == 5
    assert ticket.response_breached is True
    assert ticket.sla_next_check_at == ticket.resolve_warn_at
    with time_machine.travel(at(2026, 11, 19, 9), tick=False):
        ticket = services.resolve_ticket(ticket, actor=agent, resolution="已解答")
    assert ticket.resolve_minutes == 23 * 60
    assert ticket.resolve_breached is False
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.response_minutes, stored.response_breached) == (5, True)
    assert (stored.resolve_minutes, stored.resolve_breached) == (23 * 60, False)


def test_business_minutes_are_counted_for_business_time_policies(agent, make_ticket):
    with time_machine.travel(at(2026, 11, 20, 17), tick=False):  # Friday 17:00, default policy
        ticket = make_ticket(agent)
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):  # Monday 10:00
        ticket = services.respond_to_ticket(ticket, actor=agent)
    assert ticket.response_minutes == 60 + 60
    assert ticket.response_breached is False
    assert ticket.response_due_at == at(2026, 11, 23, 12)  # 4 business hours


# --- re-planning ---------------------------------------------------------------------------


def test_a_priority_change_replans_from_registration_and_is_on_the_timeline(agent, make_ticket):
    with time_machine.travel(at(2026, 11, 18, 10), tick=False):
        ticket = make_ticket(agent, kind=TicketKind.COMPLAINT, channel=Channel.LETTER)
    assert policy_name(ticket) == "投诉 / Complaints"
    with time_machine.travel(at(2026, 11, 18, 10, 20), tick=False):
        ticket = services.change_priority(
            ticket, actor=agent, impact=Level.HIGH, urgency=Level.HIGH, reason="影响大量用户"
        )
    assert ticket.priority == 1
    assert policy_name(ticket) == "P1 重大故障 / P1 critical"
    assert ticket.response_due_at == at(2026, 11, 18, 10, 30)
    assert ticket.resolve_due_at == at(2026, 11, 18, 14)
    assert ticket.sla_next_check_at == at(2026, 11, 18, 10, 15)
    event = ticket.events.get(event_type="priority")
    assert event.message == "影响大量用户"
    assert event.data["from"]["priority"] == 3 and event.data["to"]["priority"] == 1
    assert datetime.fromisoformat(event.data["to"]["resolve_due_at"]) == at(2026, 11, 18, 14)
    # Back down: the complaint commitment again, computed from the registration time.
    with time_machine.travel(at(2026, 11, 18, 10, 40), tick=False):
        ticket = services.change_priority(
            ticket, actor=agent, impact=Level.MEDIUM, urgency=Level.MEDIUM
        )
    assert ticket.resolve_due_at == at(2026, 11, 26, 14, 30)


def test_replanning_keeps_a_passed_breach_and_drops_one_the_new_plan_moves_away(agent, make_ticket):
    with time_machine.travel(at(2026, 11, 18, 10), tick=False):
        ticket = make_ticket(agent, impact=Level.HIGH, urgency=Level.HIGH)  # P1: respond by 10:30
    Ticket.objects.filter(pk=ticket.pk).update(response_warned=True, response_breached=True)
    with time_machine.travel(at(2026, 11, 18, 11), tick=False):
        ticket = services.change_priority(
            ticket, actor=agent, impact=Level.MEDIUM, urgency=Level.MEDIUM
        )  # default policy: respond by 15:30
    assert ticket.response_due_at == at(2026, 11, 18, 15, 30)
    assert ticket.response_breached is False and ticket.response_warned is False
    Ticket.objects.filter(pk=ticket.pk).update(response_warned=True)
    with time_machine.travel(at(2026, 11, 18, 14, 45), tick=False):
        ticket = services.change_priority(ticket, actor=agent, impact=Level.HIGH, urgency=2)
    assert ticket.priority == 2
    assert policy_name(ticket) == "默认 / Default"
    assert ticket.response_warned is True  # its warning time (14:30) has passed: no repeat


def test_replanning_after_a_pause_still_leaves_the_wait_out(agent, ticket_in_status):
    with time_machine.travel(at(2026, 11, 18, 10), tick=False):
        ticket = ticket_in_status(
            TicketStatus.IN_PROGRESS, actor=agent, kind="complaint", channel="letter"
        )
    with time_machine.travel(at(2026, 11, 18, 11), tick=False):
        ticket = services.pause_ticket(ticket, actor=agent, reason="等待客户")
    with time_machine.travel(at(2026, 11, 23, 11), tick=False):
        ticket = services.resume_ticket(ticket, actor=agent)
    shifted = ticket.resolve_due_at
    with time_machine.travel(at(2026, 11, 23, 12), tick=False):
        ticket = services.change_priority(ticket, actor=agent, impact=Level.LOW, urgency=Level.LOW)
        ticket = services.change_priority(
            ticket, actor=agent, impact=Level.MEDIUM, urgency=Level.MEDIUM
        )
    assert ticket.resolve_due_at == shifted == at(2026, 12, 1, 14, 30)
