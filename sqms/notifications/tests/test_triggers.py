"""The service desk's timeline lines tell customers: acknowledgement, hand-over to a
department, SLA warning and escalation (at most daily), resolution; configurable per event."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sqms.notifications.choices import NotifyEvent, Transport
from sqms.notifications.models import OutboundMessage
from sqms.notifications.triggers import on_ticket_events
from sqms.servicedesk import services as desk
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import TicketEvent
from sqms.servicedesk.signals import TimelineLine

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_worker(settings: Any) -> None:
    settings.SQMS_NOTIFICATIONS_ENQUEUE = False


def messages_of(ticket: Any, event: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(ticket=ticket, event=event))


def test_registration_acknowledges_with_number_and_due_time(
    agent: Any, make_ticket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(
            agent, channel="phone", customer_name="王芳", customer_phone="13900001111"
        )
    [message] = messages_of(ticket, NotifyEvent.ACKNOWLEDGEMENT)
    assert message.transport == Transport.SMS
    assert message.recipient == "13900001111"
    assert ticket.number in message.body
    assert "王先生/女士" in message.body
    if ticket.resolve_due_at:
        assert "预计" in message.body
    notice: Any = message.notice_event
    assert notice.event_type == EventType.NOTICE
    assert notice.customer_visible
    assert notice.data["message_id"] == message.pk
    assert notice.data["recipient"] != "13900001111"


def test_anonymous_contact_gets_nothing(
    agent: Any, make_ticket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(agent, channel="counter")
    assert not OutboundMessage.objects.filter(ticket=ticket).exists()
    assert not TicketEvent.objects.filter(ticket=ticket, event_type=EventType.NOTICE).exists()


def test_disabled_event_sends_nothing(
    agent: Any, make_ticket: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SQMS_CUSTOMER_NOTIFICATIONS = {"acknowledgement": False}
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket(agent, customer_name="王芳", customer_phone="13900001111")
    assert not OutboundMessage.objects.filter(ticket=ticket).exists()


def test_hand_over_to_a_department_tells_the_customer(
    agent: Any,
    org: Any,
    customer_ticket: Any,
    unit_manager: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = customer_ticket(agent, channel="email", email="wang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        desk.assign_ticket(ticket, actor=unit_manager, department=org.call_centre)
    [message] = messages_of(ticket, NotifyEvent.ASSIGNMENT)
    assert message.transport == Transport.EMAIL
    assert org.call_centre.name in message.body  # the customer's language: Chinese


def test_colleague_taking_over_is_not_news(
    agent: Any, other_agent: Any, customer_ticket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = customer_ticket(agent)
    with django_capture_on_commit_callbacks(execute=True):
        desk.assign_ticket(ticket, actor=agent, assignee=other_agent)
    assert not messages_of(ticket, NotifyEvent.ASSIGNMENT)


def test_escalation_and_warning_at_most_once_a_day(agent: Any, customer_ticket: Any) -> None:
    ticket = customer_ticket(agent)
    escalation = TimelineLine(ticket_id=ticket.pk, event_type=EventType.ESCALATION)
    on_ticket_events(None, [escalation])
    on_ticket_events(None, [escalation])
    assert len(messages_of(ticket, NotifyEvent.ESCALATION)) == 1
    response_warning = TimelineLine(
        ticket_id=ticket.pk, event_type=EventType.SLA_WARNING, data={"targets": ["response"]}
    )
    on_ticket_events(None, [response_warning])
    assert not messages_of(ticket, NotifyEvent.SLA_WARNING)
    warning = TimelineLine(
        ticket_id=ticket.pk, event_type=EventType.SLA_WARNING, data={"targets": ["resolution"]}
    )
    on_ticket_events(None, [warning, warning])
    assert len(messages_of(ticket, NotifyEvent.SLA_WARNING)) == 1


def test_resolution_asks_for_confirmation(
    agent: Any, customer_ticket: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = customer_ticket(agent, language="en")
    desk.respond_to_ticket(ticket, actor=agent, message="已联系")
    desk.start_ticket(ticket, actor=agent)
    with django_capture_on_commit_callbacks(execute=True):
        desk.resolve_ticket(ticket, actor=agent, resolution="Port reset, line restored")
    [message] = messages_of(ticket, NotifyEvent.RESOLUTION)
    assert message.language == "en"
    assert "is resolved" in message.body


def test_tracking_link_comes_from_the_portal(
    agent: Any, customer_ticket: Any, monkeypatch: Any
) -> None:
    import sys
    import types

    fake = types.ModuleType("sqms.portal.links")
    fake.tracking_urls = lambda tickets: {  # type: ignore[attr-defined]
        ticket.pk: f"https://sq.example/t/{ticket.pk}/" for ticket in tickets
    }
    monkeypatch.setitem(sys.modules, "sqms.portal.links", fake)
    ticket = customer_ticket(agent)
    on_ticket_events(None, [TimelineLine(ticket_id=ticket.pk, event_type=EventType.ESCALATION)])
    [message] = messages_of(ticket, NotifyEvent.ESCALATION)
    assert message.body  # the SMS text has no link; the e-mail one does:
    from sqms.notifications.outbound import queue_customer_message

    ticket.customer.email = "x@example.com"
    ticket.customer.save()
    mail = queue_customer_message(event="escalation", ticket=ticket, channel="email")
    assert mail is not None and f"https://sq.example/t/{ticket.pk}/" in mail.body


def test_receiver_failure_is_contained(agent: Any, customer_ticket: Any, monkeypatch: Any) -> None:
    from sqms.notifications import outbound

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(outbound, "ticket_context", broken)
    ticket = customer_ticket(agent)
    on_ticket_events(None, [TimelineLine(ticket_id=ticket.pk, event_type=EventType.ESCALATION)])
    assert not messages_of(ticket, NotifyEvent.ESCALATION)
    assert not TicketEvent.objects.filter(ticket=ticket, event_type=EventType.NOTICE).exists()


def test_one_message_that_fails_does_not_cost_the_others_theirs(
    agent: Any, customer_ticket: Any, monkeypatch: Any
) -> None:
    from sqms.notifications import outbound

    bad, good = customer_ticket(agent), customer_ticket(agent)
    real = outbound.ticket_context

    def failing_for_bad(ticket: Any, *args: Any) -> Any:
        if ticket.pk == bad.pk:
            raise RuntimeError("boom")
        return real(ticket, *args)

    monkeypatch.setattr(outbound, "ticket_context", failing_for_bad)
    lines = [TimelineLine(ticket_id=t.pk, event_type=EventType.ESCALATION) for t in (bad, good)]
    on_ticket_events(None, lines)
    assert not messages_of(bad, NotifyEvent.ESCALATION)
    assert len(messages_of(good, NotifyEvent.ESCALATION)) == 1


def test_many_lines_cost_queries_per_message_not_per_line(
    agent: Any, make_ticket: Any, customer_ticket: Any, django_assert_max_num_queries: Any
) -> None:
    """A sweep announces hundreds of escalations at once: tickets nobody can be written to
    cost nothing each, and what was sent before is read once for all of them."""
    anonymous = [make_ticket(agent, channel="counter") for _ in range(12)]
    lines = [TimelineLine(ticket_id=t.pk, event_type=EventType.ESCALATION) for t in anonymous]
    with django_assert_max_num_queries(1):
        on_ticket_events(None, lines)
    reachable = [customer_ticket(agent) for _ in range(2)]
    lines += [TimelineLine(ticket_id=t.pk, event_type=EventType.ESCALATION) for t in reachable]
    on_ticket_events(None, lines)
    assert [len(messages_of(t, NotifyEvent.ESCALATION)) for t in reachable] == [1, 1]
    assert not OutboundMessage.objects.filter(ticket__in=anonymous).exists()


def test_messages_are_queued_with_the_same_queries_however_many(
    agent: Any, customer_ticket: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Templates, tracking links and the writes are per batch: escalating six reachable
    tickets costs as many queries as escalating two, and each gets its message, its timeline
    line and one task for all."""
    from django_tasks_db.models import DBTaskResult

    def escalate(count: int) -> tuple[int, list[Any]]:
        tickets = [customer_ticket(agent) for _ in range(count)]
        lines = [TimelineLine(ticket_id=t.pk, event_type=EventType.ESCALATION) for t in tickets]
        with (
            django_capture_on_commit_callbacks(execute=True),
            CaptureQueriesContext(connection) as queries,
        ):
            on_ticket_events(None, lines)
        return len(queries), tickets

    settings.SQMS_NOTIFICATIONS_ENQUEUE = True
    tasks_before = DBTaskResult.objects.count()
    two, _ = escalate(2)
    six, tickets = escalate(6)
    assert six == two
    for ticket in tickets:
        [message] = messages_of(ticket, NotifyEvent.ESCALATION)
        notice = message.notice_event
        assert notice is not None and notice.ticket_id == ticket.pk
        assert notice.data["message_id"] == message.pk
    assert DBTaskResult.objects.count() - tasks_before == 2
