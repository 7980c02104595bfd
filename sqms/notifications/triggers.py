"""What tells customers about their tickets: a receiver of the service desk's timeline lines.

Which events notify customers is configurable with the setting SQMS_CUSTOMER_NOTIFICATIONS, a
dict of event → bool (every event defaults to on), e.g. {"sla_warning": False}.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from sqms.core import bulk
from sqms.notifications.choices import NotifyEvent
from sqms.notifications.models import OutboundMessage
from sqms.notifications.outbound import Request, queue_customer_messages

# Reminders that must not pester: at most one per ticket a day.
ONCE_PER_DAY = frozenset({NotifyEvent.SLA_WARNING, NotifyEvent.ESCALATION})
# Events checked against what was sent before: those, and the one acknowledgement a ticket gets.
GUARDED = ONCE_PER_DAY | {NotifyEvent.ACKNOWLEDGEMENT}
# A registration older than this (an import, a back-dated record) is not acknowledged.
ACKNOWLEDGE_WITHIN = timedelta(days=1)


# What a message reads of its ticket, customer and unit (choose_route, ticket_context); only
# these are loaded, as a sweep reads hundreds of tickets, and each encrypted field costs a
# decryption.
TICKET_READS = [
    "id",
    "number",
    "title",
    "status",
    "channel",
    "created_at",
    "resolution",
    "resolve_due_at",
    "customer_name",
    "customer_phone",
    "customer",
    "org_unit",
    "handling_department",
]
CUSTOMER_READS = ["id", "name", "gender", "phone", "email", "language", "preferred_channel"]


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


def _already_sent(wanted: list[tuple[Any, str]]) -> set[tuple[int, str]]:
    """(ticket, event) pairs of `wanted` that must not be sent again: a reminder sent in the
    last day, an acknowledgement ever. One query for the whole list."""
    guarded = [(line.ticket_id, event) for line, event in wanted if event in GUARDED]
    if not guarded:
        return set()
    since = timezone.now() - timedelta(days=1)
    sent = OutboundMessage.objects.filter(
        ticket_id__in={ticket_id for ticket_id, _event in guarded},
        event__in={event for _ticket_id, event in guarded},
    ).filter(Q(event=NotifyEvent.ACKNOWLEDGEMENT) | Q(created_at__gte=since))
    return set(sent.values_list("ticket_id", "event"))


def notify_customers(wanted: list[tuple[Any, str]]) -> list[OutboundMessage]:
    """Queue the customer messages that timeline lines call for. The tickets and what was sent
    already are read once for all lines, and the messages are queued together, so a sweep
    escalating hundreds of tickets costs a handful of queries here, not a few per ticket."""
    from sqms.servicedesk.models import Ticket

    # Only tickets with someone to write to: a customer record or a phone (its blind index
    # says so without decrypting), with the units their messages name.
    reachable = Q(customer__isnull=False) | Q(customer_phone_index__isnull=False)
    ids = {line.ticket_id for line, _event in wanted}
    tickets = {
        ticket.pk: ticket
        for ticket in bulk.load(Ticket.objects.filter(reachable, pk__in=ids), TICKET_READS)
    }
    if not tickets:
        return []
    _attach_related(list(tickets.values()))
    wanted = [(line, event) for line, event in wanted if line.ticket_id in tickets]
    sent = _already_sent(wanted)
    requests = []
    for line, event in wanted:
        ticket = tickets[line.ticket_id]
        if (ticket.pk, event) in sent:
            continue
        if (
            event == NotifyEvent.ACKNOWLEDGEMENT
            and ticket.created_at < timezone.now() - ACKNOWLEDGE_WITHIN
        ):
            continue
        if event in GUARDED:
            sent.add((ticket.pk, event))  # also once within these lines
        context = {"message": ticket.resolution} if event == NotifyEvent.RESOLUTION else {}
        requests.append(Request(event, ticket=ticket, context=context))
    return queue_customer_messages(requests)


def _attach_related(tickets: list[Any]) -> None:
    """Each ticket's customer and units, read once for all of them."""
    from sqms.core.models import OrgUnit
    from sqms.servicedesk.models import Ticket

    customer_model: Any = Ticket._meta.get_field("customer").related_model
    customer_ids = {ticket.customer_id for ticket in tickets} - {None}
    customers = {
        customer.pk: customer
        for customer in bulk.load(
            customer_model._base_manager.filter(pk__in=customer_ids), CUSTOMER_READS
        )
    }
    unit_ids = {t.org_unit_id for t in tickets} | {t.handling_department_id for t in tickets}
    units = OrgUnit.objects.only("name", "name_en").in_bulk(unit_ids - {None})
    for ticket in tickets:
        bulk.attach(
            ticket,
            customer=customers.get(ticket.customer_id),
            org_unit=units[ticket.org_unit_id],
            handling_department=units.get(ticket.handling_department_id),
        )


def on_ticket_events(sender: Any, events: list[Any], **kwargs: Any) -> None:
    """Receiver of sqms.servicedesk.signals.ticket_events (after commit)."""
    wanted = []
    for line in events:
        event = customer_event_of(line)
        if event is not None and enabled(event):
            wanted.append((line, event))
    if wanted:
        notify_customers(wanted)
