"""What the API offers on a ticket now: the action endpoints a user may call, and the minutes
left on its SLA commitments."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sqms.servicedesk.choices import OPEN_STATUSES
from sqms.servicedesk.models import Ticket
from sqms.servicedesk.sla import SlaClock
from sqms.servicedesk.transitions import ACTION_LABELS, TRANSITIONS

CHANGE = "servicedesk.change_ticket"
VERIFY = "servicedesk.verify_ticket"


@dataclass(frozen=True)
class Action:
    """One POST endpoint under /tickets/{id}/: its URL segment, the state-machine action it
    performs (None for actions that change no status), and the permissions of which the user
    needs one (besides view_ticket)."""

    slug: str
    label: str | Promise
    transition: str | None = None
    permissions: tuple[str, ...] = (CHANGE,)
    # For actions outside the state machine: in which states they make sense.
    available: Callable[[Ticket], bool] = lambda ticket: True


ACTIONS: tuple[Action, ...] = (
    Action("respond", ACTION_LABELS["respond"], "respond"),
    Action(
        "assign", _("Assign / transfer"), available=lambda ticket: ticket.status in OPEN_STATUSES
    ),
    Action("start", ACTION_LABELS["start"], "start"),
    Action("pause", ACTION_LABELS["pause"], "pause"),
    Action("resume", ACTION_LABELS["resume"], "resume"),
    Action("resolve", ACTION_LABELS["resolve"], "resolve"),
    Action("verify", ACTION_LABELS["verify"], "verify", (VERIFY,)),
    Action("send-back", ACTION_LABELS["send_back"], "send_back", (VERIFY,)),
    Action("feedback", ACTION_LABELS["confirm"], "confirm"),
    Action("close", ACTION_LABELS["close"], "close"),
    Action("reopen", ACTION_LABELS["reopen"], "reopen"),
    Action(
        "priority",
        _("Change priority"),
        available=lambda ticket: ticket.status in OPEN_STATUSES,
    ),
    # Verifiers (quality inspectors) comment on what they check.
    Action("comments", _("Comment"), permissions=(CHANGE, VERIFY)),
)
ACTIONS_BY_SLUG = {action.slug: action for action in ACTIONS}
ACTION_CHOICES = [action.slug for action in ACTIONS]


def actions_for(ticket: Ticket, user: Any) -> list[tuple[str, str | Promise]]:
    """The (slug, label) of each action `user` may take on `ticket` in its current state.
    The services still decide; this only spares a client from offering what would fail."""
    offered = []
    for action in ACTIONS:
        if not any(user.has_perm(name) for name in action.permissions):
            continue
        if action.transition is not None:
            if ticket.status not in TRANSITIONS[action.transition][0]:
                continue
        elif not action.available(ticket):
            continue
        if action.permissions == (VERIFY,) and ticket.resolved_by_id == user.pk:
            continue  # a resolution is verified by someone other than its resolver
        offered.append((action.slug, action.label))
    return offered


def remaining_minutes(ticket: Ticket, target: str, now: datetime, clock: SlaClock) -> int | None:
    """Minutes left until the response ("response") or resolution ("resolution") is due,
    negative once overdue, on the policy's clock (business or calendar minutes); None when the
    target is met or was never planned. While the ticket waits for the customer the clock
    stands at the moment it was paused."""
    if target == "response":
        due, met = ticket.response_due_at, ticket.responded_at
    else:
        due, met = ticket.resolve_due_at, ticket.resolved_at
    if due is None or met is not None:
        return None
    reference = ticket.paused_at or now
    if due >= reference:
        return clock.between(reference, due)
    return -clock.between(due, reference)
