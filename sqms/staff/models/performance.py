"""Scorecards (绩效考核) with versioned weights per position, and rewards and penalties (奖惩)."""

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel
from sqms.staff.choices import ApprovalStatus, RecordKind
from sqms.staff.models.base import CatalogueQuerySet, PersonalQuerySet

USER = settings.AUTH_USER_MODEL

# The scorecard's components, in the order they are shown.
COMPONENTS = ("volume", "response", "sla", "satisfaction", "error", "fcr", "inspection", "exam")


class ScorecardWeights(ScopedModel):
    """Weights of one version for one position. A change is a new version with its own start
    date, so a past month's scorecard keeps the weights it was computed with."""

    # Empty: the default for every position without weights of its own.
    position = models.CharField(_("position"), max_length=80, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), editable=False)
    effective_from = models.DateField(_("effective from"))
    volume_target = models.PositiveIntegerField(
        _("tickets a month for a full volume score"), default=100
    )
    w_volume = models.PositiveSmallIntegerField(_("handled volume"), default=15)
    w_response = models.PositiveSmallIntegerField(_("response compliance"), default=15)
    w_sla = models.PositiveSmallIntegerField(_("SLA compliance"), default=15)
    w_satisfaction = models.PositiveSmallIntegerField(_("satisfaction"), default=15)
    w_error = models.PositiveSmallIntegerField(_("service error rate"), default=10)
    w_fcr = models.PositiveSmallIntegerField(_("first-contact resolution"), default=10)
    w_inspection = models.PositiveSmallIntegerField(_("inspection score"), default=10)
    w_exam = models.PositiveSmallIntegerField(_("exam results"), default=10)

    objects: ClassVar[CatalogueQuerySet] = CatalogueQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("scorecard weights")
        verbose_name_plural = _("scorecard weights")
        ordering = ["position", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["org_unit", "position", "version"], name="staff_weights_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} v{self.version}"

    def clean(self) -> None:
        if sum(self.weights().values()) != 100:
            raise ValidationError({"w_volume": _("The weights must add up to 100.")})
        if not self.volume_target:
            raise ValidationError({"volume_target": _("The volume target must be at least 1.")})

    def weights(self) -> dict[str, int]:
        return {name: getattr(self, f"w_{name}") for name in COMPONENTS}


class Scorecard(ScopedModel):
    person = models.ForeignKey(
        USER, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField(_("month"), db_index=True)
    weights = models.ForeignKey(
        ScorecardWeights, verbose_name=_("weights"), on_delete=models.PROTECT, related_name="+"
    )
    inputs = models.JSONField(_("inputs"), default=dict)
    components = models.JSONField(_("component scores"), default=dict)
    total = models.DecimalField(_("total score"), max_digits=5, decimal_places=2)
    rank_in_unit = models.PositiveIntegerField(_("rank in unit"), null=True, blank=True)
    is_service_star = models.BooleanField(_("service star"), default=False)

    objects: ClassVar[PersonalQuerySet] = PersonalQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-period", "rank_in_unit"]
        constraints = [
            models.UniqueConstraint(fields=["person", "period"], name="staff_scorecard_unique"),
        ]
        indexes = [models.Index(fields=["org_unit", "period"])]

    def __str__(self) -> str:
        return f"{self.person} {self.period:%Y-%m}"


class RewardPenalty(ScopedModel):
    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    person = models.ForeignKey(
        USER, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RecordKind.choices)
    reason = models.TextField(_("reason"))
    amount_fen = models.IntegerField(_("amount (fen)"), default=0)
    points = models.IntegerField(_("points"), default=0)
    evidence_ticket = models.ForeignKey(
        "servicedesk.Ticket",
        verbose_name=_("evidence ticket"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence_reference = models.CharField(
        _("other evidence (inspection, complaint)"), max_length=200, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        USER,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    objects: ClassVar[PersonalQuerySet] = PersonalQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("reward or penalty")
        verbose_name_plural = _("rewards and penalties")
        ordering = ["-created_at"]
        permissions = [("approve_rewardpenalty", _("Can approve rewards and penalties"))]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()}"
