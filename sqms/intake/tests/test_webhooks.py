"""Signed webhooks: signature, timestamp window, replay, idempotency, schema errors."""

import json
import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from sqms.intake import services
from sqms.intake.choices import MessageStatus
from sqms.intake.models import InboundMessage
from sqms.intake.webhooks import sign
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db

URL = "/api/intake/app/"
PAYLOAD = {
    "type": "ticket",
    "title": "App 里交不了话费",
    "description": "点击支付后一直转圈，我要投诉。",
    "customer": {"name": "李娜", "phone": "13812345678", "external_id": "u-42"},
}


def deliver(
    issued: services.IssuedSecret,
    payload: Any = PAYLOAD,
    *,
    timestamp: int | None = None,
    secret: str | None = None,
    key: str | None = None,
    idempotency_key: str = "",
    url: str = URL,
    body: bytes | None = None,
) -> Any:
    raw = body if body is not None else json.dumps(payload, ensure_ascii=False).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    headers: dict[str, Any] = {
        "HTTP_X_SQMS_KEY": key if key is not None else issued.integration.key_id,
        "HTTP_X_SQMS_TIMESTAMP": stamp,
        "HTTP_X_SQMS_SIGNATURE": sign(secret or issued.secret, stamp, raw),
    }
    if idempotency_key:
        headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
    # enforce_csrf_checks: the endpoint must not need a CSRF token.
    client = APIClient(enforce_csrf_checks=True)
    return client.post(url, data=raw, content_type="application/json", **headers)


def test_good_signature_creates_a_ticket(integration: services.IssuedSecret, org: Any) -> None:
    response = deliver(integration)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == MessageStatus.TICKET_CREATED and body["ticket_number"]
    ticket = Ticket.objects.get(number=body["ticket_number"])
    assert ticket.channel == "app" and ticket.kind == "complaint"
    assert ticket.org_unit == org.hall1
    assert ticket.customer is not None and ticket.customer.phone == "13812345678"


def test_message_appends_to_a_ticket(integration: services.IssuedSecret) -> None:
    number = deliver(integration).json()["ticket_number"]
    response = deliver(
        integration, {"type": "message", "ticket_number": number, "message": "还在吗"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == MessageStatus.APPENDED
    ticket = Ticket.objects.get(number=number)
    event = ticket.events.get(event_type=EventType.CUSTOMER_MESSAGE)
    assert event.customer_visible and event.data["channel"] == "app"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"secret": "0" * 64}, "bad_signature"),
        ({"key": "ik_nope"}, "unknown_key"),
        ({"key": ""}, "unknown_key"),
        ({"timestamp": -301}, "stale_timestamp"),
        ({"timestamp": 400}, "stale_timestamp"),
        ({"url": "/api/intake/wechat/"}, "wrong_channel"),
    ],
)
def test_refused_with_401(
    integration: services.IssuedSecret, change: dict[str, Any], code: str
) -> None:
    if "timestamp" in change:  # an offset from now, taken when the test runs
        change = {"timestamp": int(time.time()) + change["timestamp"]}
    response = deliver(integration, **change)
    assert response.status_code == 401, response.content
    assert response.json()["code"] == code
    assert not InboundMessage.objects.exists() and not Ticket.objects.exists()


def test_bad_timestamp_header(integration: services.IssuedSecret) -> None:
    raw = b"{}"
    response = APIClient().post(
        URL,
        data=raw,
        content_type="application/json",
        HTTP_X_SQMS_KEY=integration.integration.key_id,
        HTTP_X_SQMS_TIMESTAMP="yesterday",
        HTTP_X_SQMS_SIGNATURE=sign(integration.secret, "yesterday", raw),
    )
    assert response.status_code == 401 and response.json()["code"] == "bad_timestamp"


def test_inactive_integration_is_refused(integration: services.IssuedSecret) -> None:
    integration.integration.active = False
    integration.integration.save()
    assert deliver(integration).status_code == 401


def test_rotated_secret_replaces_the_old_one(
    integration: services.IssuedSecret, make_user: Any, org: Any
) -> None:
    rotated = services.rotate_secret(integration.integration, actor=make_user("admin", unit=org.hq))
    assert deliver(integration).status_code == 401
    assert deliver(rotated).status_code == 201


def test_replayed_signature_is_refused(integration: services.IssuedSecret) -> None:
    stamp = int(time.time())
    assert deliver(integration, timestamp=stamp).status_code == 201
    again = deliver(integration, timestamp=stamp)
    assert again.status_code == 409 and again.json()["code"] == "replayed"
    assert Ticket.objects.count() == 1


def test_idempotent_retry_returns_the_first_result(integration: services.IssuedSecret) -> None:
    first = deliver(integration, idempotency_key="order-7", timestamp=int(time.time()) - 5)
    retry = deliver(integration, idempotency_key="order-7")
    assert first.status_code == 201 and retry.status_code == 200
    assert retry.json()["ticket_number"] == first.json()["ticket_number"]
    assert retry.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"type": "ticket"}, {"title"}),
        ({"type": "bogus", "title": "x"}, {"type"}),
        ({"title": "x", "kind": "nonsense"}, {"kind"}),
        ({"title": "x", "customer": {"phone": "12"}}, {"customer"}),
        ({"title": "x", "customer": {"email": "not-an-address"}}, {"customer"}),
        ({"title": "x" * 201}, {"title"}),
        ({"type": "message"}, {"ticket_number", "message"}),
        (
            {"type": "message", "ticket_number": "SQ20990101000001", "message": "x"},
            {"ticket_number"},
        ),
        ({"type": "message", "ticket_number": "123", "message": "x"}, {"ticket_number"}),
    ],
)
def test_schema_errors_are_400_with_fields(
    integration: services.IssuedSecret, payload: dict[str, Any], fields: set[str]
) -> None:
    response = deliver(integration, payload, idempotency_key="k1")
    assert response.status_code == 400, response.content
    assert fields <= set(response.json()), response.json()
    assert not Ticket.objects.exists()
    kept = InboundMessage.objects.get()
    assert kept.status == MessageStatus.REJECTED and kept.idempotency_key == ""
    # Corrected and retried with the same idempotency key: accepted.
    assert deliver(integration, idempotency_key="k1").status_code == 201


def test_body_that_is_not_json(integration: services.IssuedSecret) -> None:
    response = deliver(integration, body=b"\xff not json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    response = deliver(integration, body=b"[1, 2]")
    assert response.status_code == 400


def test_rate_limit_per_integration(integration: services.IssuedSecret) -> None:
    integration.integration.rate_limit_per_minute = 2
    integration.integration.save()
    stamp = int(time.time())
    assert deliver(integration, timestamp=stamp).status_code == 201
    assert deliver(integration, timestamp=stamp - 1).status_code == 201
    limited = deliver(integration, timestamp=stamp - 2)
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"


def test_email_only_customer_and_failure_kept_as_dead_letter(
    integration: services.IssuedSecret, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = {"title": "咨询套餐", "customer": {"name": "王芳", "email": "wang@example.com"}}
    ok = deliver(integration, payload)
    ticket = Ticket.objects.get(number=ok.json()["ticket_number"])
    assert ticket.customer is not None and ticket.customer.email == "wang@example.com"
    assert ticket.kind == "consultation"

    from sqms.servicedesk import services as desk

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(desk, "register_ticket", broken)
    kept = deliver(integration, payload, timestamp=int(time.time()) - 3)
    assert kept.status_code == 202 and kept.json()["status"] == MessageStatus.DEAD_LETTER
    assert InboundMessage.objects.get(pk=kept.json()["id"]).error
