"""Drills (演练): a programme per plan with recurrence, and each drill run as an exercise."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel
from sqms.emergency.choices import DrillStatus, DrillType

USER = settings.AUTH_USER_MODEL


class DrillProgramme(ScopedModel):
    plan = models.ForeignKey(
        "emergency.EmergencyPlan",
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        related_name="programmes",
    )
    title = models.CharField(_("title"), max_length=200)
    drill_type = models.CharField(_("drill type"), max_length=20, choices=DrillType.choices)
    interval_months = models.PositiveSmallIntegerField(_("every (months)"), default=6)
    next_due_on = models.DateField(_("next due"), db_index=True)
    owner = models.ForeignKey(
        USER, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    last_done_on = models.DateField(_("last done"), null=True, blank=True)
    reminded_on = models.DateField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("drill programme")
        verbose_name_plural = _("drill programmes")
        ordering = ["next_due_on", "id"]

    def __str__(self) -> str:
        return self.title


class Drill(ScopedModel):
    programme = models.ForeignKey(
        DrillProgramme,
        verbose_name=_("programme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="drills",
    )
    plan = models.ForeignKey(
        "emergency.EmergencyPlan",
        verbose_name=_("plan"),
        on_delete=models.PROTECT,
        related_name="drills",
    )
    drill_type = models.CharField(_("drill type"), max_length=20, choices=DrillType.choices)
    scenario = models.TextField(_("scenario"))
    status = models.CharField(
        _("status"), max_length=20, choices=DrillStatus.choices, default=DrillStatus.RUNNING
    )
    incident = models.OneToOneField(
        "emergency.Incident",
        verbose_name=_("exercise incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="drill",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.get_drill_type_display()} · {self.plan}"
