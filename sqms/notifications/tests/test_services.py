"""Replying to a customer, sending again, editing templates: every rule and refusal."""

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import AuditEvent
from sqms.core.tests.api_cases import grant
from sqms.notifications import services
from sqms.notifications.choices import MessageStatus, NotifyEvent, Transport
from sqms.notifications.models import NotificationTemplate, OutboundMessage
from sqms.notifications.outbound import choose_route, queue_customer_message
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import TicketEvent

pytestmark = pytest.mark.django_db


def test_reply_goes_out_on_the_customers_channel(agent: Any, customer_ticket: Any) -> None:
    ticket = customer_ticket(agent, channel="email", email="zhang@example.com")
    event = services.reply_to_customer(ticket, actor=agent, text="  我们明天上门检修。 ")
    assert event.event_type == EventType.REPLY and event.customer_visible
    assert event.message == "我们明天上门检修。"
    [message] = OutboundMessage.objects.filter(ticket=ticket, event=NotifyEvent.REPLY)
    assert message.transport == Transport.EMAIL and "我们明天上门检修。" in message.body
    assert message.notice_event_id == event.pk
    event.refresh_from_db()
    assert event.data["status"] == MessageStatus.QUEUED and event.data["channel"] == "email"
    # No separate NOTICE line for a reply: the REPLY line carries its delivery status.
    assert not TicketEvent.objects.filter(ticket=ticket, event_type=EventType.NOTICE).exists()
    assert AuditEvent.objects.filter(object_id=str(ticket.pk)).exists()


def test_reply_follows_the_customers_last_message_channel(agent: Any, customer_ticket: Any) -> None:
    ticket = customer_ticket(agent, channel="phone", email="zhang@example.com")
    TicketEvent.objects.create(
        ticket=ticket, event_type=EventType.CUSTOMER_MESSAGE, message="?", data={"channel": "web"}
    )
    services.reply_to_customer(ticket, actor=agent, text="已处理")
    message = OutboundMessage.objects.get(ticket=ticket, event=NotifyEvent.REPLY)
    assert message.transport == Transport.EMAIL


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_reply_is_refused(agent: Any, customer_ticket: Any, text: Any) -> None:
    ticket = customer_ticket(agent)
    with pytest.raises(DomainError) as refused:
        services.reply_to_customer(ticket, actor=agent, text=text)
    assert refused.value.field == "text"
    assert not OutboundMessage.objects.exists()


def test_too_long_reply_is_refused(agent: Any, customer_ticket: Any) -> None:
    with pytest.raises(DomainError):
        services.reply_to_customer(customer_ticket(agent), actor=agent, text="长" * 2001)


def test_reply_needs_the_change_permission(
    agent: Any, customer_ticket: Any, make_user: Any, org: Any
) -> None:
    auditor = make_user("auditor", unit=org.branch1)
    with pytest.raises(PermissionDenied):
        services.reply_to_customer(customer_ticket(agent), actor=auditor, text="你好")


def test_reply_outside_scope_is_not_found(agent: Any, customer_ticket: Any, outsider: Any) -> None:
    with pytest.raises(Http404):
        services.reply_to_customer(customer_ticket(agent), actor=outsider, text="你好")
    assert not TicketEvent.objects.filter(event_type=EventType.REPLY).exists()


def test_reply_without_any_address_is_refused(agent: Any, make_ticket: Any) -> None:
    ticket = make_ticket(agent, channel="counter")
    with pytest.raises(DomainError) as refused:
        services.reply_to_customer(ticket, actor=agent, text="你好")
    assert refused.value.code == "no_address"
    assert not TicketEvent.objects.filter(event_type=EventType.REPLY).exists()


def test_routes() -> None:
    class Customer:
        email = "a@example.com"
        phone = "13800138000"
        preferred_channel = "email"

    class Ticket:
        channel = "phone"
        customer_phone = ""

    assert choose_route(ticket=Ticket(), customer=Customer()).transport == Transport.SMS  # type: ignore[union-attr]
    assert choose_route(ticket=None, customer=Customer()).transport == Transport.EMAIL  # type: ignore[union-attr]
    assert choose_route(ticket=Ticket(), customer=Customer(), channel="email").transport == (  # type: ignore[union-attr]
        Transport.EMAIL
    )
    assert choose_route(ticket=None, customer=None, to="x@y.cn").transport == Transport.EMAIL  # type: ignore[union-attr]
    assert choose_route(ticket=None, customer=None, to="13800138000").channel == "sms"  # type: ignore[union-attr]
    assert choose_route(ticket=None, customer=None) is None


def test_incident_notice_to_a_bare_address() -> None:
    message = queue_customer_message(
        event="incident_notice",
        to="13800138000",
        context={"title": "光缆中断", "message": "天河区光缆中断，预计 18:00 恢复。"},
    )
    assert message is not None and message.org_unit is None
    assert message.body == "【服务通告】天河区光缆中断，预计 18:00 恢复。"


def test_queue_never_raises(agent: Any, customer_ticket: Any) -> None:
    assert queue_customer_message(event="no-such-event", ticket=customer_ticket(agent)) is None


def test_retry_a_given_up_message(agent: Any, customer_ticket: Any, unit_manager: Any) -> None:
    message = queue_customer_message(event="acknowledgement", ticket=customer_ticket(agent))
    assert message is not None
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=MessageStatus.GAVE_UP, attempts=5, next_attempt_at=None
    )
    services.retry_message(message, actor=unit_manager)
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED and message.attempts == 0
    assert message.next_attempt_at is not None
    with pytest.raises(ConflictError):
        services.retry_message(message, actor=unit_manager)


def test_retry_needs_permission_and_scope(
    agent: Any, customer_ticket: Any, make_user: Any, org: Any
) -> None:
    message = queue_customer_message(event="acknowledgement", ticket=customer_ticket(agent))
    assert message is not None
    OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    with pytest.raises(PermissionDenied):
        services.retry_message(message, actor=agent)
    with pytest.raises(Http404):
        services.retry_message(message, actor=make_user("unit_manager", unit=org.branch2))


def test_template_edit_refuses_a_broken_template(make_user: Any, org: Any) -> None:
    qm = make_user("quality_manager", unit=org.hq)
    template = NotificationTemplate.objects.get(event="reply", transport="sms", language="zh-hans")
    with pytest.raises(DomainError) as refused:
        services.update_template(template, actor=qm, body="{% if number %}没有结束")
    assert refused.value.field == "body"
    template.refresh_from_db()
    assert template.body.startswith("【客户服务】")
    services.update_template(template, actor=qm, body="工单{{ number }}：{{ message }}")
    template.refresh_from_db()
    assert template.body == "工单{{ number }}：{{ message }}"


def test_template_edit_needs_permission(agent: Any) -> None:
    template = NotificationTemplate.objects.first()
    with pytest.raises(PermissionDenied):
        services.update_template(template, actor=agent, body="x")  # type: ignore[arg-type]


def test_inactive_template_sends_nothing(agent: Any, customer_ticket: Any, make_user: Any) -> None:
    NotificationTemplate.objects.filter(event="acknowledgement", transport="sms").update(
        is_active=False
    )
    assert queue_customer_message(event="acknowledgement", ticket=customer_ticket(agent)) is None


def test_grant_helper_still_works(agent: Any) -> None:
    grant(agent, "notifications.retry_outboundmessage")
    assert agent.has_perm("notifications.retry_outboundmessage")


def test_survey_invitation_takes_the_surveys_apps_context(agent: Any, customer_ticket: Any) -> None:
    from datetime import UTC, datetime

    ticket = customer_ticket(agent, channel="email", email="zhang@example.com")
    message = queue_customer_message(
        event="survey_invitation",
        ticket=ticket,
        context={
            "link": "https://sq.example/s/abc/",
            "expires_at": datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
            "survey": "服务满意度回访",
        },
    )
    assert message is not None
    assert "https://sq.example/s/abc/" in message.body
    assert "2026-11-28 18:00" in message.body  # shown in Asia/Shanghai
