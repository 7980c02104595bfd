"""What tells customers about their tickets: a receiver of the service desk's timeline lines.

Which events notify customers is configurable with the setting SQMS_CUSTOMER_NOTIFICATIONS, a
dict of event → bool (every event defaults to on), e.g. {"sla_warning": False}.
"""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from sqms.notifications.choices import NotifyEvent
from sqms.notifications.models import OutboundMessage
from sqms.notifications.outbound import queue_customer_message

logger = logging.getLogger(__name__)

# Reminders that must not pester: at most one per ticket in this window.
ONCE_PER_DAY = frozenset({NotifyEvent.SLA_WARNING, NotifyEvent.ESCALATION})
# A registration older than this (an import, a back-dated record) is not acknowledged.
ACKNOWLEDGE_WITHIN = timedelta(days=1)


def enabled(event: str) -> bool:
    configured = getattr(settings, "SQMS_CUSTOMER_NOTIFICATIONS", None) or {}
    return bool(configured.get(event, True))


def customer_event_of(line: Any) -> str | None:
    """The customer notification a timeline line calls for, if any."""
    from sqms.servicedesk.choices import EventType, TicketStatus

    if line.event_type == EventType.CREATED:
        return NotifyEvent.ACKNOWLEDGEMENT
    if line.event_type == EventType.ASSIGNMENT:
        data = line.data or {}
        # Only a new department is news to the customer, not a colleague taking over.
        if data.get("to_department") and data.get("to_department") != data.get("from_department"):
            return NotifyEvent.ASSIGNMENT
        return None
    if line.event_type == EventType.SLA_WARNING:
        # A promised resolution slipping is worth a word; a first response is not.
        targets = (line.data or {}).get("targets") or []
        return NotifyEvent.SLA_WARNING if "resolution" in targets else None
    if line.event_type == EventType.ESCALATION:
        return NotifyEvent.ESCALATION
    if line.to_status == TicketStatus.RESOLVED and line.from_status != TicketStatus.RESOLVED:
        return NotifyEvent.RESOLUTION
    return None


def sent_recently(ticket_id: int, event: str) -> bool:
    since = timezone.now() - timedelta(days=1)
    return OutboundMessage.objects.filter(
        ticket_id=ticket_id, event=event, created_at__gte=since
    ).exists()


def notify_customer(line: Any, event: str) -> OutboundMessage | None:
    from sqms.servicedesk.models import Ticket

    ticket = (
        Ticket.objects.select_related("customer", "org_unit", "handling_department")
        .filter(pk=line.ticket_id)
        .first()
    )
    if ticket is None:
        return None
    if (
        event == NotifyEvent.ACKNOWLEDGEMENT
        and ticket.created_at < timezone.now() - ACKNOWLEDGE_WITHIN
    ):
        return None
    if event in ONCE_PER_DAY and sent_recently(ticket.pk, event):
        return None
    if (
        event == NotifyEvent.ACKNOWLEDGEMENT
        and OutboundMessage.objects.filter(ticket=ticket, event=event).exists()
    ):
        return None
    context = {}
    if event == NotifyEvent.RESOLUTION:
        context["message"] = ticket.resolution
    return queue_customer_message(event=event, ticket=ticket, context=context)


def on_ticket_events(sender: Any, events: list[Any], **kwargs: Any) -> None:
    """Receiver of sqms.servicedesk.signals.ticket_events (after commit)."""
    for line in events:
        event = customer_event_of(line)
        if event is None or not enabled(event):
            continue
        try:
            notify_customer(line, event)
        except Exception:
            logger.exception("customer notification for ticket %s failed", line.ticket_id)
