"""The intake card on the ticket page: the e-mails and deliveries that made or joined it."""

from typing import Any

from django.http import HttpRequest

from sqms.intake.access import visible_messages

SHOWN = 10


def ticket_messages(request: HttpRequest, ticket: Any) -> dict[str, Any] | None:
    """The ticket's inbound messages the user may see; hidden when there are none."""
    messages = list(
        visible_messages(request.user).filter(ticket=ticket).order_by("-created_at")[:SHOWN]
    )
    return {"messages": messages} if messages else None


def register_sections() -> None:
    from sqms.servicedesk import extensions

    extensions.register_ticket_section(
        extensions.Section(
            key="intake_messages",
            template="intake/_ticket_section.html",
            context=ticket_messages,
            place="side",
            order=300,
        )
    )
