"""Enumerations of the service desk, with zh-Hans/English labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class TicketKind(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation")
    BUSINESS = "business", _("Business request")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")
    FAULT = "fault", _("Fault report")


class Channel(models.TextChoices):
    COUNTER = "counter", _("Service hall counter")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WEB = "web", _("Website / portal")
    APP = "app", _("App")
    WECHAT = "wechat", _("WeChat")
    SOCIAL = "social", _("Social media")
    LETTER = "letter", _("Letter")
    API = "api", _("Integration (API)")


class Level(models.IntegerChoices):
    """Impact and urgency share one scale."""

    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 Critical")
    P2 = 2, _("P2 High")
    P3 = 3, _("P3 Medium")
    P4 = 4, _("P4 Normal")


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    TRIAGED = "triaged", _("Triaged")
    RESPONDED = "responded", _("Responded")
    IN_PROGRESS = "in_progress", pgettext_lazy("ticket status", "In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    VERIFIED = "verified", _("Verified")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


OPEN_STATUSES = frozenset(
    {
        TicketStatus.NEW,
        TicketStatus.TRIAGED,
        TicketStatus.RESPONDED,
        TicketStatus.IN_PROGRESS,
        TicketStatus.WAITING_CUSTOMER,
        TicketStatus.REOPENED,
    }
)


class EventType(models.TextChoices):
    CREATED = "created", _("Registered")
    TRANSITION = "transition", _("Status changed")
    COMMENT = "comment", _("Comment")
    ASSIGNMENT = "assignment", _("Assignment")
    PRIORITY = "priority", _("Priority changed")
    SLA_WARNING = "sla_warning", _("SLA warning")
    ESCALATION = "escalation", _("Escalation")
    FEEDBACK = "feedback", _("Customer feedback")
    ATTACHMENT = "attachment", _("Attachment")
    VISIT = "visit", _("Counter visit")
    SLA_HOLD = "sla_hold", _("SLA clock held")
    SLA_RELEASE = "sla_release", _("SLA clock released")
    # The conversation with the customer, on whatever channel it came or went.
    CUSTOMER_MESSAGE = "customer_message", _("Customer message")
    REPLY = "reply", _("Reply to the customer")
    NOTICE = "notice", _("Customer notification")
    SURVEY = "survey", _("Survey answer")
    REVIEW = "review", _("Ticket review")


class SlaTarget(models.TextChoices):
    RESPONSE = "response", _("First response")
    # "Resolution" alone is also a ticket's resolution text (处理结果); as a commitment it is
    # the resolving of the ticket (解决).
    RESOLUTION = "resolution", pgettext_lazy("SLA target", "Resolution")
