"""Early warning (预警): rules per indicator and the alerts they raise."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel, TimeStampedModel
from sqms.quality.choices import AlertStatus, RuleKind, Severity


class AlertRule(TimeStampedModel):
    """What to watch: an indicator (or complaints per problem type) over a unit's subtree."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("rule"), max_length=20, choices=RuleKind.choices)
    indicator = models.ForeignKey(
        "quality.Indicator",
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    # The units watched: this one and, with `per_child_unit`, each unit below it.
    org_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("org unit"), on_delete=models.CASCADE, related_name="+"
    )
    per_child_unit = models.BooleanField(_("each unit below separately"), default=True)
    # Rule parameters: RUN → periods (N); CONTROL → sigma; SPIKE → baseline days, p-value.
    periods = models.PositiveSmallIntegerField(_("periods"), default=3)
    sigma = models.DecimalField(_("sigma"), max_digits=4, decimal_places=2, default=3)
    baseline_days = models.PositiveSmallIntegerField(_("baseline days"), default=28)
    p_value = models.DecimalField(_("p-value"), max_digits=6, decimal_places=5, default=0.001)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("early-warning rule")
        verbose_name_plural = _("early-warning rules")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Alert(ScopedModel):
    """One signal of a rule for one slice; at most one open alert per rule and slice."""

    rule = models.ForeignKey(
        AlertRule, verbose_name=_("rule"), on_delete=models.CASCADE, related_name="alerts"
    )
    # The slice: org_unit (ScopedModel) plus the problem type for complaint spikes.
    category = models.ForeignKey(
        "servicedesk.Category",
        verbose_name=_("problem type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    slice_key = models.CharField(max_length=80)
    indicator = models.ForeignKey(
        "quality.Indicator",
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    day = models.DateField(_("day of the signal"))
    value = models.FloatField(_("value"), null=True, blank=True)
    expected = models.FloatField(_("expected"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=300)
    last_seen_at = models.DateTimeField(_("last seen"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_note = models.TextField(_("closing note"), blank=True)
    # The improvement action (app `improvement`) that answers the alert.
    improvement_action = models.ForeignKey(
        "improvement.ImprovementAction",
        verbose_name=_("improvement action"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at"]
        permissions = [("handle_alert", _("Can acknowledge and close alerts"))]
        constraints = [
            # Dedup: one open (or acknowledged) alert per rule and slice.
            models.UniqueConstraint(
                fields=["rule", "slice_key"],
                condition=~models.Q(status="closed"),
                name="quality_alert_one_open_per_slice",
            )
        ]
        indexes = [models.Index(fields=["status", "org_unit"])]

    def __str__(self) -> str:
        return self.message
