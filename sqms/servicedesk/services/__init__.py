"""Every state change of a ticket: registration and each step of the closed service loop.

Each function runs in one transaction, re-reads and locks the ticket row, checks the action
against the state machine (sqms.servicedesk.transitions, 409 when illegal) and its own rules
(DomainError, 400), writes the timeline event and the audit event, and schedules notifications
for after the commit. A refused action changes nothing. Functions return the updated ticket
and also refresh the instance they were given.
"""

from sqms.servicedesk.services.common import (
    ADD_TICKET,
    AUDIT_FIELDS,
    CHANGE_TICKET,
    HOLD_SLA,
    NUMBER_PREFIX,
    TEXT_LIMIT,
    VERIFY_TICKET,
    clean_text,
    ticket_url,
)
from sqms.servicedesk.services.holds import (
    hold_sla,
    release_sla_hold,
)
from sqms.servicedesk.services.loop import (
    add_comment,
    assign_ticket,
    close_ticket,
    pause_ticket,
    record_feedback,
    reopen_ticket,
    resolve_ticket,
    respond_to_ticket,
    resume_ticket,
    send_back_resolution,
    start_ticket,
    verify_resolution,
)
from sqms.servicedesk.services.registration import (
    change_priority,
    register_ticket,
    triage_ticket,
)

__all__ = [
    "ADD_TICKET",
    "AUDIT_FIELDS",
    "CHANGE_TICKET",
    "HOLD_SLA",
    "NUMBER_PREFIX",
    "TEXT_LIMIT",
    "VERIFY_TICKET",
    "add_comment",
    "assign_ticket",
    "change_priority",
    "clean_text",
    "close_ticket",
    "hold_sla",
    "pause_ticket",
    "record_feedback",
    "register_ticket",
    "release_sla_hold",
    "reopen_ticket",
    "resolve_ticket",
    "respond_to_ticket",
    "resume_ticket",
    "send_back_resolution",
    "start_ticket",
    "ticket_url",
    "triage_ticket",
    "verify_resolution",
]
