"""SLA states of open tickets as queries (on track, warning, breached, due soon), shared by the
workspace tabs, the manager's counts and the row badges.

The sweep sets the breach flags; between sweeps a due time already passed counts as breached
too, so the pages never look better than the clock. A paused clock (waiting for the customer)
does not run out: its due times are shifted when it resumes.
"""

from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet

from sqms.servicedesk.choices import OPEN_STATUSES, TicketStatus
from sqms.servicedesk.models import Ticket

OPEN = Q(status__in=OPEN_STATUSES)
CLOCK_RUNNING = ~Q(status=TicketStatus.WAITING_CUSTOMER)


def breached_q(now: datetime) -> Q:
    overdue = Q(responded_at__isnull=True, response_due_at__lt=now) | Q(resolve_due_at__lt=now)
    return Q(response_breached=True) | Q(resolve_breached=True) | (CLOCK_RUNNING & overdue)


def warning_q(now: datetime) -> Q:
    """Past the warning share of a target but not (yet) breached."""
    reached = Q(responded_at__isnull=True, response_warn_at__lte=now) | Q(resolve_warn_at__lte=now)
    flagged = Q(response_warned=True) | Q(resolve_warned=True)
    return (flagged | (CLOCK_RUNNING & reached)) & ~breached_q(now)


def due_soon_q(now: datetime, hours: int) -> Q:
    """A running commitment falls due within `hours` (and has not been missed yet)."""
    until = now + timedelta(hours=hours)
    response = Q(responded_at__isnull=True, response_due_at__gte=now, response_due_at__lte=until)
    resolve = Q(resolve_due_at__gte=now, resolve_due_at__lte=until)
    return CLOCK_RUNNING & (response | resolve) & ~breached_q(now)


def sla_counts(tickets: QuerySet[Ticket], now: datetime) -> dict[str, int]:
    """Open tickets on track / in warning / breached / escalated, in one query."""
    breached = breached_q(now)
    warning = warning_q(now)
    return tickets.aggregate(
        open=Count("pk", filter=OPEN),
        on_track=Count("pk", filter=OPEN & ~breached & ~warning),
        warning=Count("pk", filter=OPEN & warning),
        breached=Count("pk", filter=OPEN & breached),
        escalated=Count("pk", filter=OPEN & Q(escalation_level__gt=0)),
    )


def next_due(ticket: Ticket) -> tuple[datetime | None, str]:
    """The commitment the ticket works towards now: its first response until it has one, then
    its resolution; (None, "") once it is no longer open."""
    if ticket.status not in OPEN_STATUSES:
        return None, ""
    if ticket.responded_at is None and ticket.response_due_at is not None:
        return ticket.response_due_at, "response"
    return ticket.resolve_due_at, "resolution"


def is_breached(ticket: Ticket, now: datetime) -> bool:
    """breached_q for one loaded ticket."""
    if ticket.response_breached or ticket.resolve_breached:
        return True
    due, _target = next_due(ticket)
    return bool(due and ticket.status != TicketStatus.WAITING_CUSTOMER and due < now)
