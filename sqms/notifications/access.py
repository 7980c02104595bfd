"""Permission- and scope-checked fetches of outbound messages, templates and conversations."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.notifications.models import NotificationTemplate, OutboundMessage

VIEW_MESSAGE = "notifications.view_outboundmessage"
VIEW_TEMPLATE = "notifications.view_notificationtemplate"
LIST_RELATED = ("ticket", "org_unit")


def visible_messages(user: Any) -> QuerySet[OutboundMessage]:
    if not user.is_authenticated or not user.has_perm(VIEW_MESSAGE):
        return OutboundMessage.objects.none()
    return OutboundMessage.objects.visible_to(user).select_related(*LIST_RELATED)


def access_message(user: Any, pk: Any) -> OutboundMessage:
    if not user.is_authenticated or not user.has_perm(VIEW_MESSAGE):
        raise PermissionDenied(_("You may not view outbound messages."))
    try:
        return visible_messages(user).get(pk=pk)
    except (OutboundMessage.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such message.")) from missing


def visible_templates(user: Any) -> QuerySet[NotificationTemplate]:
    if not user.is_authenticated or not user.has_perm(VIEW_TEMPLATE):
        return NotificationTemplate.objects.none()
    return NotificationTemplate.objects.all()


def access_template(user: Any, pk: Any) -> NotificationTemplate:
    if not user.is_authenticated or not user.has_perm(VIEW_TEMPLATE):
        raise PermissionDenied(_("You may not view notification templates."))
    try:
        return NotificationTemplate.objects.get(pk=pk)
    except (NotificationTemplate.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such template.")) from missing


def conversation_lines(ticket: Any) -> QuerySet[Any]:
    """The customer conversation of a ticket, oldest first: the customer's messages, replies,
    notifications and the comments shown to the customer."""
    from sqms.servicedesk.choices import EventType
    from sqms.servicedesk.models import TicketEvent

    return (
        TicketEvent.objects.filter(ticket=ticket)
        .filter(
            Q(
                event_type__in=[
                    EventType.CUSTOMER_MESSAGE,
                    EventType.REPLY,
                    EventType.NOTICE,
                ]
            )
            | Q(event_type=EventType.COMMENT, customer_visible=True)
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
