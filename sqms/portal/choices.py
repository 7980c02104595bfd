"""Enumerations of the portal: what a rate limit counts, and the status in customer words."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sqms.servicedesk.choices import TicketStatus


class LimitKind(models.TextChoices):
    SUBMIT_IP = "submit_ip", _("Submission from an address")
    SUBMIT_PHONE = "submit_phone", _("Submission for a phone number")
    TRACK_FAILURE_IP = "track_ip", _("Failed look-up from an address")
    MESSAGE_IP = "message_ip", _("Message from an address")


class CustomerStatus(models.TextChoices):
    """A ticket's status as the customer reads it: phases, not the desk's internal steps."""

    RECEIVED = "received", pgettext_lazy("customer status", "Received")
    HANDLING = "handling", pgettext_lazy("customer status", "Being handled")
    WAITING_FOR_YOU = "waiting", pgettext_lazy("customer status", "Waiting for your reply")
    CHECKING = "checking", pgettext_lazy("customer status", "Solution being checked")
    TO_CONFIRM = "to_confirm", pgettext_lazy("customer status", "Awaiting your confirmation")
    COMPLETED = "completed", pgettext_lazy("customer status", "Completed")


CUSTOMER_STATUS = {
    TicketStatus.NEW: CustomerStatus.RECEIVED,
    TicketStatus.TRIAGED: CustomerStatus.RECEIVED,
    TicketStatus.RESPONDED: CustomerStatus.HANDLING,
    TicketStatus.IN_PROGRESS: CustomerStatus.HANDLING,
    TicketStatus.REOPENED: CustomerStatus.HANDLING,
    TicketStatus.WAITING_CUSTOMER: CustomerStatus.WAITING_FOR_YOU,
    TicketStatus.RESOLVED: CustomerStatus.CHECKING,
    TicketStatus.VERIFIED: CustomerStatus.TO_CONFIRM,
    TicketStatus.CLOSED: CustomerStatus.COMPLETED,
}

STATUS_COLOURS = {
    CustomerStatus.RECEIVED: "secondary",
    CustomerStatus.HANDLING: "primary",
    CustomerStatus.WAITING_FOR_YOU: "warning",
    CustomerStatus.CHECKING: "info",
    CustomerStatus.TO_CONFIRM: "warning",
    CustomerStatus.COMPLETED: "success",
}


def customer_status(status: str) -> CustomerStatus:
    return CUSTOMER_STATUS.get(status, CustomerStatus.HANDLING)  # type: ignore[call-overload]
