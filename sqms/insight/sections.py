"""The insight cards on the registration form and the ticket page (servicedesk extensions)."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from sqms.insight.roles import USE


def registration_context(request: HttpRequest, form: Any) -> dict[str, Any] | None:
    """The panel that fetches suggestions as the agent types (the content comes by htmx)."""
    if not request.user.has_perm(USE):
        return None
    return {"url": reverse("insight_panel")}


def ticket_context(request: HttpRequest, ticket: Any) -> dict[str, Any] | None:
    if not request.user.has_perm(USE):
        return None
    # Imported here: scikit-learn takes a second to import, which every process start (the
    # worker, each command) would pay for through the app's ready().
    from sqms.insight.suggest import suggest_for_ticket

    suggestions = suggest_for_ticket(ticket, request.user, with_articles=False)
    if not suggestions.similar_tickets and not suggestions.articles:
        return None
    return {"suggestions": suggestions}
