"""A trained text model (one version of one purpose) and what became of its suggestions."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.insight.choices import Purpose


class TextModelQuerySet(models.QuerySet["TextModel"]):
    def active(self, purpose: str) -> "TextModel | None":
        return self.filter(purpose=purpose, is_active=True).order_by("-version").first()


class TextModel(models.Model):
    """One trained classifier; the fitted pipeline lives in a file under VAR_DIR/models,
    identified by its SHA-256 so a changed or foreign file is never loaded."""

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("trained at"), auto_now_add=True, db_index=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trained by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    n_train = models.PositiveIntegerField(_("training texts"))
    n_test = models.PositiveIntegerField(_("held-out texts"))
    metrics: Any = models.JSONField(_("metrics"), default=dict)
    labels: Any = models.JSONField(_("labels"), default=list)
    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_active = models.BooleanField(_("active"), default=False)
    activation_note = models.CharField(_("activation note"), max_length=300, blank=True)
    seconds = models.FloatField(_("training time (s)"), default=0)

    objects = TextModelQuerySet.as_manager()

    class Meta:
        verbose_name = _("text model")
        verbose_name_plural = _("text models")
        ordering = ["purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="insight_model_version")
        ]
        permissions = [
            ("train_textmodel", "Can train text models"),
            ("use_suggestions", "Can use suggestions at intake"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version}"

    @property
    def macro_f1(self) -> float:
        return float(self.metrics.get("macro_f1", 0.0))


class SuggestionOutcome(models.Model):
    """What the active models suggested for a registered ticket and what the agent chose;
    `final_category` follows later corrections, so accuracy is measured against it."""

    ticket = models.OneToOneField(
        "servicedesk.Ticket", on_delete=models.CASCADE, related_name="suggestion_outcome"
    )
    created_at = models.DateTimeField(_("registered at"), db_index=True)
    category_model = models.ForeignKey(
        TextModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    priority_model = models.ForeignKey(
        TextModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    suggested_category = models.CharField(_("suggested problem type"), max_length=40, blank=True)
    suggested_confidence = models.FloatField(_("confidence"), null=True, blank=True)
    suggested_top3: Any = models.JSONField(_("top three"), default=list, blank=True)
    chosen_category = models.CharField(_("chosen problem type"), max_length=40, blank=True)
    final_category = models.CharField(_("final problem type"), max_length=40, blank=True)
    suggested_priority = models.PositiveSmallIntegerField(
        _("suggested priority"), null=True, blank=True
    )
    priority_confidence = models.FloatField(_("priority confidence"), null=True, blank=True)
    chosen_priority = models.PositiveSmallIntegerField(_("chosen priority"), null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion outcome")
        verbose_name_plural = _("suggestion outcomes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.suggested_category} → {self.final_category}"
