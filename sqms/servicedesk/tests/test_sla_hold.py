"""An SLA hold: the clock stops for a cause outside the ticket while its status stays."""

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.http import Http404

from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent
from sqms.servicedesk import services
from sqms.servicedesk.choices import EventType, TicketStatus
from sqms.servicedesk.models import Ticket
from sqms.servicedesk.tests.test_sla import at


@pytest.fixture
def in_progress(agent, ticket_in_status):
    with time_machine.travel(at(2026, 11, 18, 10), tick=False):  # a Wednesday
        return ticket_in_status(
            TicketStatus.IN_PROGRESS, actor=agent, kind="complaint", channel="letter"
        )


def test_hold_stops_the_clock_and_release_moves_the_due_times(agent, unit_manager, in_progress):
    ticket = in_progress
    assert ticket.resolve_due_at == at(2026, 11, 26, 14, 30)
    with time_machine.travel(at(2026, 11, 18, 11), tick=False):
        ticket = services.hold_sla(ticket, actor=unit_manager, reason="全省网络故障 应急事件")
    assert ticket.status == TicketStatus.IN_PROGRESS
    assert ticket.paused_at == at(2026, 11, 18, 11)
    assert Ticket.objects.get(pk=ticket.pk).sla_next_check_at is None  # the sweep skips it
    held = ticket.events.get(event_type=EventType.SLA_HOLD)
    assert (held.message, held.actor) == ("全省网络故障 应急事件", unit_manager)
    assert AuditEvent.objects.filter(
        object_id=str(ticket.pk), action=AuditAction.TRANSITION
    ).exists()
    # Held Wednesday 11:00 to Monday 11:00: three business days of 450 minutes.
    with time_machine.travel(at(2026, 11, 23, 11), tick=False):
        ticket = services.release_sla_hold(ticket, actor=unit_manager)
    assert ticket.paused_at is None
    assert ticket.resolve_due_at == at(2026, 12, 1, 14, 30)
    assert ticket.sla_next_check_at == ticket.resolve_warn_at
    released = ticket.events.get(event_type=EventType.SLA_RELEASE)
    assert released.data["waited_minutes"] == 3 * 450
    with time_machine.travel(at(2026, 11, 24, 10), tick=False):
        ticket = services.resolve_ticket(ticket, actor=agent, resolution="线路恢复")
    assert ticket.resolve_minutes == 60 + (60 + 270) + 60  # the hold does not count


def test_resolving_a_held_ticket_ends_the_hold_first(agent, unit_manager, in_progress):
    with time_machine.travel(at(2026, 11, 18, 11), tick=False):
        ticket = services.hold_sla(in_progress, actor=unit_manager, reason="机房断电")
    with time_machine.travel(at(2026, 11, 19, 11), tick=False):
        ticket = services.resolve_ticket(ticket, actor=agent, resolution="已恢复供电")
    assert ticket.events.filter(event_type=EventType.SLA_RELEASE).count() == 1
    assert ticket.resolve_minutes == 60  # only the hour before the hold
    assert ticket.paused_at is None


def test_a_hold_before_the_first_response_is_not_counted_as_response_time(
    agent, unit_manager, make_ticket
):
    with time_machine.travel(at(2026, 11, 18, 10), tick=False):
        ticket = make_ticket(agent, kind="complaint", channel="letter")
        ticket = services.hold_sla(ticket, actor=unit_manager, reason="系统故障，无法受理")
    with time_machine.travel(at(2026, 11, 18, 12), tick=False):
        ticket = services.respond_to_ticket(ticket, actor=agent, message="已回复")
    assert ticket.response_minutes == 0
    assert ticket.response_breached is False


def test_hold_refusals_change_nothing(
    org, agent, unit_manager, in_progress, ticket_in_status, make_user
):
    with pytest.raises(PermissionDenied):  # handling tickets is not enough
        services.hold_sla(in_progress, actor=agent, reason="停电")
    with pytest.raises(DomainError) as error:
        services.hold_sla(in_progress, actor=unit_manager, reason="  ")
    assert error.value.field == "reason"
    with pytest.raises(ConflictError):
        services.release_sla_hold(in_progress, actor=unit_manager)  # not held
    services.hold_sla(in_progress, actor=unit_manager, reason="停电")
    with pytest.raises(ConflictError):
        services.hold_sla(in_progress, actor=unit_manager, reason="again")
    waiting = ticket_in_status(TicketStatus.WAITING_CUSTOMER, actor=agent)
    with pytest.raises(ConflictError):
        services.hold_sla(waiting, actor=unit_manager, reason="停电")
    with pytest.raises(ConflictError):
        services.release_sla_hold(waiting, actor=unit_manager)  # resume the ticket instead
    closed = ticket_in_status(TicketStatus.CLOSED, actor=agent)
    with pytest.raises(ConflictError):
        services.hold_sla(closed, actor=unit_manager, reason="停电")
    assert not waiting.events.filter(event_type=EventType.SLA_HOLD).exists()
    other_branch = make_user("unit_manager", unit=org.branch2, username="manager2")
    with pytest.raises(Http404):  # out of scope
        services.hold_sla(in_progress, actor=other_branch, reason="停电")


def test_pausing_a_held_ticket_keeps_the_earlier_start(agent, unit_manager, in_progress):
    with time_machine.travel(at(2026, 11, 18, 11), tick=False):
        ticket = services.hold_sla(in_progress, actor=unit_manager, reason="停电")
    with time_machine.travel(at(2026, 11, 18, 15), tick=False):
        ticket = services.pause_ticket(ticket, actor=agent, reason="等待客户")
    assert ticket.paused_at == at(2026, 11, 18, 11)
