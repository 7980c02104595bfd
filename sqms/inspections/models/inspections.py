"""Inspections (on-site and mystery shopping): item scores, photos and findings."""

from typing import Any, ClassVar, cast

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models.base import ScopedModel, ScopedQuerySet
from sqms.inspections.choices import (
    SEVERITY_COLOURS,
    STATUS_COLOURS,
    ChecklistKind,
    InspectionStatus,
    Severity,
)
from sqms.inspections.models.checklists import ChecklistItem, ChecklistVersion
from sqms.inspections.scope import inspection_scope_filter

USER = settings.AUTH_USER_MODEL


class InspectionQuerySet(ScopedQuerySet):
    """Scoped by the inspected unit (the inspection scope rule), and the inspector always
    sees their own inspections."""

    inspector_field = "inspector"

    def visible_to(self, user: Any) -> "InspectionQuerySet":
        scope = inspection_scope_filter(user, "org_unit")
        if not scope:  # everything (an empty Q must not be OR-ed: Q() | x is only x)
            return cast(InspectionQuerySet, self.all())
        if getattr(user, "is_authenticated", False) and user.is_active:
            scope |= models.Q(**{self.inspector_field: user})
        return cast(InspectionQuerySet, self.filter(scope))


class FindingQuerySet(InspectionQuerySet):
    inspector_field = "inspection__inspector"


class Inspection(ScopedModel):
    """One inspection of a unit against a checklist version (org_unit: the inspected unit)."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    version = models.ForeignKey(
        ChecklistVersion, verbose_name=_("checklist"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=InspectionStatus.choices,
        default=InspectionStatus.PLANNED,
    )
    inspector = models.ForeignKey(
        USER, verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="+"
    )
    inspected_staff = models.ForeignKey(
        USER,
        verbose_name=_("inspected staff"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    planned_for = models.DateField(_("planned for"), null=True, blank=True)
    performed_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    # Mystery shopping: the visit as the shopper lived it.
    scenario = models.CharField(_("scenario"), max_length=200, blank=True)
    time_in = models.DateTimeField(_("time in"), null=True, blank=True)
    waiting_minutes = models.PositiveIntegerField(_("waiting (minutes)"), null=True, blank=True)
    handling_minutes = models.PositiveIntegerField(_("handling (minutes)"), null=True, blank=True)
    # The result, computed on submission (sqms.inspections.scoring).
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True)
    passed = models.BooleanField(_("passed"), null=True)
    critical_failed = models.BooleanField(_("critical item failed"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_note = models.TextField(_("review note"), blank=True)

    objects: ClassVar[Any] = models.Manager.from_queryset(InspectionQuerySet)()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-performed_at", "-id"]
        permissions = [
            ("review_inspection", _("Can review inspections")),
            ("export_inspection", _("Can export inspections")),
            ("inspect_all_units", _("Can inspect every unit")),
        ]
        indexes = [
            models.Index(fields=["status", "performed_at"], name="insp_status_time"),
            models.Index(fields=["updated_at"], name="insp_updated"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def status_colour(self) -> str:
        return STATUS_COLOURS.get(InspectionStatus(self.status), "secondary")

    @property
    def kind(self) -> str:
        """on_site or mystery_shopper: the kind of its checklist."""
        return self.version.template.kind

    def get_kind_display(self) -> str:
        return str(ChecklistKind(self.kind).label)

    @property
    def is_open(self) -> bool:
        return self.status in (InspectionStatus.PLANNED, InspectionStatus.IN_PROGRESS)


class InspectionScore(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    not_applicable = models.BooleanField(_("N/A"), default=False)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="insp_score_item")
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.item_id}: {self.score}"


def photo_path(instance: "InspectionPhoto", filename: str) -> str:
    # The stored name is ours (random), never the uploader's: no path tricks, no clashes.
    import uuid

    return f"inspections/{instance.inspection_id}/{uuid.uuid4().hex}{instance.extension}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    file = models.FileField(_("photo"), upload_to=photo_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    extension = ""  # set before saving, from the checked type

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Finding(ScopedModel):
    """Something an inspection found wrong; may open an improvement action."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings"
    )
    item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("item"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    text = models.TextField(_("finding"))
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    responsible = models.ForeignKey(
        USER,
        verbose_name=_("responsible staff"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    improvement_action = models.ForeignKey(
        "improvement.ImprovementAction",
        verbose_name=_("improvement action"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects: ClassVar[Any] = models.Manager.from_queryset(FindingQuerySet)()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.inspection.number}: {self.text[:60]}"

    @property
    def severity_colour(self) -> str:
        return SEVERITY_COLOURS.get(Severity(self.severity), "secondary")
