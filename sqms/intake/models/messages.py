"""Every inbound message, stored before it is processed, with what became of it."""

import base64
from typing import Any, ClassVar, cast

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sqms.core.fields import BlindIndexField, EncryptedCharField, EncryptedTextField
from sqms.core.masking import mask_email, normalise_email
from sqms.core.models.base import TimeStampedModel
from sqms.core.scope import sees_all_units, unit_scope_filter
from sqms.intake.choices import STATUS_COLOURS, MessageStatus, Source


class InboundMessageQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> "InboundMessageQuerySet":
        # Messages without a unit (unknown recipient) are for those who see every unit.
        if user.is_authenticated and user.is_active and sees_all_units(user):
            return self
        return cast(InboundMessageQuerySet, self.filter(unit_scope_filter(user, "org_unit")))


InboundMessageManager = models.Manager.from_queryset(InboundMessageQuerySet)


class InboundMessage(TimeStampedModel):
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.RECEIVED
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    mailbox = models.ForeignKey(
        "intake.Mailbox",
        verbose_name=_("mailbox"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    integration = models.ForeignKey(
        "intake.Integration",
        verbose_name=_("integration"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    # The whole message as received (MIME bytes or the webhook body), base64 inside an
    # encrypted column: it carries personal data, it commits with its row (no file that can
    # go missing between the two), and backups and key rotation cover it like any other field.
    raw = EncryptedTextField(_("raw message"), blank=True, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    sender = EncryptedCharField(_("sender"), max_length=254, blank=True, mask=mask_email)
    sender_index = BlindIndexField(source="sender", normaliser=normalise_email, db_index=False)
    # The SMTP envelope had an empty MAIL FROM (<>): what bounces and receipts use.
    null_sender = models.BooleanField(_("null sender"), default=False)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # Webhooks: the delivery's idempotency key and signature (replays are refused).
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, blank=True)
    signature = models.CharField(max_length=64, blank=True, editable=False)
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    event = models.ForeignKey(
        "servicedesk.TicketEvent",
        verbose_name=_("timeline entry"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # [{"name": ..., "reason": ...}] for attachments that were not kept.
    refused_attachments = models.JSONField(_("refused attachments"), default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    objects: ClassVar[InboundMessageManager] = InboundMessageManager()

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-created_at", "-id"]
        permissions = [("process_inboundmessage", _("Can decide about inbound messages"))]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "message_id"],
                condition=~Q(message_id=""),
                name="intake_message_id_per_mailbox",
            ),
            models.UniqueConstraint(
                fields=["integration", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="intake_idempotency_per_integration",
            ),
            models.UniqueConstraint(
                fields=["integration", "signature"],
                condition=~Q(signature=""),
                name="intake_signature_once",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="intake_status_created"),
            models.Index(fields=["integration", "created_at"], name="intake_integration_created"),
            models.Index(fields=["sender_index"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject or self.get_source_display()}"

    @property
    def raw_bytes(self) -> bytes:
        return base64.b64decode(self.raw) if self.raw else b""

    @raw_bytes.setter
    def raw_bytes(self, value: bytes) -> None:
        self.raw = base64.b64encode(value).decode("ascii") if value else ""
        self.size = len(value)

    @property
    def sender_masked(self) -> str:
        return mask_email(self.sender)

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(MessageStatus(self.status), "secondary")
