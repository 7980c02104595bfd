"""A ticket as the customer sees it: status in customer words, expected due time and the public
timeline. Only what the customer may read goes in: phases instead of internal steps, replies,
the customer's own messages, comments marked visible to the customer and notices — never
internal comments, staff names or other personal data."""

import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sqms.core.masking import normalise_phone
from sqms.portal.choices import STATUS_COLOURS, CustomerStatus, customer_status
from sqms.servicedesk.choices import EventType, TicketKind, TicketStatus
from sqms.servicedesk.models import Ticket, TicketEvent

PUBLIC_EVENT_TYPES = (
    EventType.CREATED,
    EventType.TRANSITION,
    EventType.FEEDBACK,
    EventType.REPLY,
    EventType.CUSTOMER_MESSAGE,
    EventType.NOTICE,
    EventType.SURVEY,
)

PHASE_TEXT = {
    CustomerStatus.RECEIVED: _("Your request was registered."),
    CustomerStatus.HANDLING: _("We are handling your request."),
    CustomerStatus.WAITING_FOR_YOU: _("We need more information from you."),
    CustomerStatus.CHECKING: _("A solution was found and is being checked."),
    CustomerStatus.TO_CONFIRM: _("Please tell us whether your problem is solved."),
    CustomerStatus.COMPLETED: _("Your request is completed."),
}
HANDLED_AGAIN = _("We are handling your request again.")


@dataclass(frozen=True)
class PublicLine:
    at: datetime
    kind: str  # phase, reply, message, customer, notice, survey
    label: str
    text: str = ""


@dataclass
class PublicTicket:
    number: str
    kind_label: str
    title: str
    unit_name: str
    created_at: datetime
    status: CustomerStatus
    status_colour: str
    due_at: datetime | None
    closed_at: datetime | None
    can_confirm: bool
    can_report_not_solved: bool
    can_message: bool
    survey_url: str | None
    timeline: list[PublicLine] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(self.status.label)


def phone_matches(ticket: Ticket | None, phone: str) -> bool:
    """Constant-time comparison of a typed phone number with the ticket's; a missing ticket is
    compared with a dummy value so its answer takes the same time."""
    typed = normalise_phone(phone or "").encode()
    stored = normalise_phone(ticket.customer_phone or "").encode() if ticket else b"\x00"
    same = hmac.compare_digest(typed, stored)
    return bool(ticket is not None and stored and same)


def find_by_number(number: str) -> Ticket | None:
    number = (number or "").strip().upper()
    if not number:
        return None
    return Ticket.objects.filter(number=number).select_related("org_unit").first()


def _phase_label(status: CustomerStatus, previous: CustomerStatus | None) -> str:
    if status == CustomerStatus.HANDLING and previous in (
        CustomerStatus.CHECKING,
        CustomerStatus.TO_CONFIRM,
        CustomerStatus.COMPLETED,
    ):
        return str(HANDLED_AGAIN)
    return str(PHASE_TEXT[status])


def _line(event: TicketEvent, phase: CustomerStatus | None) -> tuple[PublicLine | None, Any]:
    """The public line of one event (None if it shows nothing new) and the phase after it."""
    kind = event.event_type
    if kind == EventType.CREATED:
        status = CustomerStatus.RECEIVED
        return PublicLine(event.created_at, "phase", str(PHASE_TEXT[status])), status
    if kind in (EventType.TRANSITION, EventType.FEEDBACK):
        if not event.to_status:
            return None, phase
        status = customer_status(event.to_status)
        if kind == EventType.FEEDBACK:
            confirmed = bool((event.data or {}).get("confirmed"))
            label = (
                _("You confirmed that your problem is solved. Thank you!")
                if confirmed
                else _("You told us the problem is not solved; we are handling it again.")
            )
            return PublicLine(event.created_at, "customer", str(label)), status
        # The first response's message is the agent's reply to the customer (the ticket
        # page offers it as such); other transitions' notes and reasons stay internal.
        reply = event.message if event.to_status == TicketStatus.RESPONDED else ""
        if status == phase:
            if reply:
                heading = str(_("Reply from customer service"))
                return PublicLine(event.created_at, "reply", heading, reply), phase
            return None, phase
        return PublicLine(event.created_at, "phase", _phase_label(status, phase), reply), status
    if kind == EventType.REPLY:
        return PublicLine(
            event.created_at, "reply", str(_("Reply from customer service")), event.message
        ), phase
    if kind == EventType.COMMENT:
        return PublicLine(
            event.created_at, "reply", str(_("Message from customer service")), event.message
        ), phase
    if kind == EventType.CUSTOMER_MESSAGE:
        return PublicLine(
            event.created_at, "customer", str(_("Your message")), event.message
        ), phase
    if kind == EventType.NOTICE:
        return PublicLine(event.created_at, "notice", str(_("We sent you a notification."))), phase
    if kind == EventType.SURVEY:
        return PublicLine(
            event.created_at, "notice", str(_("You answered our satisfaction survey. Thank you!"))
        ), phase
    return None, phase


def public_timeline(ticket: Ticket) -> list[PublicLine]:
    events = ticket.events.filter(
        Q(event_type__in=PUBLIC_EVENT_TYPES)
        | Q(event_type=EventType.COMMENT, customer_visible=True)
    ).order_by("created_at", "id")
    lines: list[PublicLine] = []
    phase: CustomerStatus | None = None
    for event in events.only(
        "created_at", "event_type", "to_status", "message", "data", "customer_visible"
    ):
        line, phase = _line(event, phase)
        if line is not None:
            lines.append(line)
    return lines


def survey_url(ticket: Ticket) -> str | None:
    """The open satisfaction survey of the ticket, once the surveys app offers it."""
    try:
        from sqms.surveys.links import ticket_survey_url  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    url: str | None = ticket_survey_url(ticket)
    return url


def public_view(ticket: Ticket) -> PublicTicket:
    status = customer_status(ticket.status)
    is_open = ticket.status != TicketStatus.CLOSED
    return PublicTicket(
        number=ticket.number,
        kind_label=str(TicketKind(ticket.kind).label),
        title=ticket.title,
        unit_name=ticket.org_unit.display_name,
        created_at=ticket.created_at,
        status=status,
        status_colour=STATUS_COLOURS[status],
        due_at=ticket.resolve_due_at if is_open else None,
        closed_at=ticket.closed_at,
        can_confirm=ticket.status == TicketStatus.VERIFIED,
        can_report_not_solved=ticket.status in (TicketStatus.RESOLVED, TicketStatus.VERIFIED),
        can_message=is_open,
        survey_url=survey_url(ticket),
        timeline=public_timeline(ticket),
    )
