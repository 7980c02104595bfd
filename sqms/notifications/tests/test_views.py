"""Pages: the outbound-message list (scope, query count, retry), the template editor with
preview and errors, and the conversation card with the reply form on the ticket page."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sqms.core.tests.web import web_login
from sqms.notifications.choices import MessageStatus
from sqms.notifications.models import NotificationTemplate, OutboundMessage
from sqms.notifications.outbound import queue_customer_message
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import TicketEvent

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    return web_login(Client(), user)


def test_message_list_is_scoped_and_query_count_does_not_grow(
    agent: Any,
    outsider: Any,
    customer_ticket: Any,
    unit_manager: Any,
    django_assert_max_num_queries: Any,
) -> None:
    mine = queue_customer_message(event="acknowledgement", ticket=customer_ticket(agent))
    theirs = queue_customer_message(
        event="acknowledgement", ticket=customer_ticket(outsider, phone="13800138009")
    )
    assert mine is not None and theirs is not None
    assert mine.ticket is not None and theirs.ticket is not None
    client = logged_in(unit_manager)
    url = reverse("notifications_message_list")
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert mine.ticket.number in content and theirs.ticket.number not in content
    assert "13800138000" not in content and "138****8000" in content
    for n in range(5):
        queue_customer_message(
            event="acknowledgement", ticket=customer_ticket(agent, phone=f"1380013810{n}")
        )
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_message_list_needs_permission(make_user: Any, org: Any) -> None:
    trainer = make_user("trainer", unit=org.branch1)
    assert logged_in(trainer).get(reverse("notifications_message_list")).status_code == 403
    response = Client().get(reverse("notifications_message_list"))
    assert response.status_code == 302


def test_retry_button(agent: Any, customer_ticket: Any, unit_manager: Any) -> None:
    message = queue_customer_message(event="acknowledgement", ticket=customer_ticket(agent))
    assert message is not None
    OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.GAVE_UP)
    client = logged_in(unit_manager)
    page = client.get(reverse("notifications_message_list")).content.decode()
    assert 'data-testid="retry"' in page
    response = client.post(reverse("notifications_message_retry", args=[message.pk]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.QUEUED


def test_retry_out_of_scope_is_404(outsider: Any, customer_ticket: Any, unit_manager: Any) -> None:
    message = queue_customer_message(event="acknowledgement", ticket=customer_ticket(outsider))
    assert message is not None
    OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    response = logged_in(unit_manager).post(
        reverse("notifications_message_retry", args=[message.pk])
    )
    assert response.status_code == 404


def test_template_pages_preview_and_errors(make_user: Any, org: Any, agent: Any) -> None:
    qm = make_user("quality_manager", unit=org.hq)
    client = logged_in(qm)
    assert client.get(reverse("notifications_template_list")).status_code == 200
    template = NotificationTemplate.objects.get(
        event="acknowledgement", transport="email", language="zh-hans"
    )
    url = reverse("notifications_template_edit", args=[template.pk])
    page = client.get(url).content.decode()
    assert "张先生，您好" in page  # the preview with sample data
    preview = client.post(
        url, {"subject": "新主题 {{ number }}", "body": "{{ customer_name }}：好", "preview": "1"}
    )
    assert "张先生：好" in preview.content.decode()
    template.refresh_from_db()
    assert template.subject == "您的服务请求已受理"  # a preview saves nothing
    broken = client.post(url, {"subject": "", "body": "{% if number %}", "is_active": "on"})
    assert broken.status_code == 200
    assert 'data-testid="template-problem"' in broken.content.decode()
    template.refresh_from_db()
    assert "{% if number %}" not in template.body
    saved = client.post(url, {"subject": "已受理", "body": "{{ number }}", "is_active": "on"})
    assert saved.status_code == 302
    template.refresh_from_db()
    assert template.body == "{{ number }}"
    assert logged_in(agent).get(url).status_code == 403


def test_conversation_card_on_the_ticket_page(agent: Any, customer_ticket: Any) -> None:
    ticket = customer_ticket(agent, channel="email", email="zhang@example.com")
    TicketEvent.objects.create(
        ticket=ticket,
        event_type=EventType.CUSTOMER_MESSAGE,
        message="什么时候能修好？",
        customer_visible=True,
        data={"channel": "email"},
    )
    client = logged_in(agent)
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert 'data-testid="conversation"' in page and "什么时候能修好？" in page
    response = client.post(
        reverse("notifications_ticket_reply", args=[ticket.pk]), {"text": "明天上午修好"}
    )
    assert response.status_code == 302
    page = client.get(reverse("ticket_detail", args=[ticket.pk])).content.decode()
    assert "明天上午修好" in page
    assert 'data-testid="delivery-status"' in page
    empty = client.post(reverse("notifications_ticket_reply", args=[ticket.pk]), {"text": ""})
    assert empty.status_code == 302
    assert TicketEvent.objects.filter(ticket=ticket, event_type=EventType.REPLY).count() == 1


def test_reply_page_refuses_outsiders(agent: Any, outsider: Any, customer_ticket: Any) -> None:
    ticket = customer_ticket(agent)
    response = logged_in(outsider).post(
        reverse("notifications_ticket_reply", args=[ticket.pk]), {"text": "你好"}
    )
    assert response.status_code == 404
