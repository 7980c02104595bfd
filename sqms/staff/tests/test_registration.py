"""The service desk's registration warns (or refuses) an agent without the certification."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sqms.core.tests.web import web_login
from sqms.servicedesk.models import Ticket
from sqms.staff import services

pytestmark = pytest.mark.django_db


def registration(title: str) -> dict[str, Any]:
    return {
        "customer_phone": "139 0000 1111",
        "customer_name": "王芳",
        "kind": "business",
        "channel": "counter",
        "title": title,
        "description": "",
        "category": "",
        "impact": 2,
        "urgency": 2,
    }


def test_an_uncertified_agent_is_warned(org: Any, make_user: Any, cert_type: Any) -> None:
    agent = make_user("agent", unit=org.counter1)
    client = web_login(Client(), agent)
    response = client.post(reverse("ticket_create"), registration("办理宽带"), follow=True)
    assert Ticket.objects.filter(title="办理宽带").exists()
    assert "业务办理上岗证" in response.content.decode()
    services.grant_certification(agent, cert_type, actor=agent)
    response = client.post(reverse("ticket_create"), registration("办理套餐"), follow=True)
    assert Ticket.objects.filter(title="办理套餐").exists()
    assert "业务办理上岗证" not in response.content.decode()


def test_blocking_certification_refuses_the_registration(
    org: Any, make_user: Any, cert_type: Any
) -> None:
    cert_type.enforcement = "block"
    cert_type.save()
    client = web_login(Client(), make_user("agent", unit=org.counter1))
    response = client.post(reverse("ticket_create"), registration("办理携号转网"))
    assert response.status_code == 200
    assert "业务办理上岗证" in str(response.context["form"].errors["kind"])
    assert not Ticket.objects.filter(title="办理携号转网").exists()
    # Other kinds of business need no certification.
    response = client.post(
        reverse("ticket_create"), {**registration("咨询资费"), "kind": "consultation"}
    )
    assert response.status_code == 302
