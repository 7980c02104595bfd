"""The portal API: form data, submit and track, with the same rules and limits as the pages."""

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from sqms.customers.models import Customer
from sqms.portal import services
from sqms.portal.tests.conftest import PHONE
from sqms.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def payload(org: Any) -> dict[str, Any]:
    return {
        "kind": "fault",
        "org_unit": org.call_centre.pk,
        "title": "手机无信号",
        "description": "小区内手机信号时有时无，已持续三天。",
        "customer_name": "陈晨",
        "customer_phone": PHONE,
        "email": "",
        "language": "en",
        "consent": True,
        "form_token": services.issue_form_token(),
    }


def test_form_gives_a_token_and_the_public_units(api: APIClient, org: Any) -> None:
    response = api.get("/api/portal/form/")
    assert response.status_code == 200
    body = response.json()
    assert body["form_token"]
    assert {unit["id"] for unit in body["units"]} == {
        org.hall1.pk,
        org.hall2.pk,
        org.call_centre.pk,
    }
    assert "complaint" in {kind["value"] for kind in body["kinds"]}


def test_submit_returns_number_and_tracking_url(api: APIClient, payload: dict[str, Any]) -> None:
    response = api.post("/api/portal/tickets/", payload, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(number=body["number"])
    assert ticket.channel == "web" and ticket.kind == "fault"
    assert body["status"] == "received"
    assert "/portal/l/" in body["tracking_url"]
    assert ticket.customer is not None and ticket.customer.language == "en"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "spam"),
        ("org_unit", 999999),
        ("title", ""),
        ("customer_phone", "1234"),
        ("email", "nope"),
        ("consent", False),
        ("language", "de"),
        ("form_token", "forged"),
    ],
)
def test_bad_payload_gets_field_messages_and_stores_nothing(
    api: APIClient, payload: dict[str, Any], field: str, value: Any
) -> None:
    payload[field] = value
    response = api.post("/api/portal/tickets/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    if field == "form_token":
        assert body["code"] == "form_invalid"
    else:
        assert field in body
    assert Ticket.objects.count() == 0 and Customer.objects.count() == 0


def test_a_branch_is_not_a_public_unit(api: APIClient, payload: dict[str, Any], org: Any) -> None:
    payload["org_unit"] = org.branch1.pk
    response = api.post("/api/portal/tickets/", payload, format="json")
    assert response.status_code == 400 and "org_unit" in response.json()


def test_honeypot_and_rate_limit(api: APIClient, payload: dict[str, Any]) -> None:
    response = api.post("/api/portal/tickets/", {**payload, "website": "x"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "refused"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(4):  # the honeypot hit counted as one of five
            body = {**payload, "customer_phone": f"1350000000{n}"}
            assert api.post("/api/portal/tickets/", body, format="json").status_code == 201
        response = api.post("/api/portal/tickets/", payload, format="json")
        assert response.status_code == 429
        assert response.json()["code"] == "rate_limited"
    assert Ticket.objects.count() == 4


def test_phone_limit_answers_429(api: APIClient, payload: dict[str, Any], submit: Any) -> None:
    for n in range(3):
        submit(address=f"10.1.0.{n}")
    response = api.post("/api/portal/tickets/", payload, format="json")
    assert response.status_code == 429


def test_track_gives_the_public_view(api: APIClient, submit: Any, staff: Any) -> None:
    ticket = submit()
    from sqms.servicedesk import services as desk

    desk.add_comment(ticket, actor=staff["agent"], text="内部：客户是VIP")
    response = api.post(
        "/api/portal/track/", {"number": ticket.number, "phone": PHONE}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == ticket.number and body["status"] == "received"
    assert [line["kind"] for line in body["timeline"]] == ["phase"]
    assert "VIP" not in response.content.decode()
    assert body["tracking_url"].startswith("http")


def test_track_failures_are_identical_and_limited(api: APIClient, submit: Any) -> None:
    ticket = submit()
    wrong = api.post("/api/portal/track/", {"number": ticket.number, "phone": "13900000000"})
    unknown = api.post("/api/portal/track/", {"number": "SQ20990101000009", "phone": PHONE})
    assert wrong.status_code == unknown.status_code == 400
    assert wrong.json() == unknown.json()
    bad = api.post("/api/portal/track/", {"number": "", "phone": ""}, format="json")
    assert bad.status_code == 400 and "number" in bad.json()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _n in range(8):
            api.post("/api/portal/track/", {"number": ticket.number, "phone": "13900000000"})
        right = {"number": ticket.number, "phone": PHONE}
        assert api.post("/api/portal/track/", right).status_code == 429
    with time_machine.travel(start + timedelta(hours=1, minutes=1), tick=False):
        assert api.post("/api/portal/track/", right).status_code == 200
