"""Template helpers of the service desk pages: badges for status and priority, due times."""

from datetime import datetime
from typing import Any

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from sqms.servicedesk.choices import EventType, Priority, TicketStatus

register = template.Library()

STATUS_STYLES = {
    TicketStatus.NEW: "text-bg-info",
    TicketStatus.TRIAGED: "text-bg-info",
    TicketStatus.RESPONDED: "text-bg-primary",
    TicketStatus.IN_PROGRESS: "text-bg-primary",
    TicketStatus.WAITING_CUSTOMER: "text-bg-warning",
    TicketStatus.RESOLVED: "text-bg-success",
    TicketStatus.VERIFIED: "text-bg-success",
    TicketStatus.CLOSED: "text-bg-dark",
    TicketStatus.REOPENED: "text-bg-danger",
}

PRIORITY_STYLES = {
    Priority.P1: "text-bg-danger",
    Priority.P2: "text-bg-warning",
    Priority.P3: "text-bg-info",
    Priority.P4: "text-bg-secondary",
}

EVENT_ICONS = {
    EventType.CREATED: "plus-circle",
    EventType.TRANSITION: "arrow-right-circle",
    EventType.COMMENT: "chat-left-text",
    EventType.ASSIGNMENT: "person-check",
    EventType.PRIORITY: "flag",
    EventType.SLA_WARNING: "alarm",
    EventType.ESCALATION: "exclamation-octagon",
    EventType.FEEDBACK: "emoji-smile",
    EventType.ATTACHMENT: "paperclip",
    EventType.VISIT: "shop",
}


@register.simple_tag
def status_badge(status: str) -> SafeString:
    label: Any
    try:
        label = TicketStatus(status).label
    except ValueError:
        label = status
    style = STATUS_STYLES.get(status, "text-bg-secondary")  # type: ignore[call-overload]
    return format_html('<span class="badge {}" data-status="{}">{}</span>', style, status, label)


@register.simple_tag
def priority_badge(priority: int) -> SafeString:
    label: Any
    try:
        short = f"P{Priority(priority).value}"
        label = Priority(priority).label
    except ValueError:
        short = label = str(priority)
    style = PRIORITY_STYLES.get(priority, "text-bg-secondary")  # type: ignore[call-overload]
    return format_html(
        '<span class="badge {}" title="{}" data-priority="{}">{}</span>',
        style,
        label,
        priority,
        short,
    )


@register.filter
def moment(value: datetime | None) -> str:
    """A time in a list: month, day and time within this year, with the year otherwise, so
    a ticket overdue since last year does not read as due this year."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    this_year = local.year == timezone.localtime().year
    return dateformat.format(local, "m-d H:i" if this_year else "Y-m-d H:i")


@register.filter
def event_icon(event_type: str) -> str:
    return EVENT_ICONS.get(event_type, "dot")  # type: ignore[call-overload]


def humanise_minutes(minutes: int) -> str:
    """A duration for people in a hurry: "2 d 3 h", "3 h 5 min", "12 min"."""
    minutes = abs(int(minutes))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": mins}
    return _("%(minutes)d min") % {"minutes": mins}


@register.simple_tag
def remaining(
    due: datetime | None, now: datetime | None = None, paused_at: Any = None
) -> SafeString:
    """Time left until `due` ("in 2 h 5 min") or past it ("overdue by 12 min"); a paused clock
    counts from when it stopped."""
    if due is None:
        return format_html('<span class="text-body-secondary">{}</span>', "—")
    reference = paused_at or now or timezone.now()
    seconds = (due - reference).total_seconds()
    minutes = int(seconds // 60) if seconds >= 0 else -int(-seconds // 60)
    if seconds < 0:
        return format_html(
            '<span class="text-danger fw-semibold" data-overdue="1">{}</span>',
            _("overdue by %(time)s") % {"time": humanise_minutes(max(1, -minutes))},
        )
    text = _("in %(time)s") % {"time": humanise_minutes(minutes)}
    if paused_at:
        text = _("%(time)s left, paused") % {"time": humanise_minutes(minutes)}
    return format_html('<span class="text-body-secondary">{}</span>', text)
