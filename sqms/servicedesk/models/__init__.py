"""Models of the service desk."""

from sqms.servicedesk.models.catalogue import Category, PriorityRule
from sqms.servicedesk.models.imports import ImportStatus, TicketImport
from sqms.servicedesk.models.sla import SlaPolicy
from sqms.servicedesk.models.tickets import (
    Attachment,
    CounterVisit,
    Ticket,
    TicketEvent,
    TicketQuerySet,
)

__all__ = [
    "Attachment",
    "Category",
    "CounterVisit",
    "ImportStatus",
    "PriorityRule",
    "SlaPolicy",
    "Ticket",
    "TicketEvent",
    "TicketImport",
    "TicketQuerySet",
]
