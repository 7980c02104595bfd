"""Training: courses, sessions with enrolment and attendance, plans per position."""

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel, TimeStampedModel
from sqms.staff.choices import CourseMode, CourseType
from sqms.staff.models.base import CatalogueQuerySet, PersonalQuerySet

USER = settings.AUTH_USER_MODEL


class Course(ScopedModel):
    code = models.CharField(_("code"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    course_type = models.CharField(_("type"), max_length=20, choices=CourseType.choices)
    mode = models.CharField(_("mode"), max_length=20, choices=CourseMode.choices)
    hours = models.PositiveSmallIntegerField(_("hours"), default=2)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects: ClassVar[CatalogueQuerySet] = CatalogueQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class TrainingSession(ScopedModel):
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    trainer = models.ForeignKey(
        USER, verbose_name=_("trainer"), on_delete=models.PROTECT, related_name="+"
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=20)
    location = models.CharField(_("location"), max_length=200, blank=True)

    objects: ClassVar[CatalogueQuerySet] = CatalogueQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.course.title} {self.starts_at:%Y-%m-%d}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("A session ends after it starts.")})
        if not self.capacity:
            raise ValidationError({"capacity": _("A session has room for at least one person.")})


class Enrolment(ScopedModel):
    """A person on a session; attendance marks completion, feedback is the trainee's form."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="enrolments",
    )
    person = models.ForeignKey(
        USER, verbose_name=_("trainee"), on_delete=models.PROTECT, related_name="+"
    )
    attended = models.BooleanField(_("attended"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True, db_index=True)
    feedback_rating = models.PositiveSmallIntegerField(
        _("feedback rating (1-5)"), null=True, blank=True
    )
    feedback_comment = models.TextField(_("feedback comment"), blank=True)

    objects: ClassVar[PersonalQuerySet] = PersonalQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="staff_enrolment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}"


class TrainingPlan(ScopedModel):
    """The courses a position must complete, for the plan's unit and the units below it."""

    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=80, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects: ClassVar[CatalogueQuerySet] = CatalogueQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class PlanItem(TimeStampedModel):
    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="items")
    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="+"
    )
    # First completion is due this many days after the hire date (or the plan's creation).
    due_within_days = models.PositiveSmallIntegerField(_("due within (days)"), default=30)
    # 0: once; 12: yearly (e.g. information security awareness).
    recurrence_months = models.PositiveSmallIntegerField(_("repeat every (months)"), default=0)

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["course__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "course"], name="staff_planitem_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.course}"

    def clean(self) -> None:
        if self.recurrence_months > 120:
            raise ValidationError({"recurrence_months": _("Repeat at most every 120 months.")})
