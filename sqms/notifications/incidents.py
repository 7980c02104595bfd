"""Public incident notices, told to the customers whose tickets the incident affects.

The emergency app hands each public notice of a real (not drill) customer-facing incident to
the channels registered with it; this is the one that reaches customers, once per customer,
on the ticket that ties them to the incident (so it shows on that ticket's timeline).
"""

from typing import Any

from sqms.notifications.outbound import queue_customer_message


def send_outage_notice(incident: Any, notice: Any) -> int:
    """Queue the notice for each affected customer; returns how many were queued."""
    from sqms.emergency.models import IncidentTicketLink

    links = (
        IncidentTicketLink.objects.filter(incident=incident, ticket__customer__isnull=False)
        .select_related("ticket__customer", "ticket__org_unit")
        .order_by("ticket__customer_id", "-ticket__created_at")
    )
    told: set[int | None] = set()
    queued = 0
    for link in links:
        ticket = link.ticket
        if ticket.customer_id in told:
            continue
        told.add(ticket.customer_id)
        message = queue_customer_message(
            event="incident_notice",
            ticket=ticket,
            context={"title": notice.title, "message": notice.body},
        )
        queued += message is not None
    return queued
