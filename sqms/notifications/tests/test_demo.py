"""The demo: a few delivered messages and one given up, on tickets of the demo hall."""

from typing import Any

import pytest

from sqms.notifications import demo
from sqms.notifications.choices import MessageStatus, NotifyEvent
from sqms.notifications.models import OutboundMessage

pytestmark = pytest.mark.django_db


def test_demo_populates_delivered_and_failed_messages(org: Any, agent: Any) -> None:
    demo.populate({demo.HALL: org.hall1}, {"agent": agent})
    statuses = sorted(OutboundMessage.objects.values_list("event", "status"))
    assert statuses == sorted(
        [
            (NotifyEvent.ACKNOWLEDGEMENT, MessageStatus.SENT),
            (NotifyEvent.ACKNOWLEDGEMENT, MessageStatus.SENT),
            (NotifyEvent.ACKNOWLEDGEMENT, MessageStatus.GAVE_UP),
            (NotifyEvent.REPLY, MessageStatus.SENT),
        ]
    )
    for message in OutboundMessage.objects.select_related("notice_event"):
        assert message.notice_event is not None
        assert message.notice_event.data["status"] == message.status


def test_demo_without_its_hall_does_nothing(agent: Any) -> None:
    demo.populate({}, {"agent": agent})
    assert not OutboundMessage.objects.exists()
