"""Permission- and scope-checked fetches of tickets: what views, the API and tasks read through."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.servicedesk.models import Ticket, TicketQuerySet

VIEW_TICKET = "servicedesk.view_ticket"

# What a ticket list shows in each row: one join per column instead of a query per row.
LIST_RELATED = (
    "org_unit",
    "category",
    "first_contact_owner",
    "assignee",
    "handling_department",
    "sla_policy",
)


def visible_tickets(user: Any) -> TicketQuerySet:
    """The tickets `user` may see (none without the view permission), ready for a list."""
    if not user.is_authenticated or not user.has_perm(VIEW_TICKET):
        return Ticket.objects.none()
    return Ticket.objects.visible_to(user).select_related(*LIST_RELATED)


def access_ticket(user: Any, pk: Any, *, for_update: bool = False) -> Ticket:
    """One ticket in the user's scope; 404 outside it (its existence is not revealed), 403
    without the view permission. `for_update` locks the row until the transaction ends."""
    if not user.is_authenticated or not user.has_perm(VIEW_TICKET):
        raise PermissionDenied(_("You may not view tickets."))
    queryset = Ticket.objects.visible_to(user)
    if for_update:
        # Lock only the ticket row: PostgreSQL refuses FOR UPDATE on the nullable side of the
        # outer joins that select_related and the scope filter add.
        queryset = queryset.select_for_update(of=("self",)).select_related("org_unit")
    else:
        queryset = queryset.select_related(*LIST_RELATED)
    try:
        return queryset.get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such ticket.")) from missing
