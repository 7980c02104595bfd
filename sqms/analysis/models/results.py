"""Stored analysis results: hot-spot reports, segmentation runs, association rules, forecasts.

Each result belongs to the org unit whose subtree it analyses, so the one scoping rule decides
who sees it. Results are recomputed by the daily task or on request; pages only read them.
"""

from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sqms.analysis.choices import PeriodKind, SatisfactionSource
from sqms.core.models import ScopedModel
from sqms.servicedesk.choices import Channel


class HotspotReport(ScopedModel):
    """Emerging complaint terms and rising problem types of one period in a unit's subtree."""

    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    previous_periods = models.PositiveSmallIntegerField(_("baseline periods"), default=3)
    computed_at = models.DateTimeField(_("computed at"))
    complaint_count = models.PositiveIntegerField(_("complaints"), default=0)
    previous_count = models.PositiveIntegerField(_("complaints in the baseline"), default=0)
    # [{term, now, before, now_share, before_share, score, ratio, examples: [{id, number, title}]}]
    terms = models.JSONField(_("emerging terms"), default=list, blank=True)
    # [{category_id, code, name, name_en, count, expected, ratio, z, p_value, flagged}]
    categories = models.JSONField(_("problem types"), default=list, blank=True)

    class Meta:
        verbose_name = _("hot-spot report")
        verbose_name_plural = _("hot-spot reports")
        ordering = ["-period_start", "org_unit__path"]
        permissions = [("recompute_analysis", _("Can recompute analyses"))]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "period_kind", "period_start"],
                name="analysis_hotspot_unit_period_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("analysis_hotspot_detail", args=[self.pk])

    @property
    def flagged_categories(self) -> list[dict[str, Any]]:
        return [row for row in self.categories if row.get("flagged")]


class SegmentationRun(ScopedModel):
    """Customers of a unit's subtree clustered by their features (k-means, k by silhouette)."""

    seed = models.PositiveIntegerField(_("random seed"), default=42)
    computed_at = models.DateTimeField(_("computed at"))
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=365)
    customer_count = models.PositiveIntegerField(_("customers"), default=0)
    k = models.PositiveSmallIntegerField(_("number of segments"))
    # {"2": 0.41, "3": 0.55, …}
    silhouette = models.JSONField(_("silhouette scores"), default=dict)
    features = models.JSONField(_("features"), default=list)
    # [{segment, size, z: {feature: z}, means: {feature: mean}, parts: [code, …]}]
    segments = models.JSONField(_("segments"), default=list)
    satisfaction_source = models.CharField(
        _("satisfaction from"), max_length=10, choices=SatisfactionSource.choices
    )

    class Meta:
        verbose_name = _("segmentation run")
        verbose_name_plural = _("segmentation runs")
        ordering = ["-computed_at"]
        indexes = [models.Index(fields=["org_unit", "-computed_at"])]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.computed_at:%Y-%m-%d %H:%M} (k={self.k})"

    def get_absolute_url(self) -> str:
        return reverse("analysis_segmentation_detail", args=[self.pk])

    @property
    def best_silhouette(self) -> float | None:
        return self.silhouette.get(str(self.k))


class CustomerSegment(models.Model):
    """A customer's segment in one run (bulk-written)."""

    run = models.ForeignKey(SegmentationRun, on_delete=models.CASCADE, related_name="members")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="analysis_segments"
    )
    segment = models.PositiveSmallIntegerField(_("segment"))

    class Meta:
        verbose_name = _("customer segment")
        verbose_name_plural = _("customer segments")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "customer"], name="analysis_customersegment_unique"
            )
        ]
        indexes = [models.Index(fields=["run", "segment"])]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.segment}"


class AssociationRun(ScopedModel):
    """Association rules among problem types, products, channels and units of complaints."""

    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    kinds = models.JSONField(_("ticket kinds"), default=list)
    min_support = models.FloatField(_("minimum support"))
    min_confidence = models.FloatField(_("minimum confidence"))
    computed_at = models.DateTimeField(_("computed at"))
    transaction_count = models.PositiveIntegerField(_("tickets"), default=0)
    itemset_count = models.PositiveIntegerField(_("frequent item sets"), default=0)
    # {item key: {"zh": label, "en": label}}
    labels = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("association run")
        verbose_name_plural = _("association runs")
        ordering = ["-computed_at"]
        indexes = [models.Index(fields=["org_unit", "-computed_at"])]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("analysis_association_detail", args=[self.pk])


class AssociationRule(models.Model):
    """A → B with support, confidence and lift (bulk-written with its run)."""

    run = models.ForeignKey(AssociationRun, on_delete=models.CASCADE, related_name="rules")
    antecedent = models.JSONField(_("if"))
    consequent = models.JSONField(_("then"))
    # Item keys joined with spaces, for the item filter.
    items_text = models.CharField(max_length=500, blank=True)
    count = models.PositiveIntegerField(_("tickets"))
    support = models.FloatField(_("support"))
    confidence = models.FloatField(_("confidence"))
    lift = models.FloatField(_("lift"))

    class Meta:
        verbose_name = _("association rule")
        verbose_name_plural = _("association rules")
        ordering = ["-lift", "-confidence", "id"]
        indexes = [models.Index(fields=["run", "-lift"])]

    def __str__(self) -> str:
        return f"{self.antecedent} → {self.consequent}"


class ForecastRun(ScopedModel):
    """Next weeks' daily ticket volume of a unit's subtree (all channels or one)."""

    channel = models.CharField(_("channel"), max_length=20, blank=True, choices=Channel.choices)
    computed_at = models.DateTimeField(_("computed at"))
    method = models.CharField(_("method"), max_length=100)
    history_start = models.DateField(_("history from"))
    history_end = models.DateField(_("history to"))
    horizon_days = models.PositiveSmallIntegerField(_("horizon (days)"), default=28)
    # [[iso date, count], …]
    history = models.JSONField(default=list)
    # [{day, mean, lo80, hi80, lo95, hi95, holiday, workday}]
    forecast = models.JSONField(default=list)
    # [{week_start, mean, lo80, hi80, lo95, hi95}]
    weekly = models.JSONField(default=list)
    # {mae, mape, naive_mae, naive_mape, mean_mae, mean_mape, origins}
    backtest = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("forecast run")
        verbose_name_plural = _("forecast runs")
        ordering = ["-computed_at"]
        indexes = [models.Index(fields=["org_unit", "channel", "-computed_at"])]

    def __str__(self) -> str:
        return f"{self.org_unit} {self.channel or '*'} {self.computed_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("analysis_forecast_detail", args=[self.pk])

    @property
    def channel_label(self) -> str:
        return str(self.get_channel_display()) if self.channel else str(_("All channels"))
