"""Signed webhooks from apps, WeChat, social media and other systems.

A delivery carries `X-Sqms-Key` (the integration's key id), `X-Sqms-Timestamp` (unix seconds,
within ±300 s), `X-Sqms-Signature` (hex HMAC-SHA256 of "<timestamp>.<raw body>" under the
integration's secret) and optionally `Idempotency-Key`. The same signature is accepted once
(a replay is refused with 409); the same idempotency key returns the first delivery's result
and creates nothing. Every authenticated delivery is stored before it is processed.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from sqms.core.masking import validate_phone_number
from sqms.intake.choices import MessageStatus, Source
from sqms.intake.models import InboundMessage, Integration
from sqms.servicedesk.choices import TicketKind

DEFAULT_WINDOW_SECONDS = 300
SIGNATURE_LENGTH = 64
TICKET_NUMBER_PATTERN = r"^SQ\d{14,}$"
KINDS = TicketKind.choices


def window_seconds() -> int:
    return int(getattr(settings, "SQMS_INTAKE_WEBHOOK_WINDOW", DEFAULT_WINDOW_SECONDS))


def sign(secret: str, timestamp: str | int, body: bytes) -> str:
    """The signature a sender computes (also used by tests and the docs' example)."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


@dataclass
class WebhookRefused(Exception):
    status: int
    code: str
    detail: str
    errors: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        if self.errors:
            return self.errors
        return {"detail": self.detail, "code": self.code}


@dataclass(frozen=True)
class WebhookResult:
    status: int
    message: InboundMessage

    def body(self) -> dict[str, Any]:
        ticket = self.message.ticket
        return {
            "id": self.message.pk,
            "status": self.message.status,
            "ticket_number": ticket.number if ticket is not None else None,
            "event_id": self.message.event_id,
        }


# --- payload --------------------------------------------------------------------------------


class CustomerPayload(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    external_id = serializers.CharField(max_length=64, required=False, allow_blank=True)

    def validate_phone(self, value: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            validate_phone_number(value)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from error
        return value


class WebhookPayload(serializers.Serializer):
    """A new ticket (type "ticket") or a customer's message on an existing one ("message")."""

    type = serializers.ChoiceField(
        choices=[
            ("ticket", gettext_lazy("New ticket")),
            ("message", gettext_lazy("Message on a ticket")),
        ],
        default="ticket",
    )
    kind = serializers.ChoiceField(choices=KINDS, required=False)
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    customer = CustomerPayload(required=False)
    ticket_number = serializers.RegexField(TICKET_NUMBER_PATTERN, required=False)
    message = serializers.CharField(max_length=20000, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        required = ("title",) if attrs["type"] == "ticket" else ("ticket_number", "message")
        missing = {name: [_("This field is required.")] for name in required if not attrs.get(name)}
        if missing:
            raise serializers.ValidationError(missing)
        if attrs["type"] == "message":
            ticket = ticket_for(self.context["integration"], attrs["ticket_number"])
            if ticket is None:
                raise serializers.ValidationError({"ticket_number": [_("No such ticket.")]})
            attrs["ticket"] = ticket
        return attrs


def ticket_for(integration: Integration, number: str) -> Any:
    """The ticket with this number within the integration's unit subtree."""
    from sqms.servicedesk.models import Ticket

    return (
        Ticket.objects.filter(number=number, org_unit__path__startswith=integration.org_unit.path)
        .select_related("org_unit")
        .first()
    )


# --- receiving ------------------------------------------------------------------------------


def authenticate(key_id: str, timestamp: str, signature: str, body: bytes) -> Integration:
    """The integration that signed this delivery, or WebhookRefused (401)."""
    integration = (
        Integration.objects.select_related("org_unit").filter(key_id=key_id or "-").first()
    )
    if integration is None or not integration.active:
        raise WebhookRefused(401, "unknown_key", _("Unknown or inactive integration key."))
    try:
        moment = int(timestamp)
    except (TypeError, ValueError):
        raise WebhookRefused(
            401, "bad_timestamp", _("X-Sqms-Timestamp must be unix seconds.")
        ) from None
    if abs(time.time() - moment) > window_seconds():
        raise WebhookRefused(
            401, "stale_timestamp", _("The timestamp is outside the allowed window.")
        )
    expected = sign(integration.secret, timestamp, body)
    if not hmac.compare_digest(expected, (signature or "").strip().lower()):
        raise WebhookRefused(401, "bad_signature", _("The signature does not match."))
    return integration


def receive_webhook(
    *,
    channel: str,
    key_id: str,
    timestamp: str,
    signature: str,
    idempotency_key: str,
    body: bytes,
) -> WebhookResult:
    integration = authenticate(key_id, timestamp, signature, body)
    if integration.channel != channel:
        raise WebhookRefused(
            401, "wrong_channel", _("This key belongs to another channel's integration.")
        )
    signature = signature.strip().lower()
    if InboundMessage.objects.filter(integration=integration, signature=signature).exists():
        raise WebhookRefused(409, "replayed", _("This delivery was already received (replay)."))
    idempotency_key = (idempotency_key or "").strip()[:100]
    if idempotency_key:
        first = (
            InboundMessage.objects.select_related("ticket")
            .filter(integration=integration, idempotency_key=idempotency_key)
            .first()
        )
        if first is not None:
            return WebhookResult(200, first)
    since = timezone.now() - timedelta(seconds=60)
    recent = InboundMessage.objects.filter(integration=integration, created_at__gte=since)
    if recent.count() >= integration.rate_limit_per_minute:
        raise WebhookRefused(429, "rate_limited", _("Too many deliveries; retry later."))

    message = InboundMessage(
        source=Source.WEBHOOK,
        integration=integration,
        org_unit=integration.org_unit,
        signature=signature,
        idempotency_key=idempotency_key,
    )
    message.raw_bytes = body
    errors = payload_errors(integration, body)
    if errors:
        # Kept (nothing is lost) but without the idempotency key, so a corrected retry works.
        message.idempotency_key = ""
        message.status = MessageStatus.REJECTED
        message.reason = json.dumps(errors, ensure_ascii=False, default=str)[:300]
        message.processed_at = timezone.now()
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        first = InboundMessage.objects.filter(
            integration=integration, idempotency_key=idempotency_key
        ).first()
        if idempotency_key and first is not None:
            return WebhookResult(200, first)
        raise WebhookRefused(
            409, "replayed", _("This delivery was already received (replay).")
        ) from None
    if errors:
        raise WebhookRefused(400, "invalid", _("The payload is not valid."), errors)
    from sqms.intake.services import process_message

    done = process_message(message)
    return WebhookResult(202 if done.status == MessageStatus.DEAD_LETTER else 201, done)


def _parse(integration: Integration, body: bytes) -> WebhookPayload:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as broken:
        raise ValueError(str(broken)) from broken
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return WebhookPayload(data=data, context={"integration": integration})


def payload_errors(integration: Integration, body: bytes) -> dict[str, Any]:
    try:
        payload = _parse(integration, body)
    except ValueError:
        return {"detail": _("The body must be a JSON object."), "code": "parse_error"}
    if payload.is_valid():
        return {}
    return dict(payload.errors)


def process_delivery(message: InboundMessage) -> None:
    """Turn a stored, valid delivery into a ticket or a customer message (inside
    services.process_message's transaction)."""
    from sqms.core.system_actor import system_actor
    from sqms.intake.services import append_customer_message, customer_for_email, kind_for
    from sqms.servicedesk.services import register_ticket

    integration = message.integration
    if integration is None:
        raise ValueError("a webhook delivery without its integration")
    payload = _parse(integration, message.raw_bytes)
    payload.is_valid(raise_exception=True)
    data = payload.validated_data
    actor = system_actor()
    customer_data = data.get("customer") or {}
    if customer_data.get("email"):
        message.sender = customer_data["email"]
    if data["type"] == "message":
        ticket = data["ticket"]
        message.ticket = ticket
        message.org_unit = ticket.org_unit
        message.event = append_customer_message(
            ticket,
            text=data["message"],
            channel=integration.channel,
            data={"integration": integration.pk, "inbound": message.pk},
            actor=actor,
        )
        message.status = MessageStatus.APPENDED
        return
    customer = None
    phone = customer_data.get("phone", "")
    if customer_data.get("email") and not phone:
        customer = customer_for_email(
            customer_data["email"], customer_data.get("name", ""), integration.org_unit
        )
    title = data["title"]
    description = data.get("description", "")
    ticket = register_ticket(
        actor=actor,
        kind=data.get("kind") or kind_for(f"{title}\n{description}", integration.default_kind),
        channel=integration.channel,
        title=title,
        description=description,
        org_unit=integration.org_unit,
        customer=customer,
        customer_name=customer_data.get("name", "") if customer is None else "",
        customer_phone=phone,
    )
    message.subject = title[:300]
    message.ticket = ticket
    message.event = ticket.events.first()
    message.status = MessageStatus.TICKET_CREATED
