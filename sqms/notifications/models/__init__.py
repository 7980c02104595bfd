"""Models of customer notifications: message templates and the outbound messages sent."""

from sqms.notifications.models.messages import OutboundMessage, OutboundMessageQuerySet
from sqms.notifications.models.templates import NotificationTemplate

__all__ = ["NotificationTemplate", "OutboundMessage", "OutboundMessageQuerySet"]
