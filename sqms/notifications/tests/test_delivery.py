"""Sending: a real SMTP round trip, the signed gateway webhook, retries with back-off, giving
up, and a failed send never touching the ticket."""

import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sqms.core.models import Notification
from sqms.notifications import delivery
from sqms.notifications.choices import MessageStatus, Transport
from sqms.notifications.models import OutboundMessage
from sqms.notifications.outbound import queue_customer_message
from sqms.notifications.tests.conftest import SECRET, free_port
from sqms.servicedesk.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def ticket_state(ticket: Ticket) -> dict[str, Any]:
    fresh = Ticket.objects.get(pk=ticket.pk)
    return {f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields}


def test_email_round_trip_through_a_real_smtp_server(
    agent: Any, customer_ticket: Any, smtp_server: Any
) -> None:
    ticket = customer_ticket(agent, channel="email", email="zhang.wei@example.com")
    message = queue_customer_message(event="acknowledgement", ticket=ticket)
    assert message is not None and message.transport == Transport.EMAIL

    assert delivery.deliver(message.pk) == MessageStatus.SENT

    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert smtp_server.recipients == [["zhang.wei@example.com"]]
    assert received["Subject"] == f"[{ticket.number}] 您的服务请求已受理"
    body = received.get_content()
    assert "张先生，您好" in body and ticket.number in body
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert message.provider_reference == received["Message-ID"].strip()
    assert message.sent_at is not None and message.next_attempt_at is None
    line: Any = message.notice_event
    assert line.data["status"] == MessageStatus.SENT
    assert line.data["recipient"] != "zhang.wei@example.com"


def test_email_in_english_for_an_english_speaking_customer(
    agent: Any, customer_ticket: Any, smtp_server: Any
) -> None:
    ticket = customer_ticket(
        agent, channel="web", email="li@example.com", language="en", gender="female", name="李娜"
    )
    message = queue_customer_message(event="acknowledgement", ticket=ticket)
    assert message is not None
    delivery.deliver(message.pk)
    received = smtp_server.messages[0]
    assert received["Subject"] == f"[{ticket.number}] We have received your request"
    assert "Dear Ms 李" in received.get_content()


def test_reply_threads_under_the_customers_email(
    agent: Any, customer_ticket: Any, smtp_server: Any
) -> None:
    ticket = customer_ticket(agent, channel="email", email="zhang.wei@example.com")
    TicketEvent.objects.create(
        ticket=ticket,
        event_type="customer_message",
        message="还是上不了网",
        customer_visible=True,
        data={"channel": "email", "message_id": "<abc@mail.example.com>"},
    )
    message = queue_customer_message(event="reply", ticket=ticket, context={"message": "好的"})
    assert message is not None
    delivery.deliver(message.pk)
    assert smtp_server.messages[0]["In-Reply-To"] == "<abc@mail.example.com>"


def test_gateway_receives_a_signed_post(agent: Any, customer_ticket: Any, gateway: Any) -> None:
    ticket = customer_ticket(agent, channel="wechat")
    message = queue_customer_message(event="acknowledgement", ticket=ticket)
    assert message is not None and message.transport == Transport.SMS
    assert message.channel == "wechat"

    assert delivery.deliver(message.pk) == MessageStatus.SENT

    [request] = gateway.requests
    timestamp = request["headers"]["X-Sqms-Timestamp"]
    expected = hmac.new(
        SECRET.encode(), f"{timestamp}.{request['body']}".encode(), hashlib.sha256
    ).hexdigest()
    assert request["headers"]["X-Sqms-Signature"] == expected
    payload = json.loads(request["body"])
    assert payload["to"] == "13800138000"
    assert payload["channel"] == "wechat"
    assert payload["ticket"] == ticket.number
    assert ticket.number in payload["text"] and "张先生" in payload["text"]
    message.refresh_from_db()
    assert message.provider_reference == "gw-1"


def test_gateway_error_schedules_retries_with_back_off_then_gives_up(
    agent: Any,
    customer_ticket: Any,
    gateway: Any,
    time_machine: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    gateway.status = 500
    ticket = customer_ticket(agent, channel="phone")
    message = queue_customer_message(event="acknowledgement", ticket=ticket)
    assert message is not None
    before = ticket_state(ticket)
    start = timezone.now()
    time_machine.move_to(start, tick=False)

    waits = []
    for attempt in range(1, 5):
        assert delivery.deliver(message.pk) == MessageStatus.FAILED
        message.refresh_from_db()
        assert message.attempts == attempt
        assert "500" in message.last_error
        assert message.next_attempt_at is not None
        waits.append(message.next_attempt_at - timezone.now())
        # Not due yet: the job leaves it alone.
        assert delivery.deliver(message.pk) is None
        time_machine.move_to(message.next_attempt_at, tick=False)
    assert waits == [timedelta(minutes=m) for m in (1, 4, 16, 64)]

    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.deliver(message.pk) == MessageStatus.GAVE_UP
    message.refresh_from_db()
    assert message.attempts == 5 and message.next_attempt_at is None
    assert delivery.deliver(message.pk) is None  # given up: never sent again by itself
    assert len(gateway.requests) == 5
    line: Any = message.notice_event
    assert line.data["status"] == MessageStatus.GAVE_UP
    assert ticket_state(ticket) == before
    assert Notification.objects.filter(recipient=agent).exists()


def test_refused_connection_is_a_failure_not_an_exception(
    agent: Any, customer_ticket: Any, settings: Any
) -> None:
    settings.SQMS_SMS_GATEWAY_URL = f"http://127.0.0.1:{free_port()}/send"
    ticket = customer_ticket(agent)
    message = queue_customer_message(event="acknowledgement", ticket=ticket)
    assert message is not None
    before = ticket_state(ticket)
    assert delivery.deliver(message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert "unreachable" in message.last_error
    assert ticket_state(ticket) == before


def test_unconfigured_gateway_fails_cleanly(
    agent: Any, customer_ticket: Any, settings: Any
) -> None:
    settings.SQMS_SMS_GATEWAY_URL = ""
    message = queue_customer_message(event="acknowledgement", ticket=customer_ticket(agent))
    assert message is not None
    assert delivery.deliver(message.pk) == MessageStatus.GAVE_UP
    message.refresh_from_db()
    assert message.attempts == 1 and "SQMS_SMS_GATEWAY_URL" in message.last_error


def test_smtp_refusing_connection_is_retried(
    agent: Any, customer_ticket: Any, settings: Any
) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    ticket = customer_ticket(agent, channel="email", email="a@example.com")
    message = queue_customer_message(event="acknowledgement", ticket=ticket)
    assert message is not None
    assert delivery.deliver(message.pk) == MessageStatus.FAILED


def test_send_due_sends_lost_and_due_messages_once(
    agent: Any, customer_ticket: Any, gateway: Any, time_machine: Any
) -> None:
    first = queue_customer_message(event="acknowledgement", ticket=customer_ticket(agent))
    second = queue_customer_message(
        event="acknowledgement", ticket=customer_ticket(agent, phone="13800138001")
    )
    assert first is not None and second is not None
    OutboundMessage.objects.filter(pk=second.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    assert delivery.send_due() == 1
    assert delivery.send_due() == 0
    time_machine.move_to(timezone.now() + timedelta(minutes=6), tick=False)
    assert delivery.send_due() == 1
    assert len(gateway.requests) == 2


def test_a_taken_message_is_not_sent_twice(agent: Any, customer_ticket: Any, gateway: Any) -> None:
    message = queue_customer_message(event="acknowledgement", ticket=customer_ticket(agent))
    assert message is not None
    assert delivery.deliver(message.pk) == MessageStatus.SENT
    assert delivery.deliver(message.pk) is None
    assert delivery.deliver(message.pk, force=True) is None
    assert len(gateway.requests) == 1


def test_tasks_run_the_delivery(agent: Any, customer_ticket: Any, gateway: Any) -> None:
    from sqms.notifications import tasks

    message = queue_customer_message(event="acknowledgement", ticket=customer_ticket(agent))
    assert message is not None
    assert tasks.send_outbound_message.func(message.pk) == MessageStatus.SENT
    assert tasks.send_due_messages.func() == 0
