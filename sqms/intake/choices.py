"""Enumerations of the intake app: where a message came from and what became of it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    TICKET_CREATED = "ticket_created", _("Ticket created")
    APPENDED = "appended", _("Added to a ticket")
    IGNORED_AUTO_REPLY = "ignored_auto_reply", _("Ignored: auto-reply")
    IGNORED_BOUNCE = "ignored_bounce", _("Ignored: bounce")
    QUARANTINED = "quarantined", _("Quarantined")
    DEAD_LETTER = "dead_letter", _("Dead letter")
    REJECTED = "rejected", _("Rejected (invalid)")
    DISCARDED = "discarded", _("Discarded")


STATUS_COLOURS = {
    MessageStatus.RECEIVED: "secondary",
    MessageStatus.TICKET_CREATED: "success",
    MessageStatus.APPENDED: "success",
    MessageStatus.IGNORED_AUTO_REPLY: "light",
    MessageStatus.IGNORED_BOUNCE: "light",
    MessageStatus.QUARANTINED: "warning",
    MessageStatus.DEAD_LETTER: "danger",
    MessageStatus.REJECTED: "secondary",
    MessageStatus.DISCARDED: "dark",
}
# Messages a person still has to decide about.
NEEDS_ATTENTION = (MessageStatus.QUARANTINED, MessageStatus.DEAD_LETTER)
# Statuses from which "process again" is allowed.
REPROCESSABLE = (MessageStatus.RECEIVED, MessageStatus.DEAD_LETTER, MessageStatus.QUARANTINED)


class IntegrationChannel(models.TextChoices):
    """The ticket channels an integration may deliver on (a subset of servicedesk's Channel)."""

    APP = "app", _("App")
    WECHAT = "wechat", _("WeChat")
    SOCIAL = "social", _("Social media")
    API = "api", _("Integration (API)")


class MailboxKind(models.TextChoices):
    """The ticket kind a mailbox gives new tickets; "keywords" decides by the text."""

    KEYWORDS = "", _("By keywords (complaint or consultation)")
    CONSULTATION = "consultation", _("Consultation")
    BUSINESS = "business", _("Business request")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")
    FAULT = "fault", _("Fault report")
