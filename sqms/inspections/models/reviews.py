"""Ticket review (复核): sampling plans, the monthly draws and the review queue."""

from decimal import Decimal
from typing import Any, ClassVar, cast

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models.base import ScopedModel, ScopedQuerySet, TimeStampedModel
from sqms.inspections.choices import ReviewReason, ReviewStatus
from sqms.inspections.models.checklists import ChecklistItem, ChecklistVersion
from sqms.inspections.scope import inspection_scope_filter

USER = settings.AUTH_USER_MODEL


class PlanQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> "PlanQuerySet":
        return cast(PlanQuerySet, self.filter(inspection_scope_filter(user, "org_unit")))


class SamplingPlan(ScopedModel):
    """Which closed tickets of the plan's unit (and the units below) are reviewed each month."""

    name = models.CharField(_("name"), max_length=120)
    share_percent = models.DecimalField(
        _("share per agent (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    include_low_satisfaction = models.BooleanField(
        _("all complaints with low satisfaction"), default=True
    )
    kinds = models.JSONField(_("ticket kinds"), default=list, blank=True)
    seed = models.PositiveIntegerField(_("seed"), default=1)
    is_active = models.BooleanField(_("active"), default=True)

    objects: ClassVar[Any] = models.Manager.from_queryset(PlanQuerySet)()

    class Meta:
        verbose_name = _("sampling plan")
        verbose_name_plural = _("sampling plans")
        ordering = ["name", "id"]
        permissions = [("draw_samplingplan", _("Can draw ticket samples"))]

    def __str__(self) -> str:
        return self.name


class SampleDraw(TimeStampedModel):
    """One month's draw of a plan: what was drawn, with which seed."""

    plan = models.ForeignKey(SamplingPlan, on_delete=models.CASCADE, related_name="draws")
    month = models.DateField(_("month"))
    seed = models.PositiveIntegerField(_("seed"))
    closed_tickets = models.PositiveIntegerField(_("closed tickets"), default=0)
    sampled = models.PositiveIntegerField(_("sampled"), default=0)
    low_satisfaction = models.PositiveIntegerField(_("low satisfaction"), default=0)

    class Meta:
        verbose_name = _("sample draw")
        verbose_name_plural = _("sample draws")
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "month"], name="insp_draw_plan_month")
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.month:%Y-%m}"


class ReviewQuerySet(ScopedQuerySet):
    """Inspectors and managers by the inspection scope rule; the reviewer their queue; an agent
    the reviews of their own tickets."""

    def visible_to(self, user: Any) -> "ReviewQuerySet":
        if not (getattr(user, "is_authenticated", False) and user.is_active):
            return cast(ReviewQuerySet, self.none())
        if not user.has_perm("inspections.view_inspection"):
            # Front-line staff see the reviews of their own tickets only.
            return cast(ReviewQuerySet, self.filter(agent=user))
        scope = inspection_scope_filter(user, "org_unit")
        if not scope:  # everything (an empty Q must not be OR-ed: Q() | x is only x)
            return cast(ReviewQuerySet, self.all())
        scope |= models.Q(reviewer=user) | models.Q(agent=user)
        return cast(ReviewQuerySet, self.filter(scope))


class TicketReview(ScopedModel):
    """One closed ticket queued for review (org_unit: the ticket's unit)."""

    ticket = models.ForeignKey(
        "servicedesk.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    plan = models.ForeignKey(
        SamplingPlan,
        verbose_name=_("sampling plan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
    )
    draw = models.ForeignKey(
        SampleDraw, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    reason = models.CharField(
        _("reason"), max_length=20, choices=ReviewReason.choices, default=ReviewReason.SAMPLED
    )
    agent = models.ForeignKey(
        USER,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        USER,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version = models.ForeignKey(
        ChecklistVersion, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.QUEUED
    )
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True)
    passed = models.BooleanField(_("passed"), null=True)
    service_error = models.BooleanField(_("service error"), default=False)
    service_error_reason = models.TextField(_("service error reason"), blank=True)
    comment = models.TextField(_("comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects: ClassVar[Any] = models.Manager.from_queryset(ReviewQuerySet)()

    class Meta:
        verbose_name = _("ticket review")
        verbose_name_plural = _("ticket reviews")
        ordering = ["status", "-created_at", "-id"]
        permissions = [("export_ticketreview", _("Can export ticket reviews"))]
        indexes = [models.Index(fields=["status", "reviewer"], name="insp_review_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "ticket"],
                condition=models.Q(plan__isnull=False),
                name="insp_review_plan_ticket",
            )
        ]

    def __str__(self) -> str:
        return _("Review of %(ticket)s") % {"ticket": self.ticket.number}


class ReviewScore(models.Model):
    review = models.ForeignKey(TicketReview, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    not_applicable = models.BooleanField(_("N/A"), default=False)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("review item score")
        verbose_name_plural = _("review item scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "item"], name="insp_review_score_item")
        ]

    def __str__(self) -> str:
        return f"{self.review_id}/{self.item_id}: {self.score}"
