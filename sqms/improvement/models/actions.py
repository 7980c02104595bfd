"""The improvement action (PDCA / CAPA) and what hangs off it: timeline and effectiveness checks."""

from typing import Any, ClassVar, cast

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.models.base import ScopedModel, ScopedQuerySet
from sqms.improvement.choices import (
    OPEN_STAGES,
    STAGE_COLOURS,
    ActionSource,
    Direction,
    EventType,
    Stage,
    Verdict,
)

USER = settings.AUTH_USER_MODEL


class ImprovementActionQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> "ImprovementActionQuerySet":
        return cast(ImprovementActionQuerySet, super().visible_to(user))

    def open(self) -> "ImprovementActionQuerySet":
        return self.filter(stage__in=OPEN_STAGES)

    def overdue(self, today: Any = None) -> "ImprovementActionQuerySet":
        today = today or timezone.localdate()
        return self.open().filter(deadline__lt=today)


ImprovementActionManager = models.Manager.from_queryset(ImprovementActionQuerySet)


class ImprovementAction(ScopedModel):
    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("problem statement"), blank=True)

    # Where it came from: a generic reference plus a label captured at creation, so the link
    # still reads sensibly if the source record is later removed or renamed.
    source = models.CharField(_("source"), max_length=20, choices=ActionSource.choices)
    source_type = models.ForeignKey(
        ContentType,
        verbose_name=_("source type"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source_id = models.CharField(_("source id"), max_length=64, blank=True)
    source_label = models.CharField(_("source record"), max_length=200, blank=True)

    # Root-cause analysis: five whys and fishbone categories.
    why_1 = models.TextField(_("why 1"), blank=True)
    why_2 = models.TextField(_("why 2"), blank=True)
    why_3 = models.TextField(_("why 3"), blank=True)
    why_4 = models.TextField(_("why 4"), blank=True)
    why_5 = models.TextField(_("why 5"), blank=True)
    cause_people = models.TextField(_("people"), blank=True)
    cause_equipment = models.TextField(_("equipment and systems"), blank=True)
    cause_materials = models.TextField(_("materials and information"), blank=True)
    cause_method = models.TextField(_("method and process"), blank=True)
    cause_environment = models.TextField(_("environment"), blank=True)
    cause_measurement = models.TextField(_("measurement"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)

    # Goal with a measurable target, optionally an indicator.
    goal = models.TextField(_("goal"), blank=True)
    indicator_code = models.CharField(_("indicator"), max_length=64, blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    target_direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=12, decimal_places=4, null=True, blank=True
    )

    measures = models.TextField(_("measures"), blank=True)
    owner = models.ForeignKey(
        USER,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="improvement_actions",
    )
    team: "models.ManyToManyField[Any, Any]" = models.ManyToManyField(
        USER, verbose_name=_("team"), blank=True, related_name="improvement_teams"
    )
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    check_due_on = models.DateField(_("effectiveness check on"), null=True, blank=True)

    stage = models.CharField(
        _("PDCA stage"), max_length=10, choices=Stage.choices, default=Stage.PLAN
    )
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    stage_changed_at = models.DateTimeField(_("stage changed at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    # The deadline for which the overdue reminder went out; a new deadline re-arms it.
    overdue_notified_for = models.DateField(null=True, blank=True, editable=False)

    objects: ClassVar[ImprovementActionManager] = ImprovementActionManager()

    class Meta:
        verbose_name = _("improvement action")
        verbose_name_plural = _("improvement actions")
        ordering = ["-created_at", "-id"]
        permissions = [("export_improvementaction", _("Can export improvement actions"))]
        indexes = [
            models.Index(fields=["stage", "deadline"], name="impr_stage_deadline"),
            models.Index(fields=["source", "stage"], name="impr_source_stage"),
            models.Index(fields=["source_type", "source_id"], name="impr_source_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.deadline is not None and self.deadline < timezone.localdate()

    @property
    def stage_colour(self) -> str:
        return STAGE_COLOURS.get(Stage(self.stage), "secondary")

    @property
    def whys(self) -> list[str]:
        return [w for w in (self.why_1, self.why_2, self.why_3, self.why_4, self.why_5) if w]

    def source_object(self) -> models.Model | None:
        """The source record if it still exists (None otherwise)."""
        if self.source_type_id is None or not self.source_id:
            return None
        model = self.source_type.model_class() if self.source_type else None
        if model is None:
            return None
        return model._default_manager.filter(pk=self.source_id).first()


class ActionEvent(models.Model):
    """One entry of an action's timeline: opened, edited, stage change, progress, check."""

    action = models.ForeignKey(ImprovementAction, on_delete=models.CASCADE, related_name="events")
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        USER,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    event_type = models.CharField(_("event"), max_length=20, choices=EventType.choices)
    from_stage = models.CharField(max_length=10, blank=True, choices=Stage.choices)
    to_stage = models.CharField(max_length=10, blank=True, choices=Stage.choices)
    message = models.TextField(_("message"), blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)

    class Meta:
        verbose_name = _("action event")
        verbose_name_plural = _("action events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action_id} {self.event_type}"


class EffectivenessCheck(models.Model):
    """A check that the measures worked: the measured value (read from the indicator when the
    goal names one), the verdict the system proposed, and the one the checker recorded."""

    action = models.ForeignKey(ImprovementAction, on_delete=models.CASCADE, related_name="checks")
    cycle = models.PositiveSmallIntegerField(_("cycle"), default=1)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)
    checked_by = models.ForeignKey(
        USER, verbose_name=_("checked by"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    measured_value = models.DecimalField(
        _("measured value"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    proposed_verdict = models.CharField(
        _("proposed verdict"), max_length=20, choices=Verdict.choices, blank=True
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("effectiveness check")
        verbose_name_plural = _("effectiveness checks")
        ordering = ["checked_at", "id"]

    def __str__(self) -> str:
        return f"{self.action_id} {self.verdict}"
