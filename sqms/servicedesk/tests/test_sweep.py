"""The SLA sweep: warnings, escalations and their rules, idempotency (also under concurrency)
and a query count that does not grow with the number of due tickets."""

import itertools
import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from sqms.core import audit, periodic
from sqms.core.models import AuditEvent, BusinessCalendar, Notification
from sqms.servicedesk import services, sla
from sqms.servicedesk import sweep as sweep_module
from sqms.servicedesk.choices import (
    Channel,
    EventType,
    Level,
    Priority,
    TicketKind,
    TicketStatus,
)
from sqms.servicedesk.models import SlaPolicy, Ticket, TicketEvent
from sqms.servicedesk.sweep import locking_query, sweep
from sqms.servicedesk.tasks import sla_sweep

# A Monday morning, within office hours.
START = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
_numbers = itertools.count(1)


def minutes(n: float) -> datetime:
    return START + timedelta(minutes=n)


@pytest.fixture(autouse=True)
def only_test_policies(db: Any) -> None:
    """Seeded policies stay out of the way: each test makes the ones it means."""
    SlaPolicy.objects.update(is_active=False)


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def make_policy(**values: Any) -> SlaPolicy:
    """Calendar time by default: response warned at 5, due at 10; resolution 30 and 60."""
    defaults: dict[str, Any] = {
        "name": "test policy",
        "kind": TicketKind.COMPLAINT,
        "channel": Channel.PHONE,
        "response_minutes": 10,
        "resolve_minutes": 60,
        "warn_percent": 50,
        "business_time": False,
        "escalate_raise_priority": False,
        "escalate_to_manager": False,
    }
    defaults.update(values)
    return SlaPolicy.objects.create(**defaults)


def make_ticket(owner: Any, *, unit: Any = None, assignee: Any = None, **values: Any) -> Ticket:
    """A ticket planned by sla.plan as registration would, without the services' extras."""
    ticket = Ticket(
        number=f"SQT{next(_numbers):06d}",
        kind=values.pop("kind", TicketKind.COMPLAINT),
        channel=values.pop("channel", Channel.PHONE),
        title="Bill too high",
        org_unit=unit or owner.org_unit,
        first_contact_owner=owner,
        assignee=assignee,
        impact=Level.LOW,
        urgency=Level.LOW,
        priority=values.pop("priority", Priority.P4),
        status=values.pop("status", TicketStatus.NEW),
        **values,
    )
    sla.plan(ticket, datetime.now(tz=START.tzinfo))
    ticket.save()
    return ticket


def events(ticket: Ticket, event_type: str) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, event_type=event_type))


def recipients(ticket: Ticket) -> list[str]:
    return sorted(
        Notification.objects.filter(object_id=str(ticket.pk)).values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture
def people(org: Any, make_user: Any) -> Any:
    class People:
        owner = make_user("agent", unit=org.hall1, username="owner")
        agent = make_user("agent", unit=org.hall1, username="agent")
        manager = make_user("unit_manager", unit=org.branch1, username="branch_manager")

    return People


# --------------------------------------------------------------------------- the life cycle


def test_warning_then_breach_then_nothing_more(clock, people):
    make_policy()
    ticket = make_ticket(people.owner, assignee=people.agent)
    assert ticket.sla_next_check_at == minutes(5)

    assert sweep(minutes(4)).checked == 0

    result = sweep(minutes(6))
    assert (result.checked, result.warned, result.escalated) == (1, 1, 0)
    ticket.refresh_from_db()
    assert ticket.response_warned and not ticket.response_breached
    assert ticket.sla_next_check_at == minutes(10)
    (warning,) = events(ticket, EventType.SLA_WARNING)
    assert warning.actor is None and warning.data["targets"] == ["response"]
    assert recipients(ticket) == ["agent"]

    assert sweep(minutes(7)).checked == 0

    result = sweep(minutes(11))
    assert (result.checked, result.warned, result.escalated) == (1, 0, 1)
    ticket.refresh_from_db()
    assert ticket.response_breached and ticket.escalation_level == 1
    assert ticket.priority == Priority.P4, "this policy does not raise priority"
    assert ticket.sla_next_check_at == minutes(30)
    (escalation,) = events(ticket, EventType.ESCALATION)
    assert escalation.actor is None and escalation.data["targets"] == ["response"]
    assert escalation.data["level"] == 1
    # Assignee, the manager of the nearest unit that has one (the branch), first-contact owner.
    assert recipients(ticket) == ["agent", "agent", "branch_manager", "owner"]
    (logged,) = AuditEvent.objects.filter(
        object_id=str(ticket.pk), object_type="servicedesk.ticket"
    )
    assert logged.actor is None and logged.action == "update"
    assert logged.after["escalation_level"] == 1 and logged.after["response_breached"] is True
    assert logged.after["escalation_targets"] == ["response"]

    # The third sweep, and the same instant again, find nothing more.
    for moment in (minutes(11), minutes(12), minutes(29)):
        assert sweep(moment) == type(result)(checked=0, warned=0, escalated=0)
    assert len(events(ticket, EventType.ESCALATION)) == 1
    assert len(events(ticket, EventType.SLA_WARNING)) == 1

    # Resolution: warned at 30, breached at 60, each once.
    assert sweep(minutes(31)).warned == 1
    assert sweep(minutes(61)).escalated == 1
    assert sweep(minutes(62)).checked == 0
    ticket.refresh_from_db()
    assert ticket.resolve_warned and ticket.resolve_breached
    assert ticket.escalation_level == 2 and ticket.sla_next_check_at is None
    assert len(events(ticket, EventType.SLA_WARNING)) == 2
    assert len(events(ticket, EventType.ESCALATION)) == 2
    assert audit.verify_chain()[1] is None


def test_a_late_sweep_escalates_without_a_separate_warning(clock, people):
    make_policy()
    ticket = make_ticket(people.owner, assignee=people.agent)
    result = sweep(minutes(15))
    assert (result.warned, result.escalated) == (0, 1)
    ticket.refresh_from_db()
    assert ticket.response_warned and ticket.response_breached
    assert not events(ticket, EventType.SLA_WARNING)
    assert sweep(minutes(16)).checked == 0


def test_both_targets_breached_at_once_escalate_one_level(clock, people):
    make_policy()
    ticket = make_ticket(people.owner, assignee=people.agent)
    assert sweep(minutes(90)).escalated == 1
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert ticket.response_breached and ticket.resolve_breached
    (escalation,) = events(ticket, EventType.ESCALATION)
    assert escalation.data["targets"] == ["response", "resolution"]
    assert ticket.sla_next_check_at is None


def test_a_responded_ticket_is_not_escalated_for_its_response(clock, people):
    make_policy()
    ticket = make_ticket(people.owner, assignee=people.agent)
    ticket.status = TicketStatus.RESPONDED
    sla.record_response(ticket, minutes(3))
    ticket.save()
    assert ticket.sla_next_check_at == minutes(30)
    assert sweep(minutes(20)).checked == 0
    ticket.refresh_from_db()
    assert not ticket.response_warned and not ticket.response_breached


def test_a_paused_ticket_is_not_escalated(clock, people):
    make_policy()
    ticket = make_ticket(people.owner, assignee=people.agent)
    ticket.status = TicketStatus.IN_PROGRESS
    sla.record_response(ticket, minutes(2))
    ticket.save()
    ticket.status = TicketStatus.WAITING_CUSTOMER
    sla.pause(ticket, minutes(20))
    ticket.save()
    assert sweep(minutes(600)).checked == 0

    # Even a waiting ticket whose next check was left in the past is not touched.
    Ticket.objects.filter(pk=ticket.pk).update(sla_next_check_at=minutes(25))
    assert sweep(minutes(600)).checked == 0
    ticket.refresh_from_db()
    assert not ticket.resolve_warned and not ticket.resolve_breached
    assert ticket.escalation_level == 0
    assert not events(ticket, EventType.ESCALATION)


def test_through_the_services_waiting_stops_the_clock(clock, people):
    policy = make_policy()
    ticket = services.register_ticket(
        actor=people.owner,
        kind=TicketKind.COMPLAINT,
        channel=Channel.PHONE,
        title="No signal at home",
        assignee=people.agent,
    )
    assert ticket.sla_policy == policy and ticket.sla_next_check_at == minutes(5)
    clock.move_to(minutes(2))
    services.respond_to_ticket(ticket, actor=people.agent)
    services.start_ticket(ticket, actor=people.agent)
    clock.move_to(minutes(20))
    services.pause_ticket(ticket, actor=people.agent, reason="Customer sends the bill")
    assert sweep(minutes(600)).checked == 0

    # Ten minutes were left before the resolution warning, forty before its deadline.
    clock.move_to(minutes(600))
    services.resume_ticket(ticket, actor=people.agent)
    assert sweep(minutes(609)).checked == 0
    assert sweep(minutes(611)).warned == 1
    assert sweep(minutes(641)).escalated == 1
    ticket.refresh_from_db()
    assert ticket.resolve_breached and not ticket.response_breached
    assert ticket.escalation_level == 1
    services.resolve_ticket(ticket, actor=people.agent, resolution="Tariff corrected")
    assert sweep(minutes(2000)).checked == 0


def test_closed_and_resolved_tickets_are_not_swept(clock, people):
    make_policy()
    for status in (TicketStatus.RESOLVED, TicketStatus.VERIFIED, TicketStatus.CLOSED):
        make_ticket(people.owner, status=status)
    assert sweep(minutes(600)).checked == 0


# --------------------------------------------------------------------------- escalation rules


def test_raise_priority_replans_but_never_unbreaches(clock, people):
    make_policy(name="P4", priority=Priority.P4, escalate_raise_priority=True)
    # The P3 policy happens to allow a longer response: the re-plan must not un-breach.
    p3 = make_policy(
        name="P3",
        priority=Priority.P3,
        response_minutes=20,
        resolve_minutes=40,
        escalate_raise_priority=True,
    )
    ticket = make_ticket(people.owner, assignee=people.agent)
    assert sweep(minutes(11)).escalated == 1
    ticket.refresh_from_db()
    assert ticket.priority == Priority.P3
    assert ticket.sla_policy == p3
    assert ticket.response_due_at == minutes(20) and ticket.resolve_due_at == minutes(40)
    assert ticket.response_breached and ticket.response_warned
    assert ticket.sla_next_check_at == minutes(20), "the new resolution warning"
    (change,) = events(ticket, EventType.PRIORITY)
    assert (change.data["from"]["priority"], change.data["to"]["priority"]) == (4, 3)
    assert change.data["to"]["sla_policy"] == p3.pk
    assert datetime.fromisoformat(change.data["to"]["resolve_due_at"]) == minutes(40)
    assert change.actor is None
    (logged,) = AuditEvent.objects.filter(object_id=str(ticket.pk))
    assert logged.before is not None and logged.after is not None
    assert logged.before["priority"] == 4 and logged.after["priority"] == 3
    assert logged.after["sla_policy"] == p3.pk

    # The response breach is not escalated again under the new plan; the resolution is.
    assert sweep(minutes(21)).warned == 1
    assert sweep(minutes(41)).escalated == 1
    ticket.refresh_from_db()
    assert ticket.priority == Priority.P2 and ticket.escalation_level == 2
    assert len(events(ticket, EventType.ESCALATION)) == 2


def test_priority_is_not_raised_above_p1(clock, people):
    make_policy(escalate_raise_priority=True)
    ticket = make_ticket(people.owner, priority=Priority.P1)
    assert sweep(minutes(11)).escalated == 1
    ticket.refresh_from_db()
    assert ticket.priority == Priority.P1 and ticket.escalation_level == 1
    assert not events(ticket, EventType.PRIORITY)


def test_priority_stays_when_the_policy_says_so(clock, people):
    make_policy(escalate_raise_priority=False)
    ticket = make_ticket(people.owner)
    sweep(minutes(11))
    ticket.refresh_from_db()
    assert ticket.priority == Priority.P4


def test_reassign_to_the_nearest_unit_manager(clock, org, people, make_user):
    make_policy(escalate_to_manager=True)
    make_user("unit_manager", unit=org.hq, username="hq_manager")
    make_user("unit_manager", unit=org.branch2, username="other_branch_manager")
    make_user("agent", unit=org.branch1, username="branch_agent")  # not a manager
    ticket = make_ticket(people.owner, assignee=people.agent, handling_department=org.hall1)

    assert sweep(minutes(11)).escalated == 1
    ticket.refresh_from_db()
    assert ticket.assignee == people.manager
    # A handling department contains its assignee: the manager's branch takes over.
    assert ticket.handling_department == org.branch1
    assert ticket.first_contact_owner == people.owner
    assert ticket.reassignment_count == 1
    (assignment,) = events(ticket, EventType.ASSIGNMENT)
    assert assignment.data["from_assignee"] == people.agent.pk
    assert assignment.data["to_assignee"] == people.manager.pk
    assert assignment.data["from_department"] == org.hall1.pk
    assert assignment.data["to_department"] == org.branch1.pk
    # The previous assignee, the branch's manager (the nearest) and the first-contact owner.
    assert recipients(ticket) == ["agent", "branch_manager", "owner"]
    (logged,) = AuditEvent.objects.filter(object_id=str(ticket.pk))
    assert logged.before is not None and logged.after is not None
    assert logged.before["assignee"] == people.agent.pk
    assert logged.after["assignee"] == people.manager.pk

    # The resolution breach finds the manager already assigned: no second hand-over.
    assert sweep(minutes(61)).escalated == 1
    ticket.refresh_from_db()
    assert ticket.assignee == people.manager and ticket.reassignment_count == 1
    assert len(events(ticket, EventType.ASSIGNMENT)) == 1


def test_the_ticket_units_own_manager_comes_first_and_inactive_ones_not_at_all(
    clock, org, people, make_user
):
    make_policy(escalate_to_manager=True)
    make_user("unit_manager", unit=org.hall1, username="hall_manager_gone", is_active=False)
    hall_manager = make_user("unit_manager", unit=org.hall1, username="hall_manager")
    ticket = make_ticket(people.owner, assignee=None)
    sweep(minutes(11))
    ticket.refresh_from_db()
    assert ticket.assignee == hall_manager
    assert ticket.reassignment_count == 0, "a first assignment is no reassignment"
    assert recipients(ticket) == ["hall_manager", "owner"]


def test_no_manager_anywhere_keeps_the_assignee(clock, org, make_user):
    make_policy(escalate_to_manager=True)
    owner = make_user("agent", unit=org.hall2, username="owner2")
    ticket = make_ticket(owner, assignee=owner)
    assert sweep(minutes(11)).escalated == 1
    ticket.refresh_from_db()
    assert ticket.assignee == owner and ticket.escalation_level == 1
    assert recipients(ticket) == ["owner2"]


def test_a_warning_goes_to_the_first_contact_owner_when_nobody_is_assigned(clock, people):
    make_policy()
    ticket = make_ticket(people.owner, assignee=None)
    sweep(minutes(6))
    assert recipients(ticket) == ["owner"]


def test_notifications_are_in_each_recipients_language(clock, org, people, make_user):
    make_policy()
    make_user("unit_manager", unit=org.hall1, username="zh_manager", language="zh-hans")
    ticket = make_ticket(people.owner, assignee=people.agent)
    sweep(minutes(11))
    english = Notification.objects.get(object_id=str(ticket.pk), recipient=people.owner)
    chinese = Notification.objects.get(object_id=str(ticket.pk), recipient__username="zh_manager")
    assert ticket.number in english.message and ticket.number in chinese.message
    assert "escalated" in english.message
    assert english.url == f"/tickets/{ticket.pk}/"
    assert english.object_type == "servicedesk.ticket"


def test_business_time_replan_uses_the_units_calendar(clock, org, people):
    # Open 24×7: business time then equals calendar time, so the times are easy to predict.
    BusinessCalendar.objects.create(
        org_unit=org.branch1,
        name="24×7",
        weekly_hours=[[["00:00", "24:00"]]] * 7,
        observe_statutory_holidays=False,
    )
    make_policy(name="P4", priority=Priority.P4, business_time=True, escalate_raise_priority=True)
    make_policy(
        name="P3",
        priority=Priority.P3,
        business_time=True,
        response_minutes=5,
        resolve_minutes=30,
    )
    ticket = make_ticket(people.owner)
    sweep(minutes(11))
    ticket.refresh_from_db()
    assert ticket.priority == Priority.P3 and ticket.resolve_due_at == minutes(30)


def test_batched_replan_agrees_with_sla_replan_across_national_day(org, people):
    """The sweep re-plans a batch with shared calendars and pauses; the result must be what
    sla.replan gives one ticket: here office hours, the 2026 National Day holiday (1–7
    October closed, Saturday 10 October a make-up workday) and a wait for the customer."""
    BusinessCalendar.objects.create(
        org_unit=org.branch1,
        name="office",
        weekly_hours=[[["09:00", "12:00"], ["13:30", "18:00"]]] * 5 + [[], []],
    )
    make_policy(name="P4", priority=Priority.P4, escalate_raise_priority=True)
    make_policy(
        name="P3",
        priority=Priority.P3,
        business_time=True,
        response_minutes=60,
        resolve_minutes=3 * 450,
    )
    registered = datetime(2026, 9, 30, 16, 0, tzinfo=START.tzinfo)
    with time_machine.travel(registered, tick=False):
        ticket = make_ticket(people.owner, assignee=people.agent)
    TicketEvent.objects.create(
        ticket=ticket,
        event_type=EventType.TRANSITION,
        from_status=TicketStatus.WAITING_CUSTOMER,
        to_status=TicketStatus.IN_PROGRESS,
        data={
            "paused_from": datetime(2026, 9, 30, 16, 30, tzinfo=START.tzinfo).isoformat(),
            "paused_until": datetime(2026, 9, 30, 17, 0, tzinfo=START.tzinfo).isoformat(),
        },
    )
    now = registered + timedelta(minutes=11)
    assert sweep(now).escalated == 1
    swept = Ticket.objects.get(pk=ticket.pk)
    reference = Ticket.objects.get(pk=ticket.pk)
    sla.replan(reference, now)
    for name in (
        "sla_policy_id",
        "response_due_at",
        "response_warn_at",
        "resolve_due_at",
        "resolve_warn_at",
    ):
        assert getattr(swept, name) == getattr(reference, name), name
    assert swept.response_breached, "the re-plan's later response time does not un-breach"
    # 1½ hours on 30 September (less the wait), none 1–7 October, all of 8 and 9 October,
    # and the last 6 hours on Saturday 10 October, a make-up workday.
    assert swept.resolve_due_at == datetime(2026, 10, 10, 16, 30, tzinfo=START.tzinfo)


# --------------------------------------------------------------------------- idempotency


def test_sequential_sweeps_at_the_same_instant_escalate_once(clock, people):
    make_policy(escalate_raise_priority=True, escalate_to_manager=True)
    tickets = [make_ticket(people.owner, assignee=people.agent) for _ in range(7)]
    first = sweep(minutes(11), batch_size=3)
    second = sweep(minutes(11), batch_size=3)
    assert (first.checked, first.escalated) == (7, 7)
    assert (second.checked, second.escalated) == (0, 0)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.escalation_level == 1 and ticket.priority == Priority.P3
        assert len(events(ticket, EventType.ESCALATION)) == 1
    assert AuditEvent.objects.filter(object_type="servicedesk.ticket").count() == 7
    assert audit.verify_chain()[1] is None


def test_batches_cover_every_due_ticket(clock, people):
    make_policy()
    tickets = [make_ticket(people.owner) for _ in range(11)]
    not_yet = make_ticket(people.owner)
    Ticket.objects.filter(pk=not_yet.pk).update(sla_next_check_at=minutes(100))
    result = sweep(minutes(6), batch_size=2)
    assert (result.checked, result.warned) == (11, 11)
    assert Ticket.objects.filter(pk__in=[t.pk for t in tickets], response_warned=True).count() == 11


def _sweep_in_thread(now: datetime, barrier: threading.Barrier, out: list[Any]) -> None:
    try:
        barrier.wait()
        out.append(sweep(now, batch_size=7))
    except BaseException as error:  # reported by the test's thread
        out.append(error)
    finally:
        connections.close_all()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_escalate_each_ticket_once(org, make_user):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: concurrent sweeps rely on SELECT … FOR UPDATE SKIP LOCKED, "
            "which SQLite does not have (its in-memory test database cannot be written by two "
            "threads at once)"
        )
    owner = make_user("agent", unit=org.hall1, username="owner")
    make_user("unit_manager", unit=org.hall1, username="manager")
    make_policy(escalate_raise_priority=True, escalate_to_manager=True)
    now = datetime.now(tz=START.tzinfo)
    tickets = [make_ticket(owner, assignee=owner) for _ in range(60)]
    for round_number, moment in enumerate(
        (now + timedelta(minutes=6), now + timedelta(minutes=11))
    ):
        barrier, results = threading.Barrier(4), list[Any]()
        threads = [
            threading.Thread(target=_sweep_in_thread, args=(moment, barrier, results))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        errors = [r for r in results if isinstance(r, BaseException)]
        assert not errors, errors
        if round_number == 0:
            assert sum(r.warned for r in results) == 60
        else:
            assert sum(r.escalated for r in results) == 60
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.escalation_level == 1, ticket.number
        assert ticket.priority == Priority.P3
        assert len(events(ticket, EventType.SLA_WARNING)) == 1
        assert len(events(ticket, EventType.ESCALATION)) == 1
        assert len(events(ticket, EventType.ASSIGNMENT)) == 1
    assert AuditEvent.objects.filter(object_type="servicedesk.ticket").count() == 60
    assert audit.verify_chain()[1] is None


def _started_helpers(monkeypatch: Any) -> list[Any]:
    """Records every helper loop a sweep starts (the real one runs)."""
    started: list[Any] = []
    original = sweep_module._Helper.__init__

    def recording(self: Any, *args: Any) -> None:
        started.append(self)
        original(self, *args)

    monkeypatch.setattr(sweep_module._Helper, "__init__", recording)
    return started


def _due_tickets(org: Any, make_user: Any, count: int) -> tuple[list[Ticket], datetime]:
    owner = make_user("agent", unit=org.hall1, username="owner")
    make_policy()
    tickets = [make_ticket(owner, assignee=owner) for _ in range(count)]
    return tickets, datetime.now(tz=START.tzinfo) + timedelta(minutes=11)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_sweep_alone_gets_a_helper_and_still_escalates_each_ticket_once(
    org, make_user, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the helper loop is for PostgreSQL only")
    helpers = _started_helpers(monkeypatch)
    tickets, moment = _due_tickets(org, make_user, 40)
    result = sweep(moment, batch_size=3)
    assert len(helpers) == 1
    assert result.escalated == 40
    for ticket in tickets:
        assert len(events(ticket, EventType.ESCALATION)) == 1, ticket.number
    assert not connection.in_atomic_block
    with connection.cursor() as cursor:  # the sweep let go of its advisory lock
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        assert cursor.fetchone()[0] == 0
    assert audit.verify_chain()[1] is None


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_no_helper_while_another_sweep_runs(org, make_user, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the helper loop is for PostgreSQL only")
    helpers = _started_helpers(monkeypatch)
    _tickets, moment = _due_tickets(org, make_user, 12)
    other = connections.create_connection("default")  # stands for a sweep in another worker
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock_shared(%s, %s)", sweep_module._SWEEPING)
        assert sweep(moment, batch_size=3).escalated == 12
    finally:
        other.close()
    assert helpers == []


# --------------------------------------------------------------------------- cost


def _queries_of_a_sweep(count: int, org: Any, owner: Any) -> tuple[int, Any]:
    """Sweep `count` fresh tickets at minute 6: half due for a warning, half in breach."""
    Ticket.objects.update(status=TicketStatus.CLOSED, sla_next_check_at=None)
    units = (org.hall1, org.counter1, org.call_centre)
    tickets = [make_ticket(owner, assignee=owner, unit=units[index % 3]) for index in range(count)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[::2]]).update(response_due_at=minutes(5.5))
    with CaptureQueriesContext(connection) as queries:
        result = sweep(minutes(6))
    return len(queries), result


def test_query_count_does_not_grow_with_the_number_of_due_tickets(clock, org, make_user):
    BusinessCalendar.objects.create(
        org_unit=org.branch1, name="office", weekly_hours=[[["09:00", "18:00"]]] * 7
    )
    make_user("unit_manager", unit=org.branch1)
    owner = make_user("agent", unit=org.hall1)
    make_policy(
        name="P4", priority=Priority.P4, escalate_raise_priority=True, escalate_to_manager=True
    )
    make_policy(name="P3", priority=Priority.P3, business_time=True)
    small, small_result = _queries_of_a_sweep(4, org, owner)
    large, large_result = _queries_of_a_sweep(40, org, owner)
    assert (small_result.warned, small_result.escalated) == (2, 2)
    assert (large_result.warned, large_result.escalated) == (20, 20)
    assert large <= small, (small, large)


def test_nothing_due_costs_one_query(clock, people):
    make_policy()
    make_ticket(people.owner)
    with CaptureQueriesContext(connection) as queries:
        assert sweep(minutes(1)).checked == 0
    selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "sla_next_check_at" in selects[0]


@pytest.mark.postgres_only
def test_each_batch_reads_its_rows_in_index_order_without_sorting(clock, people):
    """A batch must not read every due ticket to sort them: with thousands due at the same
    minute that made each batch scan them all (125 ms a batch at 20,000 due)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the plan checked here is PostgreSQL's")
    make_policy()
    ticket = make_ticket(people.owner)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A tiny table is cheaper to scan whole; ask for the plan of a large one.
            cursor.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")
        plan = locking_query(minutes(6), (minutes(1), ticket.pk), 500).explain()
    assert "servicedesk_ticket_sla_check" in plan and "Sort" not in plan, plan


# --------------------------------------------------------------------------- the task


def test_the_sweep_task_runs_every_minute(clock, people):
    job = next(job for job in periodic.registered() if job.task is sla_sweep)
    assert job.every == timedelta(seconds=60)
    make_policy()
    ticket = make_ticket(people.owner, assignee=people.agent)
    clock.move_to(minutes(11))
    assert sla_sweep.call() == {"checked": 1, "warned": 0, "escalated": 1}
    assert sla_sweep.call() == {"checked": 0, "warned": 0, "escalated": 0}
    ticket.refresh_from_db()
    assert ticket.response_breached
