"""Where inbound contacts arrive: mailboxes (by recipient address) and signed integrations."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.fields import EncryptedCharField
from sqms.core.models.base import ScopedModel
from sqms.intake.choices import IntegrationChannel, MailboxKind


class Mailbox(ScopedModel):
    """An address the mail gateway accepts: its tickets go to `org_unit`."""

    address = models.EmailField(_("address"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    default_kind = models.CharField(
        _("ticket kind"), max_length=20, choices=MailboxKind.choices, blank=True, default=""
    )
    is_default = models.BooleanField(
        _("default mailbox"),
        default=False,
        help_text=_("Mail to an unknown address of ours goes here instead of quarantine."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    def save(self, *args: object, **kwargs: object) -> None:
        self.address = (self.address or "").strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Integration(ScopedModel):
    """An app, WeChat, social or other system that posts signed webhooks."""

    name = models.CharField(_("name"), max_length=100)
    channel = models.CharField(_("channel"), max_length=20, choices=IntegrationChannel.choices)
    key_id = models.CharField(_("key id"), max_length=40, unique=True, editable=False)
    # Shown once, at creation and rotation; kept encrypted because the server must recompute
    # the HMAC (a hash of it would not do).
    secret = EncryptedCharField(_("secret"), max_length=128, editable=False)
    secret_rotated_at = models.DateTimeField(_("secret set at"), null=True, blank=True)
    default_kind = models.CharField(
        _("ticket kind"), max_length=20, choices=MailboxKind.choices, blank=True, default=""
    )
    rate_limit_per_minute = models.PositiveIntegerField(_("deliveries per minute"), default=120)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
