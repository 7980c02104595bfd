"""What the ticket services share: permissions, the row lock, input checks, timeline and
audit writing, notifications after commit."""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import ConflictError, DomainError
from sqms.core.models import OrgUnit, User
from sqms.core.notify import notify
from sqms.core.scope import unit_in_scope
from sqms.core.service_helpers import lock_in_scope, require_permission
from sqms.servicedesk import signals
from sqms.servicedesk.choices import (
    OPEN_STATUSES,
    EventType,
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


# Free text a person types (description, resolution, comments, reasons): room for any account
# of a case, while a page, receipt or export of the ticket stays usable (a 200,000-character
# description made a 72-page receipt that took seconds to build).
TEXT_LIMIT = 10_000


def clean_text(value: Any, field: str) -> str:
    text = str(value or "").strip()
    if len(text) > TEXT_LIMIT:
        raise DomainError(
            _("At most %(max)d characters.") % {"max": TEXT_LIMIT}, field=field, code="max_length"
        )
    return text


def _required_text(value: Any, field: str, message: str) -> str:
    text = clean_text(value, field)
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
