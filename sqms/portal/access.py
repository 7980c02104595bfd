"""Which tickets this browser session may see: those it submitted or opened with number and
phone or with a signed link. No accounts; the grant lives in the session."""

from django.http import HttpRequest

from sqms.servicedesk.models import Ticket

SESSION_KEY = "sqms_portal_tickets"
# A session remembers this many tickets (the newest).
SESSION_MAX = 20


def grant(request: HttpRequest, ticket: Ticket) -> None:
    ids = [pk for pk in request.session.get(SESSION_KEY, []) if pk != ticket.pk]
    ids.append(ticket.pk)
    request.session[SESSION_KEY] = ids[-SESSION_MAX:]
    # A fresh session key for the granted session: no fixation of an earlier one.
    request.session.cycle_key()


def granted_ticket(request: HttpRequest, number: str) -> Ticket | None:
    """The ticket of `number` if this session may see it."""
    ids = request.session.get(SESSION_KEY, [])
    if not ids:
        return None
    return (
        Ticket.objects.filter(pk__in=ids, number=(number or "").strip().upper())
        .select_related("org_unit")
        .first()
    )
