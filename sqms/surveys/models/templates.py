"""Survey templates, their versions (frozen once published) and the questions of a version."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel, ScopedQuerySet, TimeStampedModel
from sqms.core.scope import unit_scope_filter
from sqms.surveys.choices import SCALES, Dimension, Pair, QuestionType, VersionStatus

USER = settings.AUTH_USER_MODEL


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


class SurveyTemplateQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> "ScopedQuerySet":
        """Templates of the user's subtree, plus the organisation-wide ones (no unit)."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(unit_scope_filter(user, "org_unit") | models.Q(org_unit__isnull=True))


class SurveyTemplate(ScopedModel):
    # Empty: an organisation-wide template (the seeded ones), which everybody may use.
    org_unit = models.ForeignKey(  # type: ignore[assignment]
        "core.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_servqual = models.BooleanField(_("SERVQUAL template"), default=False)
    active = models.BooleanField(_("active"), default=True)

    objects: ClassVar[Any] = SurveyTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return (self.name_en if _english() and self.name_en else self.name_zh) or self.code

    def current_version(self) -> "SurveyVersion | None":
        """The newest published version: what new invitations answer."""
        return self.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()


class SurveyVersion(TimeStampedModel):
    template = models.ForeignKey(
        SurveyTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="versions",
    )
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    intro_zh = models.TextField(_("introduction (Chinese)"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)

    class Meta:
        verbose_name = _("survey version")
        verbose_name_plural = _("survey versions")
        ordering = ["template_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="surveys_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.template.code} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT

    def intro(self, language: str = "") -> str:
        english = language.startswith("en") if language else _english()
        return (self.intro_en if english and self.intro_en else self.intro_zh) or ""


class Question(models.Model):
    version = models.ForeignKey(
        SurveyVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    qtype = models.CharField(_("question type"), max_length=10, choices=QuestionType.choices)
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    pair = models.CharField(
        _("SERVQUAL pair"), max_length=12, choices=Pair.choices, blank=True, default=""
    )
    text_zh = models.CharField(_("question (Chinese)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    low_label_zh = models.CharField(_("lowest label (Chinese)"), max_length=40, blank=True)
    low_label_en = models.CharField(_("lowest label (English)"), max_length=40, blank=True)
    high_label_zh = models.CharField(_("highest label (Chinese)"), max_length=40, blank=True)
    high_label_en = models.CharField(_("highest label (English)"), max_length=40, blank=True)
    # Choice questions: [{"value": "a", "zh": "…", "en": "…"}, …]
    options = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="surveys_question_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.text_zh}"

    def text(self, language: str = "") -> str:
        english = language.startswith("en") if language else _english()
        return self.text_en if english and self.text_en else self.text_zh

    def labels(self, language: str = "") -> tuple[str, str]:
        english = language.startswith("en") if language else _english()
        if english:
            return (
                self.low_label_en or self.low_label_zh,
                self.high_label_en or self.high_label_zh,
            )
        return self.low_label_zh, self.high_label_zh

    @property
    def scale(self) -> tuple[int, int] | None:
        return SCALES.get(self.qtype)

    @property
    def scale_values(self) -> list[int]:
        scale = self.scale
        return list(range(scale[0], scale[1] + 1)) if scale else []

    def option_labels(self, language: str = "") -> list[tuple[str, str]]:
        english = language.startswith("en") if language else _english()
        return [
            (str(o.get("value")), str((o.get("en") if english else "") or o.get("zh") or ""))
            for o in self.options or []
        ]
