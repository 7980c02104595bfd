"""A public notice of a customer-facing incident reaches each affected customer once, on the
ticket that ties them to it; a drill or a staff notice reaches nobody."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from sqms.emergency import services as emergency
from sqms.emergency.tests.conftest import activated
from sqms.notifications.models import OutboundMessage
from sqms.servicedesk.choices import EventType

pytestmark = pytest.mark.django_db


def test_a_public_notice_reaches_each_affected_customer_once(
    org: Any,
    make_user: Any,
    agent: Any,
    customer_ticket: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    officer = make_user("emergency_officer", unit=org.branch1)
    first = customer_ticket(agent, email="wei@example.com")
    customer_ticket(agent, email="wei@example.com")  # the same customer again
    other = customer_ticket(agent, name="李娜", phone="13900139000", email="na@example.com")
    incident = activated(officer, org.hall1)
    emergency.link_tickets(incident, actor=officer, start=timezone.now() - timedelta(hours=1))
    emergency.start_response(incident, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        emergency.publish_notice(
            incident, actor=officer, audience="staff", title="内部通报", body="仅限员工"
        )
    assert not OutboundMessage.objects.filter(event="incident_notice").exists()
    with django_capture_on_commit_callbacks(execute=True):
        emergency.publish_notice(
            incident,
            actor=officer,
            audience="public",
            title="营业系统故障",
            body="天河营业厅营业系统故障，正在抢修，预计 2 小时内恢复。",
        )
    sent = OutboundMessage.objects.filter(event="incident_notice")
    assert {m.customer_id for m in sent} == {first.customer_id, other.customer_id}
    assert sent.count() == 2
    assert all("正在抢修" in m.body for m in sent)
    # Each shows on the timeline of the ticket that ties its customer to the incident.
    for message in sent:
        line: Any = message.notice_event
        assert line.event_type == EventType.NOTICE and line.ticket_id == message.ticket_id
