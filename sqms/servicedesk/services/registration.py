"""Registering a ticket, classifying it and changing its priority."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.masking import validate_phone_number
from sqms.core.models import OrgUnit, User
from sqms.core.numbering import next_number
from sqms.core.scope import unit_in_scope
from sqms.core.service_helpers import copy_saved_state
from sqms.customers import services as customer_services
from sqms.servicedesk import sla
from sqms.servicedesk.choices import (
    Channel,
    EventType,
    Level,
    TicketKind,
    TicketStatus,
)
from sqms.servicedesk.models import Category, Ticket, TicketEvent
from sqms.servicedesk.services.common import (
    ADD_TICKET,
    AUDIT_FIELDS,
    CHANGE_TICKET,
    NUMBER_PREFIX,
    _audit,
    _check_category,
    _check_handler,
    _choice,
    _event,
    _lock,
    _notify_later,
    _record_transition,
    _require,
    _require_open,
    _required_text,
    _transition,
    clean_text,
)

# --- registration -------------------------------------------------------------------------


def register_ticket(
    *,
    actor: Any,
    kind: str,
    channel: str,
    title: str,
    description: str = "",
    category: Category | None = None,
    org_unit: OrgUnit | None = None,
    customer_name: str = "",
    customer_phone: str = "",
    impact: int = Level.MEDIUM,
    urgency: int = Level.MEDIUM,
    assignee: User | None = None,
    handling_department: OrgUnit | None = None,
    customer: Any = None,
    customer_id_number: str = "",
) -> Ticket:
    """Register a customer contact: numbered, prioritised, planned under its SLA policy, with
    the registering user as its first-contact owner for good."""
    _require(actor, ADD_TICKET)
    kind = _choice(kind, TicketKind, "kind")
    channel = _choice(channel, Channel, "channel")
    impact = _choice(impact, Level, "impact")
    urgency = _choice(urgency, Level, "urgency")
    title = _required_text(title, "title", _("Give the ticket a title."))
    if len(title) > Ticket._meta.get_field("title").max_length:  # type: ignore[operator]
        raise DomainError(_("The title is too long."), field="title")
    customer_name = (customer_name or "").strip()
    if len(customer_name) > Ticket._meta.get_field("customer_name").max_length:  # type: ignore[operator]
        raise DomainError(_("The name is too long."), field="customer_name")
    customer_phone = (customer_phone or "").strip()
    try:
        validate_phone_number(customer_phone)
    except ValidationError as error:
        raise DomainError(error.messages[0], field="customer_phone") from error
    description = clean_text(description, "description")
    category = _check_category(category)
    unit = org_unit if org_unit is not None else actor.org_unit
    if unit is None:
        raise DomainError(_("Choose the org unit the ticket belongs to."), field="org_unit")
    if not isinstance(unit, OrgUnit) or not unit_in_scope(actor, unit):
        raise DomainError(_("This org unit is outside your scope."), field="org_unit")
    _check_handler(actor, assignee, handling_department, "handling_department")

    # The customer given, else found by ID number or phone (one indexed query), else a new
    # record in its own short transaction, like the number below: not holding locks for the ticket.
    customer = customer_services.customer_for_ticket(
        actor=actor,
        org_unit=unit,
        customer=customer,
        name=customer_name,
        phone=customer_phone,
        id_number=customer_id_number,
    )
    now = timezone.now()
    # Numbered before the transaction: the day's counter row is then locked for one statement,
    # not for the whole registration, so registrations run side by side. A registration that
    # fails after this point leaves a gap in the day's numbers, which ticket numbers may have.
    number = next_number(NUMBER_PREFIX, now=now)
    with transaction.atomic():
        ticket = Ticket(
            number=number,
            customer=customer,
            created_at=now,
            kind=kind,
            channel=channel,
            category=category,
            title=title,
            description=description,
            customer_name=customer_name or (customer.name if customer else ""),
            customer_phone=customer_phone,
            org_unit=unit,
            created_by=actor,
            first_contact_owner=actor,
            assignee=assignee,
            handling_department=handling_department,
            impact=impact,
            urgency=urgency,
            priority=sla.priority_for(impact, urgency),
            status=TicketStatus.NEW,
        )
        sla.plan(ticket, now)
        ticket.save()
        created = _event(
            ticket,
            actor,
            EventType.CREATED,
            to_status=TicketStatus.NEW,
            data={
                "priority": ticket.priority,
                "sla_policy": ticket.sla_policy_id,
                "response_due_at": _iso(ticket.response_due_at),
                "resolve_due_at": _iso(ticket.resolve_due_at),
            },
        )
        timeline = [created]
        if assignee is not None or handling_department is not None:
            timeline.append(
                _event(
                    ticket,
                    actor,
                    EventType.ASSIGNMENT,
                    data={
                        "assignee": getattr(assignee, "pk", None),
                        "department": getattr(handling_department, "pk", None),
                    },
                )
            )
        _known_timeline(ticket, timeline)
        audit.record(
            AuditAction.CREATE, ticket, actor=actor, after=audit.snapshot(ticket, AUDIT_FIELDS)
        )
        if assignee is not None:
            number = ticket.number
            _notify_later(
                [assignee.pk],
                actor,
                lambda: _("Ticket %(number)s was assigned to you.") % {"number": number},
                ticket,
            )
    return ticket


def _known_timeline(ticket: Ticket, events: list[TicketEvent]) -> None:
    """Hand the new ticket back with its timeline as if prefetched: the caller shows it at once,
    and reading it again would cost a query on the registration hot path."""
    events_queryset = ticket.events.all()
    events_queryset._result_cache = events
    events_queryset._prefetch_done = True  # type: ignore[attr-defined]
    ticket._prefetched_objects_cache = {"events": events_queryset}  # type: ignore[attr-defined]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --- classification and priority ---------------------------------------------------------


def _replan_priority(
    ticket: Ticket, actor: Any, now: datetime, impact: int, urgency: int, reason: str
) -> bool:
    """Set impact and urgency; if the priority (or kind) changed the SLA, re-plan it and
    put the change on the timeline. True when anything changed."""
    old = {
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "priority": ticket.priority,
        "sla_policy": ticket.sla_policy_id,
        "response_due_at": _iso(ticket.response_due_at),
        "resolve_due_at": _iso(ticket.resolve_due_at),
    }
    ticket.impact, ticket.urgency = impact, urgency
    ticket.priority = sla.priority_for(impact, urgency)
    sla.replan(ticket, now)
    new = {
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "priority": ticket.priority,
        "sla_policy": ticket.sla_policy_id,
        "response_due_at": _iso(ticket.response_due_at),
        "resolve_due_at": _iso(ticket.resolve_due_at),
    }
    if old == new:
        return False
    _event(
        ticket,
        actor,
        EventType.PRIORITY,
        message=reason,
        data={"from": old, "to": new},
    )
    return True


def triage_ticket(
    ticket: Ticket | int,
    *,
    actor: Any,
    category: Category | None = None,
    kind: str | None = None,
    impact: int | None = None,
    urgency: int | None = None,
) -> Ticket:
    """Classify (分类): set the problem type, and correct kind, impact or urgency if need be."""
    _require(actor, CHANGE_TICKET)
    category = _check_category(category)
    kind = _choice(kind, TicketKind, "kind") if kind is not None else None
    impact = _choice(impact, Level, "impact") if impact is not None else None
    urgency = _choice(urgency, Level, "urgency") if urgency is not None else None
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "triage")
        if category is not None:
            locked.category = category
        kind_changed = kind is not None and kind != locked.kind
        if kind is not None:
            locked.kind = kind
        new_impact = impact if impact is not None else locked.impact
        new_urgency = urgency if urgency is not None else locked.urgency
        if kind_changed or (new_impact, new_urgency) != (locked.impact, locked.urgency):
            _replan_priority(locked, actor, now, new_impact, new_urgency, "")
        _record_transition(
            locked,
            actor,
            before,
            source,
            target,
            data={"category": locked.category_id, "kind": locked.kind},
        )
    return copy_saved_state(ticket, locked)


def change_priority(
    ticket: Ticket | int, *, actor: Any, impact: int, urgency: int, reason: str = ""
) -> Ticket:
    """Change impact and urgency; the priority follows the matrix and the SLA is re-planned
    from the registration time (the timeline shows old and new commitments)."""
    _require(actor, CHANGE_TICKET)
    impact = _choice(impact, Level, "impact")
    urgency = _choice(urgency, Level, "urgency")
    with transaction.atomic():
        locked = _lock(ticket, actor)
        _require_open(locked)
        if (impact, urgency) == (locked.impact, locked.urgency):
            raise DomainError(
                _("Impact and urgency are already set so."), field="impact", code="unchanged"
            )
        before = audit.snapshot(locked, AUDIT_FIELDS)
        _replan_priority(
            locked, actor, timezone.now(), impact, urgency, clean_text(reason, "reason")
        )
        locked.save()
        _audit(AuditAction.UPDATE, locked, actor, before)
    return copy_saved_state(ticket, locked)
