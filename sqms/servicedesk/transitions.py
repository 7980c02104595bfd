"""The ticket state machine, declared once: which action moves a ticket from which states.

Services call `target_status(ticket, action)` before changing anything; an action that is not
allowed from the ticket's current state raises ConflictError (HTTP 409) and changes nothing.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sqms.core.errors import ConflictError
from sqms.servicedesk.choices import TicketStatus as S

# action: (allowed from, moves to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "triage": (frozenset({S.NEW}), S.TRIAGED),
    "respond": (frozenset({S.NEW, S.TRIAGED}), S.RESPONDED),
    "start": (frozenset({S.RESPONDED, S.REOPENED}), S.IN_PROGRESS),
    "pause": (frozenset({S.IN_PROGRESS}), S.WAITING_CUSTOMER),
    "resume": (frozenset({S.WAITING_CUSTOMER}), S.IN_PROGRESS),
    "resolve": (frozenset({S.RESPONDED, S.IN_PROGRESS}), S.RESOLVED),
    "verify": (frozenset({S.RESOLVED}), S.VERIFIED),
    "send_back": (frozenset({S.RESOLVED}), S.IN_PROGRESS),
    "confirm": (frozenset({S.VERIFIED}), S.CLOSED),  # customer feedback: satisfied
    "close": (frozenset({S.VERIFIED}), S.CLOSED),  # archived without feedback (timeout)
    "reopen": (frozenset({S.RESOLVED, S.VERIFIED, S.CLOSED}), S.REOPENED),
}

ACTION_LABELS = {
    "triage": gettext_lazy("Classify"),
    "respond": gettext_lazy("Respond"),
    "start": gettext_lazy("Start handling"),
    "pause": gettext_lazy("Wait for customer"),
    "resume": gettext_lazy("Resume"),
    "resolve": gettext_lazy("Resolve"),
    "verify": gettext_lazy("Verify"),
    "send_back": gettext_lazy("Send back"),
    "confirm": gettext_lazy("Record feedback"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
}


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]


def target_status(current: str, action: str) -> str:
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise ConflictError(
            _("“%(action)s” is not possible while the ticket is “%(status)s”.")
            % {"action": ACTION_LABELS[action], "status": S(current).label},
            code="illegal_transition",
        )
    return target
