"""The ticket page's "Conversation" card: one thread across channels, and the reply form."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from sqms.notifications.access import conversation_lines
from sqms.notifications.choices import STATUS_COLOURS, MessageStatus, NotifyEvent, Transport
from sqms.notifications.services import CHANGE_TICKET, customer_channel

VIEW_TICKET = "servicedesk.view_ticket"


@dataclass(frozen=True)
class Entry:
    pk: int
    side: str  # customer | agent | system
    event_type: str
    author: str
    created_at: datetime
    channel: str
    text: str
    status: str
    status_label: str
    status_colour: str
    error: str
    notification: str


def channel_label(code: str) -> str:
    from sqms.servicedesk.choices import Channel

    if not code:
        return ""
    if code in Channel.values:
        return str(Channel(code).label)
    if code == "sms":
        return _("Text message")
    return code


def entry_of(line: Any) -> Entry:
    from sqms.servicedesk.choices import EventType

    data = line.data if isinstance(line.data, dict) else {}
    status = str(data.get("status") or "")
    status_label = str(MessageStatus(status).label) if status in MessageStatus.values else ""
    if line.event_type == EventType.CUSTOMER_MESSAGE:
        side, author = "customer", _("Customer")
    elif line.event_type == EventType.NOTICE:
        side, author = "system", _("Automatic notification")
    else:
        side = "agent"
        author = (line.actor.get_full_name() or line.actor.username) if line.actor else _("Staff")
    if data.get("transport") == Transport.EMAIL:
        channel = channel_label("email")
    else:
        channel = channel_label(str(data.get("channel") or ""))
    if line.event_type == EventType.COMMENT:
        channel = _("Portal")
    notification = str(data.get("notification") or "")
    notification_label = (
        str(NotifyEvent(notification).label) if notification in NotifyEvent.values else ""
    )
    return Entry(
        pk=line.pk,
        side=side,
        event_type=line.event_type,
        author=str(author),
        created_at=line.created_at,
        channel=channel,
        text=line.message,
        status=status,
        status_label=status_label,
        status_colour=STATUS_COLOURS.get(status, "secondary") if status else "",
        error=str(data.get("error") or ""),
        notification=notification_label if line.event_type == EventType.NOTICE else "",
    )


def thread(ticket: Any) -> list[Entry]:
    return [entry_of(line) for line in conversation_lines(ticket)]


def section_context(request: HttpRequest, ticket: Any) -> dict[str, Any] | None:
    """Context of the card; None (hidden) for a user who may not see the ticket."""
    user = request.user
    if not user.is_authenticated or not user.has_perm(VIEW_TICKET):
        return None
    entries = thread(ticket)
    # The page already checked that the user sees the ticket (scope or hand-over).
    may_reply = bool(user.has_perm(CHANGE_TICKET))
    channel = customer_channel(ticket) if may_reply else ""
    return {
        "ticket": ticket,
        "entries": entries,
        "may_reply": may_reply,
        "reply_channel": channel_label(channel),
    }
