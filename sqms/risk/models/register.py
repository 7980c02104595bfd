"""The risk register: risks with their ratings, controls, acceptances, reviews and history."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models.base import ScopedModel, ScopedQuerySet, TimeStampedModel
from sqms.risk.choices import (
    ControlKind,
    ControlStatus,
    Effectiveness,
    HistoryKind,
    LossUnit,
    RiskCategory,
    RiskStatus,
    Treatment,
)
from sqms.risk.models.matrix import RiskMatrix

RATINGS = ("inherent", "current", "residual")


class RiskQuerySet(ScopedQuerySet):
    pass


class Risk(ScopedModel):
    number = models.CharField(_("number"), max_length=24, unique=True)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=24, choices=RiskCategory.choices)
    description = models.TextField(_("description"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    consequence = models.TextField(_("consequence"), blank=True)
    affected_services = models.CharField(_("affected services"), max_length=300, blank=True)
    affected_units = models.ManyToManyField(
        "core.OrgUnit", verbose_name=_("affected units"), blank=True, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    matrix = models.ForeignKey(
        RiskMatrix, verbose_name=_("matrix"), on_delete=models.PROTECT, related_name="risks"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN
    )
    treatment = models.CharField(
        _("treatment"), max_length=12, choices=Treatment.choices, default=Treatment.UNDECIDED
    )
    treatment_plan = models.TextField(_("treatment plan"), blank=True)

    inherent_probability = models.PositiveSmallIntegerField(_("inherent probability"))
    inherent_impact = models.PositiveSmallIntegerField(_("inherent impact"))
    inherent_level = models.CharField(_("inherent level"), max_length=24)
    inherent_rank = models.PositiveSmallIntegerField(_("inherent level rank"))
    current_probability = models.PositiveSmallIntegerField(_("current probability"))
    current_impact = models.PositiveSmallIntegerField(_("current impact"))
    current_level = models.CharField(_("current level"), max_length=24)
    current_rank = models.PositiveSmallIntegerField(_("current level rank"))
    residual_probability = models.PositiveSmallIntegerField(_("residual probability"))
    residual_impact = models.PositiveSmallIntegerField(_("residual impact"))
    residual_level = models.CharField(_("residual level"), max_length=24)
    residual_rank = models.PositiveSmallIntegerField(_("residual level rank"), db_index=True)

    review_due = models.DateField(_("next review due"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When the owner was last reminded of an overdue review or control (see reminders.py).
    reminded_on = models.DateField(_("owner reminded on"), null=True, blank=True)

    # Quantitative inputs: a yearly probability and a 90% interval of the loss per event.
    annual_probability = models.DecimalField(
        _("annual probability"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    loss_low = models.PositiveBigIntegerField(_("loss, 5th percentile"), null=True, blank=True)
    loss_high = models.PositiveBigIntegerField(_("loss, 95th percentile"), null=True, blank=True)
    loss_unit = models.CharField(
        _("loss unit"), max_length=20, choices=LossUnit.choices, default=LossUnit.YUAN
    )

    objects: ClassVar[Any] = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["-residual_rank", "number"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        permissions = [("export_risk", _("Can export the risk register"))]
        indexes = [models.Index(fields=["status", "residual_rank"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status == RiskStatus.OPEN

    @property
    def has_quantitative_inputs(self) -> bool:
        return bool(self.annual_probability and self.loss_low and self.loss_high)


class RiskControl(TimeStampedModel):
    risk = models.ForeignKey(
        Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="controls"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ControlKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ControlStatus.choices, default=ControlStatus.PLANNED
    )
    effectiveness = models.CharField(
        _("effectiveness"),
        max_length=16,
        choices=Effectiveness.choices,
        default=Effectiveness.NOT_ASSESSED,
    )

    class Meta:
        ordering = ["risk", "kind", "due_date", "pk"]
        verbose_name = _("risk control")
        verbose_name_plural = _("risk controls")
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return self.title


class RiskAcceptance(TimeStampedModel):
    risk = models.ForeignKey(
        Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="acceptances"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approver"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_on = models.DateField(_("accepted on"))
    expires_on = models.DateField(_("expires on"))
    rationale = models.TextField(_("rationale"))

    class Meta:
        ordering = ["-accepted_on", "-pk"]
        verbose_name = _("risk acceptance")
        verbose_name_plural = _("risk acceptances")
        permissions = [("approve_riskacceptance", _("Can approve risk acceptances"))]

    def __str__(self) -> str:
        return f"{self.risk.number} {self.accepted_on}–{self.expires_on}"


class RiskReview(TimeStampedModel):
    risk = models.ForeignKey(
        Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_on = models.DateField(_("reviewed on"))
    notes = models.TextField(_("notes"))
    current_level = models.CharField(_("current level"), max_length=24)
    residual_level = models.CharField(_("residual level"), max_length=24)
    next_review_due = models.DateField(_("next review due"))

    class Meta:
        ordering = ["-reviewed_on", "-pk"]
        verbose_name = _("risk review")
        verbose_name_plural = _("risk reviews")

    def __str__(self) -> str:
        return f"{self.risk.number} {self.reviewed_on}"


class RiskHistory(models.Model):
    """One line of a risk's history, with its status and levels after the change; the trend of
    open risks by level is read from these lines."""

    risk = models.ForeignKey(
        Risk, verbose_name=_("risk"), on_delete=models.CASCADE, related_name="history"
    )
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=HistoryKind.choices)
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=RiskStatus.choices)
    inherent_level = models.CharField(_("inherent level"), max_length=24)
    current_level = models.CharField(_("current level"), max_length=24)
    residual_level = models.CharField(_("residual level"), max_length=24)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("risk history entry")
        verbose_name_plural = _("risk history")

    def __str__(self) -> str:
        return f"{self.risk_id} {self.kind} {self.at:%Y-%m-%d}"
