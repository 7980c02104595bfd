"""Rate-limit hits (one row per counted request, shared by every process through the database)
and the version of each ticket's tracking link (raising it revokes the links already sent)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.portal.choices import LimitKind


class LimitHit(models.Model):
    """One counted request. `key` is a keyed hash of the address or phone number: the table
    holds no personal data in clear. Old rows are pruned by a periodic task."""

    kind = models.CharField(_("kind"), max_length=20, choices=LimitKind.choices)
    key = models.CharField(_("key"), max_length=64)
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("rate-limit hit")
        verbose_name_plural = _("rate-limit hits")
        indexes = [models.Index(fields=["kind", "key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class TrackingLinkVersion(models.Model):
    """A ticket's tracking links carry this version; a ticket without a row is at version 0."""

    ticket = models.OneToOneField(
        "servicedesk.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("tracking link version")
        verbose_name_plural = _("tracking link versions")

    def __str__(self) -> str:
        return f"{self.ticket_id} v{self.version}"
