"""Outbound messages to customers: one row per notification, with its delivery state."""

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.fields import EncryptedCharField
from sqms.core.masking import mask_email, mask_phone
from sqms.core.models import ScopedQuerySet, TimeStampedModel
from sqms.notifications.choices import STATUS_COLOURS, MessageStatus, NotifyEvent, Transport


def mask_address(value: str) -> str:
    """An e-mail address or a phone number, masked as lists show them."""
    if not value:
        return ""
    return mask_email(value) if "@" in value else mask_phone(value)


class OutboundMessageQuerySet(ScopedQuerySet):
    pass


OutboundMessageManager = models.Manager.from_queryset(OutboundMessageQuerySet)


class OutboundMessage(TimeStampedModel):
    # The unit of the ticket (or customer) it concerns: scope of the message list. Empty for a
    # message to a bare address, which only users who see every unit see.
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_messages",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    event = models.CharField(_("event"), max_length=30, choices=NotifyEvent.choices)
    transport = models.CharField(_("transport"), max_length=10, choices=Transport.choices)
    # The customer's channel the gateway should use (sms, wechat, app …); e-mail needs none.
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    recipient = EncryptedCharField(_("recipient"), max_length=254, mask=mask_address)
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("sending attempts"), default=0)
    next_attempt_at = models.DateTimeField(
        _("next attempt at"), null=True, blank=True, db_index=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=250, blank=True)
    notice_event = models.ForeignKey(
        "servicedesk.TicketEvent",
        verbose_name=_("timeline line"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects: ClassVar[Any] = OutboundMessageManager()

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-id"]
        permissions = [("retry_outboundmessage", _("Can send failed messages again"))]
        indexes = [models.Index(fields=["ticket", "event", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.masked_recipient}"

    @property
    def masked_recipient(self) -> str:
        return mask_address(self.recipient)

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(self.status, "secondary")

    @property
    def is_retryable(self) -> bool:
        return self.status in (MessageStatus.FAILED, MessageStatus.GAVE_UP)

    def is_due(self) -> bool:
        return self.next_attempt_at is not None and self.next_attempt_at <= timezone.now()
