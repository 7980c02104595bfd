"""One history of a customer (tickets, complaints, visits, survey answers …) and the counts an
agent reads before serving (服务前核实).

Extension point: an app with more customer records (the surveys app: survey answers and
satisfaction) calls, from its AppConfig.ready(),

    history.register_source(my_entries)          # (customer, user) -> list[HistoryEntry]
    history.register_satisfaction(my_last_score)  # (customer, user) -> str | None

and its entries appear in the same timeline, newest first.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sqms.customers.models import Customer
from sqms.servicedesk.choices import TicketKind
from sqms.servicedesk.models import CounterVisit, Ticket

HISTORY_LIMIT = 50


@dataclass
class HistoryEntry:
    when: datetime
    kind: str  # "ticket", "complaint", "visit", "survey" …
    label: str | Promise
    title: str
    url: str = ""
    status: str | Promise = ""
    highlight: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class CustomerCounts:
    contacts: int
    complaints_12m: int
    last_satisfaction: str | None


Source = Callable[[Customer, Any], list[HistoryEntry]]
Satisfaction = Callable[[Customer, Any], str | None]
# Filled once from AppConfig.ready() and only read afterwards.
_sources: list[Source] = []
_satisfaction: list[Satisfaction] = []


def register_source(source: Source) -> None:
    if source not in _sources:
        _sources.append(source)


def register_satisfaction(source: Satisfaction) -> None:
    if source not in _satisfaction:
        _satisfaction.append(source)


def customer_tickets(customer: Customer, user: Any) -> Any:
    return Ticket.objects.visible_to(user).filter(customer=customer)


def customer_visits(customer: Customer, user: Any) -> Any:
    return CounterVisit.objects.visible_to(user).filter(customer=customer)


def _ticket_entries(customer: Customer, user: Any) -> list[HistoryEntry]:
    rows = customer_tickets(customer, user).order_by("-created_at")[:HISTORY_LIMIT]
    return [
        HistoryEntry(
            when=ticket.created_at,
            kind="complaint" if ticket.kind == TicketKind.COMPLAINT else "ticket",
            label=ticket.get_kind_display(),
            title=f"{ticket.number} {ticket.title}",
            url=reverse("ticket_detail", args=[ticket.pk]),
            status=ticket.get_status_display(),
            highlight=ticket.kind == TicketKind.COMPLAINT,
        )
        for ticket in rows
    ]


def _visit_entries(customer: Customer, user: Any) -> list[HistoryEntry]:
    rows = (
        customer_visits(customer, user)
        .select_related("org_unit")
        .order_by("-arrived_at")[:HISTORY_LIMIT]
    )
    return [
        HistoryEntry(
            when=visit.arrived_at,
            kind="visit",
            label=_("Visit"),
            title=f"{visit.org_unit} · {visit.queue_number}".strip(" ·"),
            status=_("served") if visit.service_ended_at else "",
        )
        for visit in rows
    ]


def history(customer: Customer, user: Any) -> list[HistoryEntry]:
    """Every entry the user may see, newest first."""
    entries = _ticket_entries(customer, user) + _visit_entries(customer, user)
    for source in _sources:
        entries.extend(source(customer, user))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def counts(customer: Customer, user: Any, now: datetime | None = None) -> CustomerCounts:
    now = now or timezone.now()
    tickets = customer_tickets(customer, user)
    # A counter visit that became a ticket is one contact, not two.
    visits_alone = customer_visits(customer, user).filter(ticket__isnull=True).count()
    complaints = tickets.filter(
        kind=TicketKind.COMPLAINT, created_at__gte=now - timedelta(days=365)
    ).count()
    satisfaction = None
    for source in _satisfaction:
        satisfaction = source(customer, user)
        if satisfaction is not None:
            break
    return CustomerCounts(
        contacts=tickets.count() + visits_alone,
        complaints_12m=complaints,
        last_satisfaction=satisfaction,
    )
