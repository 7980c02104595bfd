"""Emergency plans (应急预案), their versions, and the critical services they protect."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel, TimeStampedModel
from sqms.emergency.choices import DependencyKind, EventType, IncidentLevel, PlanStatus

USER = settings.AUTH_USER_MODEL


class EmergencyPlan(ScopedModel):
    """One plan per event type and unit; its content lives in numbered versions."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    event_type = models.CharField(_("event type"), max_length=30, choices=EventType.choices)
    owner = models.ForeignKey(
        USER,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_interval_months = models.PositiveSmallIntegerField(
        _("review every (months)"), default=12
    )
    # The day the owner was last told the review is overdue: one reminder a day at most.
    review_reminded_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["code"]
        indexes = [models.Index(fields=["event_type", "org_unit"])]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class PlanVersion(TimeStampedModel):
    """A numbered version of a plan. Approved versions are frozen: services refuse to change
    them, and an incident keeps the version it was graded under."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    summary = models.TextField(_("purpose and scope"), blank=True)
    # [{"level": 1, "criteria": "...", "examples": "..."}] for levels I–IV
    grading = models.JSONField(_("grading criteria"), default=list, blank=True)
    # [{"code": "commander", "name": "...", "position": "...", "role": "emergency_officer"}]
    roles = models.JSONField(_("organisation and roles"), default=list, blank=True)
    # [{"phase": "respond", "levels": [1, 2], "title": "...", "role": "tech", "target_minutes": 30}]
    steps = models.JSONField(_("steps"), default=list, blank=True)
    # [{"kind": "equipment", "name": "...", "detail": "..."}]
    resources = models.JSONField(_("resources"), default=list, blank=True)
    # [{"audience": "public", "title": "...", "body": "..."}]
    templates = models.JSONField(_("communication templates"), default=list, blank=True)
    revision_note = models.TextField(_("what changed"), blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True, db_index=True)
    approved_by = models.ForeignKey(
        USER,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    source_review = models.ForeignKey(
        "emergency.IncidentReview",
        verbose_name=_("from review"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_revisions",
    )

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="emergency_plan_version_unique")
        ]
        indexes = [models.Index(fields=["plan", "status"])]
        permissions = [("approve_planversion", _("Can approve plan versions"))]

    def __str__(self) -> str:
        return f"{self.plan.code} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status != PlanStatus.DRAFT

    def grading_for(self, level: int | None) -> dict:
        for row in self.grading:
            if row.get("level") == level:
                return row
        return {}

    def steps_for(self, level: int | None) -> list[dict]:
        return [s for s in self.steps if level is None or level in s.get("levels", [])]

    def grading_rows(self) -> list[dict]:
        labels = dict(IncidentLevel.choices)
        return [{**row, "label": labels.get(row.get("level"), "")} for row in self.grading]


class CriticalService(ScopedModel):
    """A service whose outage hurts customers: how long it may be down (MTPD), how fast it
    must be back (RTO), and what it depends on."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    mtpd_minutes = models.PositiveIntegerField(_("maximum tolerable outage (min)"))
    rto_minutes = models.PositiveIntegerField(_("recovery time objective (min)"))
    # [{"kind": "system", "name": "计费系统"}]
    dependencies = models.JSONField(_("dependencies"), default=list, blank=True)
    plans = models.ManyToManyField(
        EmergencyPlan, verbose_name=_("plans"), related_name="critical_services", blank=True
    )

    class Meta:
        verbose_name = _("critical service")
        verbose_name_plural = _("critical services")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def dependency_rows(self) -> list[dict]:
        labels = dict(DependencyKind.choices)
        return [
            {**d, "label": labels.get(d.get("kind"), d.get("kind", ""))} for d in self.dependencies
        ]
