"""SLA holds: the clock stopped for a cause outside the ticket, without a status change."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.errors import ConflictError
from sqms.core.service_helpers import copy_saved_state
from sqms.servicedesk import sla
from sqms.servicedesk.choices import (
    OPEN_STATUSES,
    EventType,
    TicketStatus,
)
from sqms.servicedesk.models import Ticket
from sqms.servicedesk.services.common import (
    AUDIT_FIELDS,
    HOLD_SLA,
    _event,
    _lock,
    _record_transition,
    _require,
    _required_text,
)


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
    return copy_saved_state(ticket, locked)


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
    return copy_saved_state(ticket, locked)
