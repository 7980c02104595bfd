"""The demo rewrites the synthetic history's texts for their problem types, deterministically,
and trains nothing when there are too few tickets."""

from typing import Any

import pytest

from sqms.insight import demo
from sqms.insight.models import TextModel
from sqms.servicedesk import services as desk
from sqms.servicedesk.models import Category, Ticket

pytestmark = pytest.mark.django_db


def test_demo_texts_follow_the_problem_type(org: Any, make_user: Any) -> None:
    agent = make_user("agent", unit=org.hall1)
    network = Category.objects.get(code="network")
    for i in range(3):
        ticket = desk.register_ticket(
            actor=agent, kind="fault", channel="phone", title="随便", category=network
        )
        Ticket.objects.filter(pk=ticket.pk).update(number=f"DEMO{i:09d}")
    demo.populate({}, {"agent": agent})
    tickets = list(Ticket.objects.order_by("number"))
    assert all(t.title != "随便" and t.description for t in tickets)
    # A parent type becomes one of its leaves (or its neighbour, as agents' slips).
    assert {t.category.code for t in tickets if t.category} <= {"broadband_outage", "weak_signal"}
    assert all(t.priority in (1, 2, 3, 4) for t in tickets)
    first = [(t.title, t.description) for t in tickets]
    Ticket.objects.update(title="随便", category=network)
    demo.populate({}, {"agent": agent})
    assert [(t.title, t.description) for t in Ticket.objects.order_by("number")] == first
    assert not TextModel.objects.exists()  # three tickets are not enough to train
