"""Queueing customer messages: pick the transport and address, render the event's template in
the customer's language, store the message with its NOTICE timeline line, send after commit.

    from sqms.notifications.outbound import queue_customer_message

    queue_customer_message(event="acknowledgement", ticket=ticket)

It never raises into the caller: a message that cannot be made (no address, no template, a
template error) is logged and None is returned; the caller's change stands either way.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sqms.notifications.choices import MessageStatus, NotifyEvent, Transport
from sqms.notifications.models import NotificationTemplate, OutboundMessage
from sqms.notifications.rendering import (
    CONTEXT_HELP,
    TemplateProblem,
    format_time,
    language_of,
    render,
    ticket_context,
)

logger = logging.getLogger(__name__)

# Ticket channels on which the customer wrote to us in writing: answer by e-mail if we can.
EMAIL_CHANNELS = frozenset({"email", "web"})
# Channels the SMS/IM gateway delivers on itself (anything else goes out as a text message).
GATEWAY_CHANNELS = frozenset({"sms", "wechat", "app", "social"})


# Names callers use for a context value (the surveys app sends its answer link as "link").
CONTEXT_ALIASES = {"link": "survey_link", "survey_url": "survey_link", "text": "message"}


@dataclass(frozen=True)
class Route:
    transport: str
    address: str
    channel: str  # for the gateway: sms, wechat, app …; "email" for e-mail


def tracking_link(ticket: Any) -> str:
    """The ticket's public tracking page, if the portal app is installed."""
    try:
        from sqms.portal.links import tracking_url
    except ImportError:
        return ""
    try:
        return str(tracking_url(ticket))
    except Exception:
        logger.exception("no tracking link for ticket %s", getattr(ticket, "pk", None))
        return ""


def survey_link(ticket: Any) -> str:
    """The open survey invitation's answer page for the ticket, if the surveys app offers one."""
    try:
        from sqms.surveys.links import ticket_survey_url
    except ImportError:
        return ""
    try:
        return str(ticket_survey_url(ticket) or "")
    except Exception:
        logger.exception("no survey link for ticket %s", getattr(ticket, "pk", None))
        return ""


def _gateway_channel(channel: str) -> str:
    return channel if channel in GATEWAY_CHANNELS else "sms"


def choose_route(*, ticket: Any, customer: Any, to: str = "", channel: str = "") -> Route | None:
    """Where a message goes: an explicit address, else the customer's e-mail when they wrote
    in writing (e-mail, web) or asked for e-mail, else their phone through the gateway, else
    whatever address there is. None when there is no address."""
    to = (to or "").strip()
    channel = (channel or "").strip().lower()
    if to:
        if "@" in to:
            return Route(Transport.EMAIL, to, "email")
        return Route(Transport.SMS, to, _gateway_channel(channel))
    email = (getattr(customer, "email", "") or "").strip()
    phone = (getattr(customer, "phone", "") or "").strip()
    if not phone and ticket is not None:
        phone = (ticket.customer_phone or "").strip()
    wanted = channel
    if not wanted and ticket is not None:
        wanted = ticket.channel
    if not wanted and customer is not None:
        wanted = customer.preferred_channel
    if wanted in EMAIL_CHANNELS and email:
        return Route(Transport.EMAIL, email, "email")
    if phone:
        return Route(Transport.SMS, phone, _gateway_channel(wanted))
    if email:
        return Route(Transport.EMAIL, email, "email")
    return None


def find_template(event: str, transport: str, language: str) -> NotificationTemplate | None:
    """The active template; a missing English one falls back to Chinese. An inactive template
    means "do not send" and has no fall-back."""
    found = NotificationTemplate.objects.filter(event=event, transport=transport)
    by_language = {template.language: template for template in found}
    template = by_language.get(language) or by_language.get("zh-hans")
    if template is None or not template.is_active:
        return None
    return template


def queue_customer_message(
    *,
    event: str,
    customer: Any = None,
    ticket: Any = None,
    context: dict[str, Any] | None = None,
    to: str = "",
    channel: str = "",
) -> OutboundMessage | None:
    """Render the event's template in the customer's language and queue it (e-mail or the
    SMS/IM gateway); None if there is no address or template. Sent after the commit."""
    if customer is None and ticket is not None:
        customer = ticket.customer
    if choose_route(ticket=ticket, customer=customer, to=to, channel=channel) is None:
        return None  # nobody to write to: spare the transaction (a sweep asks for hundreds)
    try:
        with transaction.atomic():
            return queue_message(
                event=event,
                customer=customer,
                ticket=ticket,
                context=context,
                to=to,
                channel=channel,
            )
    except Exception:
        logger.exception("could not queue %s for ticket %s", event, getattr(ticket, "pk", None))
        return None


def queue_message(
    *,
    event: str,
    customer: Any = None,
    ticket: Any = None,
    context: dict[str, Any] | None = None,
    to: str = "",
    channel: str = "",
    timeline_event: Any = None,
) -> OutboundMessage | None:
    """queue_customer_message without its safety net. `timeline_event` is a line that stands
    for the message on the timeline already (a REPLY); otherwise a NOTICE line is written."""
    from sqms.servicedesk import signals
    from sqms.servicedesk.choices import EventType
    from sqms.servicedesk.models import TicketEvent

    if event not in NotifyEvent.values:
        raise ValueError(f"unknown notification event {event!r}")
    if customer is None and ticket is not None:
        customer = ticket.customer
    route = choose_route(ticket=ticket, customer=customer, to=to, channel=channel)
    if route is None:
        return None
    language = language_of(getattr(customer, "language", "") if customer is not None else "")
    template = find_template(event, route.transport, language)
    if template is None:
        return None
    values = ticket_context(ticket, customer, template.language)
    if ticket is not None:
        values["tracking_link"] = tracking_link(ticket)
        if event == NotifyEvent.SURVEY_INVITATION:
            values["survey_link"] = survey_link(ticket)
    for key, value in (context or {}).items():
        key = CONTEXT_ALIASES.get(key, key)
        if key in CONTEXT_HELP and value is not None:
            values[key] = (
                format_time(value, template.language) if isinstance(value, datetime) else str(value)
            )
    try:
        rendered = render(template.subject, template.body, values)
    except TemplateProblem:
        logger.exception("template %s does not render", template.pk)
        return None
    unit = None
    if ticket is not None:
        unit = ticket.org_unit
    elif customer is not None:
        unit = customer.org_unit
    now = timezone.now()
    message = OutboundMessage.objects.create(
        org_unit=unit,
        ticket=ticket,
        customer=customer,
        event=event,
        transport=route.transport,
        channel=route.channel,
        language=template.language,
        recipient=route.address,
        subject=rendered.subject[:250],
        body=rendered.body,
        status=MessageStatus.QUEUED,
        next_attempt_at=now,
    )
    if ticket is not None:
        data = delivery_data(message)
        if timeline_event is None:
            timeline_event = TicketEvent.objects.create(
                ticket=ticket,
                actor=None,
                event_type=EventType.NOTICE,
                message=rendered.body,
                customer_visible=True,
                data=data,
            )
            signals.announce([signals.line_of(timeline_event)])
        else:
            timeline_event.data = {**(timeline_event.data or {}), **data}
            timeline_event.save(update_fields=["data"])
        message.notice_event = timeline_event
        message.save(update_fields=["notice_event"])
    message_id = message.pk
    transaction.on_commit(lambda: enqueue_send(message_id))
    return message


def delivery_data(message: OutboundMessage) -> dict[str, Any]:
    """What the timeline line keeps of the message: no address in clear."""
    return {
        "message_id": message.pk,
        "notification": message.event,
        "transport": message.transport,
        "channel": message.channel,
        "recipient": message.masked_recipient,
        "status": message.status,
        "attempts": message.attempts,
        "sent_at": message.sent_at.isoformat() if message.sent_at else None,
        "error": message.last_error,
    }


def enqueue_send(message_id: int) -> None:
    """Hand the message to the worker; if that fails, the minutely job sends it anyway."""
    if not getattr(settings, "SQMS_NOTIFICATIONS_ENQUEUE", True):
        return
    try:
        from sqms.notifications.tasks import send_outbound_message

        send_outbound_message.enqueue(message_id)
    except Exception:
        logger.exception("could not enqueue outbound message %s", message_id)
