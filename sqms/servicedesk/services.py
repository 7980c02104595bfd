"""Every state change of a ticket: registration and each step of the closed service loop.

Each function runs in one transaction, re-reads and locks the ticket row, checks the action
against the state machine (sqms.servicedesk.transitions, 409 when illegal) and its own rules
(DomainError, 400), writes the timeline event and the audit event, and schedules notifications
for after the commit. A refused action changes nothing. Functions return the updated ticket
and also refresh the instance they were given.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.masking import validate_phone_number
from sqms.core.models import OrgUnit, User
from sqms.core.notify import notify
from sqms.core.numbering import next_number
from sqms.core.scope import unit_in_scope
from sqms.core.service_helpers import copy_saved_state, lock_in_scope, require_permission
from sqms.customers import services as customer_services
from sqms.servicedesk import signals, sla
from sqms.servicedesk.choices import (
    OPEN_STATUSES,
    Channel,
    EventType,
    Level,
    TicketKind,
    TicketStatus,
)
from sqms.servicedesk.models import Category, Ticket, TicketEvent
from sqms.servicedesk.transitions import target_status

ADD_TICKET = "servicedesk.add_ticket"
CHANGE_TICKET = "servicedesk.change_ticket"
HOLD_SLA = "servicedesk.hold_sla"
VERIFY_TICKET = "servicedesk.verify_ticket"
NUMBER_PREFIX = "SQ"

# The audit log's view of a ticket: compact, with personal fields masked by audit.snapshot.
AUDIT_FIELDS = [
    "number",
    "kind",
    "channel",
    "category",
    "title",
    "customer_name",
    "customer_phone",
    "org_unit",
    "first_contact_owner",
    "assignee",
    "handling_department",
    "impact",
    "urgency",
    "priority",
    "status",
    "sla_policy",
    "response_due_at",
    "resolve_due_at",
    "service_error",
    "service_error_reason",
    "root_cause",
    "resolution",
    "resolved_by",
    "verified_by",
    "customer_confirmed",
    "reassignment_count",
    "reopen_count",
]


# --- helpers ------------------------------------------------------------------------------


def _require(actor: Any, *permissions: str) -> None:
    require_permission(actor, permissions, _("You are not allowed to do this with tickets."))


def _lock(ticket: Ticket | int, actor: Any) -> Ticket:
    return lock_in_scope(
        Ticket, ticket, actor, related=("org_unit", "sla_policy"), missing=_("No such ticket.")
    )


_refresh = copy_saved_state


def _required_text(value: Any, field: str, message: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise DomainError(message, field=field, code="required")
    return text


def _choice(value: Any, choices: Any, field: str) -> Any:
    if value not in choices.values:
        raise DomainError(_("Select a valid choice."), field=field, code="invalid_choice")
    return choices(value)


def _event(
    ticket: Ticket,
    actor: Any,
    event_type: str,
    *,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    customer_visible: bool = False,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        event_type=event_type,
        from_status=from_status,
        to_status=to_status,
        message=message,
        customer_visible=customer_visible,
        data=data or {},
    )
    signals.announce([signals.line_of(event)])
    return event


def _audit(action: str, ticket: Ticket, actor: Any, before: dict[str, Any]) -> None:
    old, new = audit.changes(before, audit.snapshot(ticket, AUDIT_FIELDS))
    audit.record(action, ticket, actor=actor, before=old, after=new)


def ticket_url(ticket: Ticket) -> str:
    """The ticket's page, for notifications (empty if the UI's route is not installed)."""
    try:
        return reverse("ticket_detail", args=[ticket.pk])
    except NoReverseMatch:
        return ""


def _notify_later(
    recipient_ids: Iterable[int | None], actor: Any, message: Callable[[], Any], ticket: Ticket
) -> None:
    """After the commit, tell these users (never the actor about their own action)."""
    ids = {pk for pk in recipient_ids if pk is not None and pk != getattr(actor, "pk", None)}
    if not ids:
        return

    def send() -> None:
        notify(
            User.objects.filter(pk__in=ids, is_active=True),
            message,
            url=ticket_url(ticket),
            obj=ticket,
        )

    transaction.on_commit(send)


def _handler_label(assignee: User | None, department: OrgUnit | None) -> Callable[[], str]:
    """Who now handles the ticket, rendered later in each recipient's language."""

    def label() -> str:
        if assignee is not None and department is not None:
            return f"{assignee} ({department.display_name})"
        if assignee is not None:
            return str(assignee)
        return department.display_name if department is not None else ""

    return label


def _check_handler(
    actor: Any, assignee: Any, department: Any, department_field: str = "department"
) -> None:
    """An assignee is an active user in the actor's scope who may work tickets; a department
    is an active org unit in the actor's scope, and contains the assignee if both are given."""
    if assignee is not None:
        if not isinstance(assignee, User) or not assignee.is_active:
            raise DomainError(_("Choose an active user."), field="assignee")
        if assignee.org_unit is None or not unit_in_scope(actor, assignee.org_unit):
            raise DomainError(_("This user is outside your scope."), field="assignee")
        if not assignee.has_perm(CHANGE_TICKET):
            raise DomainError(_("This user cannot work on tickets."), field="assignee")
    if department is not None:
        if not isinstance(department, OrgUnit) or not department.is_active:
            raise DomainError(_("Choose an active org unit."), field=department_field)
        if not unit_in_scope(actor, department):
            raise DomainError(_("This org unit is outside your scope."), field=department_field)
        if assignee is not None and not assignee.org_unit.path.startswith(department.path):
            raise DomainError(
                _("The assignee does not belong to this department."), field="assignee"
            )


def _check_category(category: Any) -> Category | None:
    if category is None:
        return None
    if not isinstance(category, Category) or not category.is_active:
        raise DomainError(_("Choose an active problem type."), field="category")
    return category


def _require_open(ticket: Ticket) -> None:
    if ticket.status not in OPEN_STATUSES:
        raise ConflictError(
            _("This is not possible while the ticket is “%(status)s”.")
            % {"status": TicketStatus(ticket.status).label},
            code="ticket_not_open",
        )


def _transition(ticket: Ticket, action: str) -> tuple[str, str]:
    """Move the locked ticket along the state machine (ConflictError if the action does not
    fit its state); returns (from, to) for the timeline."""
    source = ticket.status
    target = target_status(source, action)
    ticket.status = target
    return source, target


def _record_transition(
    locked: Ticket,
    actor: Any,
    before: dict[str, Any],
    source: str,
    target: str,
    *,
    event_type: str = EventType.TRANSITION,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    """Save a ticket moved along the state machine, with its timeline line and audit event."""
    locked.save()
    _event(
        locked, actor, event_type, from_status=source, to_status=target, message=message, data=data
    )
    _audit(AuditAction.TRANSITION, locked, actor, before)


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
            description=description or "",
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
    return _refresh(ticket, locked)


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
        _replan_priority(locked, actor, timezone.now(), impact, urgency, (reason or "").strip())
        locked.save()
        _audit(AuditAction.UPDATE, locked, actor, before)
    return _refresh(ticket, locked)


# --- the loop -----------------------------------------------------------------------------


def respond_to_ticket(ticket: Ticket | int, *, actor: Any, message: str = "") -> Ticket:
    """The first response (响应): its time and whether it met the commitment are recorded."""
    _require(actor, CHANGE_TICKET)
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "respond")
        _end_hold(locked, actor, now)
        sla.record_response(locked, now)
        locked.sla_next_check_at = sla.next_check_at(locked)
        _record_transition(
            locked,
            actor,
            before,
            source,
            target,
            message=(message or "").strip(),
            data={
                "response_minutes": locked.response_minutes,
                "response_breached": locked.response_breached,
            },
        )
    return _refresh(ticket, locked)


def assign_ticket(
    ticket: Ticket | int,
    *,
    actor: Any,
    assignee: User | None = None,
    department: OrgUnit | None = None,
    note: str = "",
) -> Ticket:
    """Hand the ticket to a person and/or a department (转派). The first-contact owner stays
    and is told; the new assignee is told."""
    _require(actor, CHANGE_TICKET)
    if assignee is None and department is None:
        raise DomainError(_("Choose an assignee or a department."), field="assignee")
    _check_handler(actor, assignee, department)
    with transaction.atomic():
        locked = _lock(ticket, actor)
        _require_open(locked)
        old_assignee, old_department = locked.assignee_id, locked.handling_department_id
        new_assignee = getattr(assignee, "pk", None)
        new_department = getattr(department, "pk", None)
        if (old_assignee, old_department) == (new_assignee, new_department):
            raise DomainError(
                _("The ticket is already handled so."), field="assignee", code="unchanged"
            )
        before = audit.snapshot(locked, AUDIT_FIELDS)
        if old_assignee is not None or old_department is not None:
            locked.reassignment_count += 1
        locked.assignee = assignee
        locked.handling_department = department
        locked.save()
        _event(
            locked,
            actor,
            EventType.ASSIGNMENT,
            message=(note or "").strip(),
            data={
                "from_assignee": old_assignee,
                "to_assignee": new_assignee,
                "from_department": old_department,
                "to_department": new_department,
            },
        )
        _audit(AuditAction.UPDATE, locked, actor, before)
        number = locked.number
        handler = _handler_label(assignee, department)
        _notify_later(
            [locked.first_contact_owner_id],
            actor,
            lambda: (
                _("Ticket %(number)s you registered was handed over to %(handler)s.")
                % {"number": number, "handler": handler()}
            ),
            locked,
        )
        if new_assignee is not None and new_assignee != old_assignee:
            _notify_later(
                [new_assignee],
                actor,
                lambda: _("Ticket %(number)s was assigned to you.") % {"number": number},
                locked,
            )
    return _refresh(ticket, locked)


def start_ticket(ticket: Ticket | int, *, actor: Any) -> Ticket:
    """Start handling (处理); an unassigned ticket becomes the actor's."""
    _require(actor, CHANGE_TICKET)
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        source, target = _transition(locked, "start")
        took_over = locked.assignee_id is None
        if took_over:
            locked.assignee = actor
        _record_transition(
            locked,
            actor,
            before,
            source,
            target,
            data={"assignee": actor.pk} if took_over else {},
        )
    return _refresh(ticket, locked)


def pause_ticket(ticket: Ticket | int, *, actor: Any, reason: str) -> Ticket:
    """Wait for the customer: the SLA clock stops until the ticket resumes."""
    _require(actor, CHANGE_TICKET)
    reason = _required_text(reason, "reason", _("Say what the customer is asked for."))
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "pause")
        sla.pause(locked, now)
        _record_transition(
            locked,
            actor,
            before,
            source,
            target,
            message=reason,
            data={"paused_at": now.isoformat()},
        )
    return _refresh(ticket, locked)


def resume_ticket(ticket: Ticket | int, *, actor: Any) -> Ticket:
    """Resume handling: pending due times move by the time spent waiting."""
    _require(actor, CHANGE_TICKET)
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "resume")
        spell = sla.resume(locked, now)
        _record_transition(locked, actor, before, source, target, data=spell)
    return _refresh(ticket, locked)


def hold_sla(ticket: Ticket | int, *, actor: Any, reason: str) -> Ticket:
    """Stop the SLA clock without changing the status, for a cause outside the ticket (an
    emergency's outage, say): pending due times move on by the time held once released."""
    _require(actor, HOLD_SLA)
    reason = _required_text(reason, "reason", _("Say why the SLA clock is held."))
    with transaction.atomic():
        locked = _lock(ticket, actor)
        if locked.status not in OPEN_STATUSES or locked.paused_at is not None:
            raise ConflictError(_("The SLA clock of this ticket is not running."))
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        sla.pause(locked, now)
        _record_transition(
            locked,
            actor,
            before,
            locked.status,
            locked.status,
            event_type=EventType.SLA_HOLD,
            message=reason,
            data={"paused_at": now.isoformat()},
        )
    return _refresh(ticket, locked)


def _end_hold(locked: Ticket, actor: Any, now: datetime) -> None:
    """Responding and resolving end an SLA hold first, so the facts they record leave it out."""
    if locked.paused_at is not None and locked.status != TicketStatus.WAITING_CUSTOMER:
        _event(locked, actor, EventType.SLA_RELEASE, data=sla.resume(locked, now))


def release_sla_hold(ticket: Ticket | int, *, actor: Any) -> Ticket:
    """Restart a held SLA clock (resuming a ticket that waits for the customer does that)."""
    _require(actor, HOLD_SLA)
    with transaction.atomic():
        locked = _lock(ticket, actor)
        held = locked.paused_at is not None and locked.status in OPEN_STATUSES
        if not held or locked.status == TicketStatus.WAITING_CUSTOMER:
            raise ConflictError(_("This ticket's SLA clock is not held."))
        before = audit.snapshot(locked, AUDIT_FIELDS)
        spell = sla.resume(locked, timezone.now())
        _record_transition(
            locked,
            actor,
            before,
            locked.status,
            locked.status,
            event_type=EventType.SLA_RELEASE,
            data=spell,
        )
    return _refresh(ticket, locked)


def resolve_ticket(
    ticket: Ticket | int,
    *,
    actor: Any,
    resolution: str,
    root_cause: str = "",
    service_error: bool = False,
    service_error_reason: str = "",
) -> Ticket:
    """Resolve: the resolution text is required; a service error (服务差错) needs its reason.
    Resolution time and breach are recorded; the first-contact owner is told."""
    _require(actor, CHANGE_TICKET)
    resolution = _required_text(resolution, "resolution", _("Describe the resolution."))
    service_error_reason = (service_error_reason or "").strip()
    if service_error and not service_error_reason:
        raise DomainError(
            _("Give the reason for the service error."),
            field="service_error_reason",
            code="required",
        )
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "resolve")
        locked.resolution = resolution
        locked.root_cause = (root_cause or "").strip()
        locked.service_error = bool(service_error)
        locked.service_error_reason = service_error_reason if service_error else ""
        locked.resolved_by = actor
        locked.verified_by, locked.verified_at = None, None
        _end_hold(locked, actor, now)
        sla.record_resolution(locked, now)
        locked.sla_next_check_at = sla.next_check_at(locked)
        _record_transition(
            locked,
            actor,
            before,
            source,
            target,
            message=resolution,
            data={
                "resolve_minutes": locked.resolve_minutes,
                "resolve_breached": locked.resolve_breached,
                "service_error": locked.service_error,
            },
        )
        number = locked.number
        _notify_later(
            [locked.first_contact_owner_id],
            actor,
            lambda: _("Ticket %(number)s you registered was resolved.") % {"number": number},
            locked,
        )
    return _refresh(ticket, locked)


def verify_resolution(ticket: Ticket | int, *, actor: Any, note: str = "") -> Ticket:
    """Verify (验证) a resolution: someone other than the resolver, with the verify permission."""
    _require(actor, VERIFY_TICKET)
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "verify")
        if locked.resolved_by_id == actor.pk:
            raise DomainError(
                _("A resolution must be verified by someone other than its resolver."),
                code="same_person",
            )
        locked.verified_by = actor
        locked.verified_at = now
        _record_transition(locked, actor, before, source, target, message=(note or "").strip())
    return _refresh(ticket, locked)


def _back_to_work(locked: Ticket, now: datetime) -> dict[str, Any]:
    """Send back or reopen: the time since the resolution does not count against the
    commitment, which resumes with the minutes it had left."""
    spell = sla.resume(locked, now, since=locked.resolved_at or now)
    locked.verified_by, locked.verified_at = None, None
    locked.closed_at = None
    return spell


def send_back_resolution(ticket: Ticket | int, *, actor: Any, reason: str) -> Ticket:
    """The verifier refuses the resolution: back to handling, with the reason."""
    _require(actor, VERIFY_TICKET)
    reason = _required_text(reason, "reason", _("Say why the resolution is sent back."))
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "send_back")
        spell = _back_to_work(locked, now)
        _record_transition(locked, actor, before, source, target, message=reason, data=spell)
        number = locked.number
        _notify_later(
            [locked.assignee_id, locked.resolved_by_id],
            actor,
            lambda: _("The resolution of ticket %(number)s was sent back.") % {"number": number},
            locked,
        )
    return _refresh(ticket, locked)


def record_feedback(ticket: Ticket | int, *, actor: Any, confirmed: bool, note: str = "") -> Ticket:
    """Customer feedback (反馈): satisfied closes the ticket; not satisfied reopens it."""
    _require(actor, CHANGE_TICKET)
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "confirm" if confirmed else "reopen")
        locked.customer_confirmed = bool(confirmed)
        data: dict[str, Any] = {"confirmed": bool(confirmed)}
        if confirmed:
            locked.closed_at = now
        else:
            locked.reopen_count += 1
            data.update(_back_to_work(locked, now))
        _record_transition(
            locked,
            actor,
            before,
            source,
            target,
            event_type=EventType.FEEDBACK,
            message=(note or "").strip(),
            data=data,
        )
        number = locked.number
        recipients: list[int | None] = [locked.first_contact_owner_id]
        if confirmed:
            text = gettext_lazy("Ticket %(number)s you registered was closed.")
        else:
            recipients.append(locked.assignee_id)
            text = gettext_lazy("Ticket %(number)s was reopened: the customer is not satisfied.")

        def message() -> str:
            return str(text) % {"number": number}

        _notify_later(recipients, actor, message, locked)
    return _refresh(ticket, locked)


def close_ticket(ticket: Ticket | int, *, actor: Any, note: str = "") -> Ticket:
    """Archive (归档) a verified ticket without customer feedback (e.g. no reply in time)."""
    _require(actor, CHANGE_TICKET)
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "close")
        locked.closed_at = now
        _record_transition(locked, actor, before, source, target, message=(note or "").strip())
        number = locked.number
        _notify_later(
            [locked.first_contact_owner_id],
            actor,
            lambda: _("Ticket %(number)s you registered was closed.") % {"number": number},
            locked,
        )
    return _refresh(ticket, locked)


def reopen_ticket(ticket: Ticket | int, *, actor: Any, reason: str) -> Ticket:
    """Reopen a resolved, verified or closed ticket; it goes back to handling."""
    _require(actor, CHANGE_TICKET)
    reason = _required_text(reason, "reason", _("Say why the ticket is reopened."))
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "reopen")
        locked.reopen_count += 1
        spell = _back_to_work(locked, now)
        _record_transition(locked, actor, before, source, target, message=reason, data=spell)
        number = locked.number
        _notify_later(
            [locked.first_contact_owner_id, locked.assignee_id],
            actor,
            lambda: _("Ticket %(number)s was reopened.") % {"number": number},
            locked,
        )
    return _refresh(ticket, locked)


def add_comment(
    ticket: Ticket | int, *, actor: Any, text: str, customer_visible: bool = False
) -> TicketEvent:
    """A comment on the timeline: internal, or visible to the customer."""
    _require(actor, CHANGE_TICKET, VERIFY_TICKET)
    text = _required_text(text, "text", _("Write the comment."))
    with transaction.atomic():
        locked = _lock(ticket, actor)
        event = _event(
            locked, actor, EventType.COMMENT, message=text, customer_visible=bool(customer_visible)
        )
        audit.record(
            AuditAction.UPDATE,
            locked,
            actor=actor,
            after={"comment": event.pk, "customer_visible": event.customer_visible},
        )
    return event
