"""Notification templates: one text per event, transport and language, edited by admins."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.choices import Language
from sqms.core.models import TimeStampedModel
from sqms.notifications.choices import NotifyEvent, Transport


class NotificationTemplate(TimeStampedModel):
    """Django template syntax over a small whitelisted context (see ..rendering)."""

    event = models.CharField(_("event"), max_length=30, choices=NotifyEvent.choices)
    transport = models.CharField(_("transport"), max_length=10, choices=Transport.choices)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("An inactive template sends nothing for its event, transport and language."),
    )

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["event", "transport", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "transport", "language"],
                name="notifications_template_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} · {self.get_transport_display()} · {self.language}"
