"""Retention rules per record type and the log of what retention and erasure destroyed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.customers.choices import RecordType, RetentionAction

# Service records are kept at least two years (DESIGN.md, "Data protection").
MIN_SERVICE_RETENTION_DAYS = 730


class RetentionRule(models.Model):
    record_type = models.CharField(
        _("record type"), max_length=30, choices=RecordType.choices, unique=True
    )
    action = models.CharField(
        _("action"),
        max_length=20,
        choices=RetentionAction.choices,
        default=RetentionAction.ANONYMISE,
    )
    retention_days = models.PositiveIntegerField(
        _("retention (days)"), default=MIN_SERVICE_RETENTION_DAYS
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        ordering = ["record_type"]

    def __str__(self) -> str:
        return str(self.get_record_type_display())


class DestructionLog(models.Model):
    """One run of one rule (or one erasure): what, how many, when, under which rule."""

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    rule = models.ForeignKey(
        RetentionRule,
        verbose_name=_("rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    record_type = models.CharField(_("record type"), max_length=30, choices=RecordType.choices)
    action = models.CharField(_("action"), max_length=20, choices=RetentionAction.choices)
    affected = models.PositiveIntegerField(_("records"))
    cutoff = models.DateTimeField(_("cut-off"), null=True, blank=True)
    # Record numbers only (customer and ticket numbers), never personal data.
    references = models.JSONField(_("records affected"), default=list, blank=True)
    erasure = models.BooleanField(_("erasure request"), default=False)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("destruction log entry")
        verbose_name_plural = _("destruction log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.record_type} {self.affected} {self.created_at:%Y-%m-%d}"
