"""Enumerations of customer notifications: events, transports and delivery states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotifyEvent(models.TextChoices):
    """What a customer is told about (one template per event, transport and language)."""

    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of a request")
    ASSIGNMENT = "assignment", _("Request handed to a department")
    SLA_WARNING = "sla_warning", _("Request taking longer than planned")
    ESCALATION = "escalation", _("Request escalated")
    RESOLUTION = "resolution", _("Request resolved: please confirm")
    REPLY = "reply", _("Reply from an agent")
    SURVEY_INVITATION = "survey_invitation", _("Satisfaction survey invitation")
    INCIDENT_NOTICE = "incident_notice", _("Service incident notice")


class Transport(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS / IM gateway")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    GAVE_UP = "gave_up", _("Failed, gave up")


STATUS_COLOURS: dict[str, str] = {
    MessageStatus.QUEUED: "secondary",
    MessageStatus.SENT: "success",
    MessageStatus.FAILED: "warning",
    MessageStatus.GAVE_UP: "danger",
}

# Statuses an operator may send again by hand.
RETRYABLE = frozenset({MessageStatus.FAILED, MessageStatus.GAVE_UP})
