"""Checklist templates and their versions: sections and weighted items with pass criteria.

A published version is immutable; a change makes a new draft version, and every inspection
and review keeps the version it was scored against.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sqms.core.models.base import TimeStampedModel
from sqms.inspections.choices import ChecklistKind, Scoring, VersionStatus


def _bilingual(zh: str, en: str) -> str:
    language = (get_language() or "zh-hans").lower()
    return en if language.startswith("en") and en else zh


class ChecklistTemplate(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ChecklistKind.choices)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return _bilingual(self.name, self.name_en)

    def current_version(self) -> "ChecklistVersion | None":
        return self.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()


class ChecklistVersion(TimeStampedModel):
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    pass_threshold = models.DecimalField(
        _("pass threshold (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("80"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    note = models.TextField(_("change note"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="insp_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.template.display_name} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class ChecklistSection(models.Model):
    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=120)
    title_en = models.CharField(_("title (English)"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("checklist section")
        verbose_name_plural = _("checklist sections")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return _bilingual(self.title, self.title_en)


class ChecklistItem(models.Model):
    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="items")
    section = models.ForeignKey(ChecklistSection, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("item"), max_length=300)
    text_en = models.CharField(_("item (English)"), max_length=300, blank=True)
    guidance = models.TextField(_("how to check"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    scoring = models.CharField(
        _("scoring"), max_length=10, choices=Scoring.choices, default=Scoring.PASS_FAIL
    )
    max_score = models.PositiveSmallIntegerField(
        _("maximum score"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    na_allowed = models.BooleanField(_("N/A allowed"), default=False)
    critical = models.BooleanField(
        _("critical"), default=False, help_text=_("A fail here fails the whole inspection.")
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["version", "section__position", "position", "id"]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        return _bilingual(self.text, self.text_en)

    @property
    def top_score(self) -> int:
        """The score that earns the item's full weight (1 for pass/fail)."""
        return 1 if self.scoring == Scoring.PASS_FAIL else self.max_score

    def score_choices(self) -> list[int]:
        return list(range(self.top_score + 1))

    def describe(self) -> dict[str, Any]:
        return {"text": self.text, "weight": self.weight, "scoring": self.scoring}
