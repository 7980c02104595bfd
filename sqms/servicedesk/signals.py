"""What other apps hear from the service desk: the timeline lines of each committed change.

    from sqms.servicedesk.signals import ticket_events

    def on_events(sender, events, **kwargs):  # events: list[TimelineLine]
        ...

    ticket_events.connect(on_events)

The signal goes out after the transaction that wrote the lines commits (a rolled-back change
tells nobody) and a receiver's failure is logged, never raised into the service desk: customer
notifications, survey invitations and the like must not undo or break a ticket change.
"""

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

ticket_events = Signal()


@dataclass(frozen=True)
class TimelineLine:
    ticket_id: int
    event_type: str
    actor_id: int | None = None
    from_status: str = ""
    to_status: str = ""
    message: str = ""
    customer_visible: bool = False
    data: dict[str, Any] = field(default_factory=dict)
    event_id: int | None = None


def line_of(event: Any) -> TimelineLine:
    """The line of a saved TicketEvent."""
    return TimelineLine(
        ticket_id=event.ticket_id,
        event_type=event.event_type,
        actor_id=event.actor_id,
        from_status=event.from_status,
        to_status=event.to_status,
        message=event.message,
        customer_visible=event.customer_visible,
        data=event.data or {},
        event_id=event.pk,
    )


def announce(lines: list[TimelineLine]) -> None:
    """Send `lines` to the receivers once the current transaction commits."""
    if lines and ticket_events.receivers:
        transaction.on_commit(lambda: _send(lines))


def _send(lines: list[TimelineLine]) -> None:
    for receiver, result in ticket_events.send_robust(sender=TimelineLine, events=lines):
        if isinstance(result, Exception):
            logger.error(
                "ticket_events receiver %r failed", receiver, exc_info=(type(result), result, None)
            )
