"""The notifications API: outbound messages (generic case + retry), templates, conversation
and reply."""

from typing import Any

import pytest
from rest_framework.test import APIClient

from sqms.core.tests.api_cases import APICase
from sqms.notifications.choices import MessageStatus
from sqms.notifications.models import NotificationTemplate, OutboundMessage
from sqms.notifications.outbound import queue_customer_message
from sqms.servicedesk import services as desk
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import TicketEvent

pytestmark = pytest.mark.django_db


def message_in(org: Any, unit: Any, n: int) -> OutboundMessage:
    from sqms.core.tests.factories import UserFactory

    actor = UserFactory(org_unit=unit, roles=["agent"])
    ticket = desk.register_ticket(
        actor=actor,
        kind="complaint",
        channel="phone",
        title=f"投诉 {n}",
        customer_name="张伟",
        customer_phone=f"1380013{n % 10000:04d}",
    )
    message = queue_customer_message(event="acknowledgement", ticket=ticket)
    assert message is not None
    return message


class TestOutboundMessageAPI(APICase):
    url = "/api/notifications/messages/"
    model = OutboundMessage
    actor_roles = ("unit_manager",)
    denied_roles = ("trainer",)
    actions = ("list", "retrieve")

    def make_in_scope(self, org: Any, n: int) -> OutboundMessage:
        return message_in(org, org.hall1, n)

    def make_out_of_scope(self, org: Any, n: int) -> OutboundMessage:
        return message_in(org, org.hall2, n)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_message_list_masks_the_recipient_and_filters(
    agent: Any, customer_ticket: Any, unit_manager: Any
) -> None:
    ticket = customer_ticket(agent, phone="13800138000")
    message = queue_customer_message(event="acknowledgement", ticket=ticket)
    assert message is not None
    api = client_for(unit_manager)
    body = api.get("/api/notifications/messages/", {"ticket": ticket.pk}).json()
    assert [row["id"] for row in body["results"]] == [message.pk]
    assert body["results"][0]["recipient"] == "138****8000"
    assert "13800138000" not in str(body)
    assert api.get("/api/notifications/messages/", {"status": "sent"}).json()["count"] == 0
    assert api.get("/api/notifications/messages/", {"status": "bogus"}).status_code == 400


def test_retry_endpoint(agent: Any, customer_ticket: Any, unit_manager: Any) -> None:
    message = queue_customer_message(event="acknowledgement", ticket=customer_ticket(agent))
    assert message is not None
    url = f"/api/notifications/messages/{message.pk}/retry/"
    api = client_for(unit_manager)
    assert api.post(url).status_code == 409  # queued, not failed
    OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.GAVE_UP)
    response = api.post(url)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == MessageStatus.QUEUED
    OutboundMessage.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    assert client_for(agent).post(url).status_code == 403


def test_conversation_and_reply(agent: Any, customer_ticket: Any, outsider: Any) -> None:
    ticket = customer_ticket(agent, channel="email", email="zhang@example.com")
    TicketEvent.objects.create(
        ticket=ticket,
        event_type=EventType.CUSTOMER_MESSAGE,
        message="宽带还是断",
        customer_visible=True,
        data={"channel": "email"},
    )
    desk.add_comment(ticket, actor=agent, text="内部备注", customer_visible=False)
    desk.add_comment(ticket, actor=agent, text="已安排上门", customer_visible=True)
    api = client_for(agent)
    url = f"/api/notifications/tickets/{ticket.pk}/"
    thread = api.get(url + "conversation/").json()
    assert [entry["text"] for entry in thread] == ["宽带还是断", "已安排上门"]
    assert thread[0]["side"] == "customer" and thread[0]["channel"]

    response = api.post(url + "reply/", {"text": "明天上午上门"}, format="json")
    assert response.status_code == 201, response.content
    last = response.json()[-1]
    assert last["text"] == "明天上午上门" and last["side"] == "agent"
    assert last["delivery_status"] == MessageStatus.QUEUED

    empty = api.post(url + "reply/", {"text": "  "}, format="json")
    assert empty.status_code == 400 and "text" in empty.json()
    assert api.post(url + "reply/", {}, format="json").status_code == 400
    assert client_for(outsider).get(url + "conversation/").status_code == 404
    assert client_for(outsider).post(url + "reply/", {"text": "x"}).status_code == 404
    assert APIClient().get(url + "conversation/").status_code in (401, 403)


def test_reply_without_permission_is_403(
    agent: Any, customer_ticket: Any, make_user: Any, org: Any
) -> None:
    ticket = customer_ticket(agent)
    auditor = make_user("auditor", unit=org.branch1)
    response = client_for(auditor).post(
        f"/api/notifications/tickets/{ticket.pk}/reply/", {"text": "你好"}, format="json"
    )
    assert response.status_code == 403


@pytest.fixture
def qm(make_user: Any, org: Any) -> Any:
    return make_user("quality_manager", unit=org.hq)


def test_templates_crud(qm: Any, agent: Any) -> None:
    api = client_for(qm)
    url = "/api/notifications/templates/"
    listing = api.get(url, {"event": "reply", "page_size": "50"}).json()
    assert listing["count"] == 4
    template = NotificationTemplate.objects.get(event="reply", transport="sms", language="en")
    detail = f"{url}{template.pk}/"
    changed = api.patch(detail, {"body": "Re {{ number }}: {{ message }}"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["body"] == "Re {{ number }}: {{ message }}"
    broken = api.patch(detail, {"body": "{% if %}"}, format="json")
    assert broken.status_code == 400 and "body" in broken.json()
    duplicate = api.post(
        url,
        {"event": "reply", "transport": "sms", "language": "en", "body": "x"},
        format="json",
    )
    assert duplicate.status_code == 400
    assert api.delete(detail).status_code == 204
    created = api.post(
        url,
        {"event": "reply", "transport": "sms", "language": "en", "body": "{{ message }}"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert api.post(url, {"event": "nope", "body": ""}, format="json").status_code == 400

    agent_api = client_for(agent)
    assert agent_api.get(url).status_code == 403
    assert agent_api.patch(detail, {"body": "x"}, format="json").status_code in (403, 404)
