"""The demo data: a mailbox, an integration and messages in the interesting states."""

from typing import Any

import pytest

from sqms.intake import demo
from sqms.intake.choices import MessageStatus
from sqms.intake.models import InboundMessage, Integration, Mailbox

pytestmark = pytest.mark.django_db


def test_demo_populates_each_outcome(org: Any) -> None:
    demo.populate({demo.CENTRE: org.call_centre}, {})
    statuses = list(InboundMessage.objects.values_list("status", flat=True))
    assert sorted(statuses) == sorted(
        [
            MessageStatus.TICKET_CREATED,
            MessageStatus.TICKET_CREATED,
            MessageStatus.APPENDED,
            MessageStatus.QUARANTINED,
            MessageStatus.IGNORED_AUTO_REPLY,
            MessageStatus.DEAD_LETTER,
            MessageStatus.TICKET_CREATED,
        ]
    )
    assert Mailbox.objects.count() == 1 and Integration.objects.count() == 1
    demo.populate({demo.CENTRE: org.call_centre}, {})  # a second run adds nothing
    assert InboundMessage.objects.count() == 7


def test_demo_without_its_unit_does_nothing(org: Any) -> None:
    demo.populate({}, {})
    assert not Mailbox.objects.exists()
