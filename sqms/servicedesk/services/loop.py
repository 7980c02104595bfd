"""The steps of the closed service loop after registration: respond, assign, start, wait,
resolve, verify, feedback, close, reopen, and comments."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.models import OrgUnit, User
from sqms.core.service_helpers import copy_saved_state
from sqms.servicedesk import sla
from sqms.servicedesk.choices import EventType
from sqms.servicedesk.models import Ticket, TicketEvent
from sqms.servicedesk.services.common import (
    AUDIT_FIELDS,
    CHANGE_TICKET,
    VERIFY_TICKET,
    _audit,
    _check_handler,
    _event,
    _handler_label,
    _lock,
    _notify_later,
    _record_transition,
    _require,
    _require_open,
    _required_text,
    _transition,
    clean_text,
)
from sqms.servicedesk.services.holds import _end_hold

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
            message=clean_text(message, "message"),
            data={
                "response_minutes": locked.response_minutes,
                "response_breached": locked.response_breached,
            },
        )
    return copy_saved_state(ticket, locked)


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
            message=clean_text(note, "note"),
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
    return copy_saved_state(ticket, locked)


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
    return copy_saved_state(ticket, locked)


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
    return copy_saved_state(ticket, locked)


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
    return copy_saved_state(ticket, locked)


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
    service_error_reason = clean_text(service_error_reason, "service_error_reason")
    root_cause = clean_text(root_cause, "root_cause")
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
        locked.root_cause = root_cause
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
    return copy_saved_state(ticket, locked)


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
        _record_transition(locked, actor, before, source, target, message=clean_text(note, "note"))
    return copy_saved_state(ticket, locked)


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
        if locked.resolved_by_id == actor.pk:
            # Sending back is the verifier's refusal: the resolver reopens instead.
            raise DomainError(
                _("A resolution must be verified by someone other than its resolver."),
                code="same_person",
            )
        spell = _back_to_work(locked, now)
        _record_transition(locked, actor, before, source, target, message=reason, data=spell)
        number = locked.number
        _notify_later(
            [locked.assignee_id, locked.resolved_by_id],
            actor,
            lambda: _("The resolution of ticket %(number)s was sent back.") % {"number": number},
            locked,
        )
    return copy_saved_state(ticket, locked)


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
            message=clean_text(note, "note"),
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
    return copy_saved_state(ticket, locked)


def close_ticket(ticket: Ticket | int, *, actor: Any, note: str = "") -> Ticket:
    """Archive (归档) a verified ticket without customer feedback (e.g. no reply in time)."""
    _require(actor, CHANGE_TICKET)
    with transaction.atomic():
        locked = _lock(ticket, actor)
        before = audit.snapshot(locked, AUDIT_FIELDS)
        now = timezone.now()
        source, target = _transition(locked, "close")
        locked.closed_at = now
        _record_transition(locked, actor, before, source, target, message=clean_text(note, "note"))
        number = locked.number
        _notify_later(
            [locked.first_contact_owner_id],
            actor,
            lambda: _("Ticket %(number)s you registered was closed.") % {"number": number},
            locked,
        )
    return copy_saved_state(ticket, locked)


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
        # A confirmation was of the resolution now withdrawn: the next one has no feedback yet.
        locked.customer_confirmed = None
        spell = _back_to_work(locked, now)
        _record_transition(locked, actor, before, source, target, message=reason, data=spell)
        number = locked.number
        _notify_later(
            [locked.first_contact_owner_id, locked.assignee_id],
            actor,
            lambda: _("Ticket %(number)s was reopened.") % {"number": number},
            locked,
        )
    return copy_saved_state(ticket, locked)


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
