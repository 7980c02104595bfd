"""Queueing customer messages: pick the transport and address, render the event's template in
the customer's language, store the message with its NOTICE timeline line, send after commit.

    from sqms.notifications.outbound import queue_customer_message

    queue_customer_message(event="acknowledgement", ticket=ticket)

It never raises into the caller: a message that cannot be made (no address, no template, a
template error) is logged and None is returned; the caller's change stands either way.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sqms.core import bulk
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


def tracking_links(tickets: list[Any]) -> dict[int, str]:
    """The tickets' public tracking pages by ticket id, if the portal app is installed."""
    try:
        from sqms.portal.links import tracking_urls
    except ImportError:
        return {}
    try:
        return tracking_urls(tickets)
    except Exception:
        logger.exception("no tracking links for %d tickets", len(tickets))
        return {}


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


@dataclass(frozen=True)
class Request:
    """One customer message to queue: its event, the ticket or customer it concerns, extra
    context for the template, and optionally an explicit address or channel."""

    event: str
    ticket: Any = None
    customer: Any = None
    context: dict[str, Any] | None = None
    to: str = ""
    channel: str = ""


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
    queued = queue_customer_messages(
        [Request(event, ticket=ticket, customer=customer, context=context, to=to, channel=channel)]
    )
    return queued[0] if queued else None


def queue_customer_messages(requests: list[Request]) -> list[OutboundMessage]:
    """Queue many messages at once (a sweep's escalations): templates are looked up once, the
    messages and their timeline lines are written with a few statements in one transaction,
    and one task sends them all. The messages that could be made are returned; one that
    cannot (no address, no template, a template error) is logged and left out."""
    if not requests:
        return []
    try:
        with transaction.atomic():
            plans = _each(_Composer().plan, requests)
            if not plans:
                return []  # nobody to write to: a sweep asks for hundreds
            links = tracking_links([plan.request.ticket for plan in plans if plan.request.ticket])
            return _store(_each(lambda plan: _message(plan, links), plans))
    except Exception:
        logger.exception("could not queue %d customer messages", len(requests))
        return []


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
    """One message, without queue_customer_message's safety net: an unknown event raises.
    `timeline_event` is a line that stands for the message on the timeline already (a REPLY);
    otherwise a NOTICE line is written."""
    if event not in NotifyEvent.values:
        raise ValueError(f"unknown notification event {event!r}")
    plan = _Composer().plan(
        Request(event, ticket=ticket, customer=customer, context=context, to=to, channel=channel)
    )
    if plan is None:
        return None
    message = _message(plan, tracking_links([ticket]) if ticket is not None else {})
    if message is None:
        return None
    if timeline_event is None:
        return _store([message])[0]
    message.notice_event = timeline_event
    message.save()
    timeline_event.data = {**(timeline_event.data or {}), **delivery_data(message)}
    timeline_event.save(update_fields=["data"])
    _enqueue_after_commit([message.pk])
    return message


def _each[T](make: Callable[[Any], T | None], items: list[Any]) -> list[T]:
    """make(item) for each item, without the Nones. An item it fails on is logged and left
    out: one bad ticket must not cost the others their messages."""
    made = []
    for item in items:
        try:
            result = make(item)
        except Exception:
            logger.exception("a customer message could not be made")
            continue
        if result is not None:
            made.append(result)
    return made


@dataclass(frozen=True)
class _Plan:
    request: Request
    customer: Any
    route: Route
    template: NotificationTemplate


class _Composer:
    """Decides where each message goes and with which template, looking each template up
    once."""

    def __init__(self) -> None:
        self._templates: dict[tuple[str, str, str], NotificationTemplate | None] = {}

    def plan(self, request: Request) -> _Plan | None:
        if request.event not in NotifyEvent.values:
            logger.error("unknown notification event %r", request.event)
            return None
        ticket = request.ticket
        customer = request.customer
        if customer is None and ticket is not None:
            customer = ticket.customer
        route = choose_route(
            ticket=ticket, customer=customer, to=request.to, channel=request.channel
        )
        if route is None:
            return None
        language = language_of(getattr(customer, "language", "") if customer is not None else "")
        key = (request.event, route.transport, language)
        if key not in self._templates:
            self._templates[key] = find_template(*key)
        template = self._templates[key]
        return _Plan(request, customer, route, template) if template is not None else None


def _message(plan: _Plan, links: dict[int, str]) -> OutboundMessage | None:
    """The plan's message, rendered and unsaved; None (logged) if its template fails."""
    request, customer, template = plan.request, plan.customer, plan.template
    ticket = request.ticket
    values = ticket_context(ticket, customer, template.language)
    if ticket is not None:
        values["tracking_link"] = links.get(ticket.pk, "")
        if request.event == NotifyEvent.SURVEY_INVITATION:
            values["survey_link"] = survey_link(ticket)
    for key, value in (request.context or {}).items():
        key = CONTEXT_ALIASES.get(key, key)
        if key in CONTEXT_HELP and value is not None:
            values[key] = format_time(value) if isinstance(value, datetime) else str(value)
    try:
        rendered = render(template.subject, template.body, values)
    except TemplateProblem:
        logger.exception("template %s does not render", template.pk)
        return None
    unit_id = None
    if ticket is not None:
        unit_id = ticket.org_unit_id
    elif customer is not None:
        unit_id = customer.org_unit_id
    return OutboundMessage(
        org_unit_id=unit_id,
        ticket=ticket,
        customer=customer,
        event=request.event,
        transport=plan.route.transport,
        channel=plan.route.channel,
        language=template.language,
        recipient=plan.route.address,
        subject=rendered.subject[:250],
        body=rendered.body,
        status=MessageStatus.QUEUED,
        next_attempt_at=timezone.now(),
    )


def _store(messages: list[OutboundMessage]) -> list[OutboundMessage]:
    """Save the messages, each about a ticket with its NOTICE line on that ticket's timeline,
    and send them after the commit: a few statements however many there are."""
    from sqms.servicedesk import signals
    from sqms.servicedesk.choices import EventType
    from sqms.servicedesk.models import TicketEvent

    bulk.insert(OutboundMessage, messages)
    ticketed = [message for message in messages if message.ticket_id is not None]
    notices = [
        TicketEvent(
            ticket=message.ticket,
            actor=None,
            event_type=EventType.NOTICE,
            message=message.body,
            customer_visible=True,
            data=delivery_data(message),
        )
        for message in ticketed
    ]
    bulk.insert(TicketEvent, notices)
    for message, notice in zip(ticketed, notices, strict=True):
        message.notice_event = notice
    bulk.update_columns(OutboundMessage, ticketed, ["notice_event"])
    signals.announce([signals.line_of(notice) for notice in notices])
    _enqueue_after_commit([message.pk for message in messages])
    return messages


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


def enqueue_sends(message_ids: list[int]) -> None:
    """Hand the messages to the worker, one task for all; if that fails, the minutely job
    sends them anyway."""
    if not message_ids or not getattr(settings, "SQMS_NOTIFICATIONS_ENQUEUE", True):
        return
    try:
        from sqms.notifications.tasks import send_outbound_messages

        send_outbound_messages.enqueue(message_ids)
    except Exception:
        logger.exception("could not enqueue %d outbound messages", len(message_ids))


def _enqueue_after_commit(message_ids: list[int]) -> None:
    transaction.on_commit(lambda: enqueue_sends(message_ids))
