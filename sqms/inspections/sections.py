"""The ticket page's side card: the reviews of the ticket, for users who may see them."""

from typing import Any

from django.http import HttpRequest


def ticket_review_section(request: HttpRequest, ticket: Any) -> dict[str, Any] | None:
    from sqms.inspections.access import visible_reviews

    user = request.user
    if not user.is_authenticated or not user.has_perm("inspections.view_ticketreview"):
        return None
    reviews = list(visible_reviews(user).filter(ticket_id=ticket.pk).order_by("-created_at")[:5])
    if not reviews:
        return None
    return {"reviews": reviews}


def register_sections() -> None:
    from sqms.servicedesk import extensions

    extensions.register_ticket_section(
        extensions.Section(
            key="inspections_review",
            template="inspections/_ticket_review_section.html",
            context=ticket_review_section,
            place="side",
            order=60,
        )
    )
