"""Exams: the question bank, exams drawn by rules, and candidates' timed attempts."""

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel
from sqms.staff.choices import AttemptStatus, Difficulty, QuestionKind
from sqms.staff.models.base import CatalogueQuerySet, PersonalQuerySet

USER = settings.AUTH_USER_MODEL


class Question(ScopedModel):
    """One bank question. `options` is a list of texts; `correct` is the list of indexes of the
    correct options (true/false: options are [True, False] shown as 对/错; short answer: empty,
    marked by a trainer)."""

    topic = models.CharField(_("topic"), max_length=80, db_index=True)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), choices=Difficulty.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    text = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list, blank=True)
    correct = models.JSONField(_("correct options"), default=list, blank=True)
    points = models.PositiveSmallIntegerField(_("points"), default=1)
    explanation = models.TextField(_("explanation"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects: ClassVar[CatalogueQuerySet] = CatalogueQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("question bank")
        ordering = ["topic", "difficulty", "id"]
        indexes = [models.Index(fields=["topic", "difficulty", "is_active"])]

    def __str__(self) -> str:
        return self.text[:60]

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        options = self.options if isinstance(self.options, list) else None
        correct = self.correct if isinstance(self.correct, list) else None
        if options is None or any(not isinstance(o, str) or not o.strip() for o in options):
            errors["options"] = _("Options must be a list of non-empty texts.")
        elif correct is None or any(not isinstance(c, int) or isinstance(c, bool) for c in correct):
            errors["correct"] = _("Give the correct options as a list of option numbers.")
        elif self.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            if len(options) < 2:
                errors["options"] = _("A choice question needs at least two options.")
            elif len(set(correct)) != len(correct) or any(
                c < 0 or c >= len(options) for c in correct
            ):
                errors["correct"] = _("Each correct option must be one of the options, once.")
            elif self.kind == QuestionKind.SINGLE and len(correct) != 1:
                errors["correct"] = _("A single-choice question has exactly one correct option.")
            elif self.kind == QuestionKind.MULTIPLE and not correct:
                errors["correct"] = _("Mark at least one correct option.")
        elif self.kind == QuestionKind.TRUE_FALSE:
            if options or correct not in ([0], [1]):
                errors["correct"] = _(
                    "A true/false question has no options and is either [0] (true) or [1] (false)."
                )
        elif self.kind == QuestionKind.SHORT and (options or correct):
            errors["options"] = _("A short-answer question has no options; a trainer marks it.")
        if not self.points:
            errors["points"] = _("A question is worth at least one point.")
        if errors:
            raise ValidationError(errors)


class Exam(ScopedModel):
    """An exam: rules that draw its paper from the bank, a time limit, a pass mark, retakes.

    `rules` is a list of {"topic": str, "difficulty": int, "count": int}."""

    title = models.CharField(_("title"), max_length=200)
    course = models.ForeignKey(
        "staff.Course",
        verbose_name=_("course"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rules = models.JSONField(_("drawing rules"), default=list)
    duration_minutes = models.PositiveSmallIntegerField(_("time limit (minutes)"), default=30)
    pass_mark = models.PositiveSmallIntegerField(_("pass mark (%)"), default=60)
    max_attempts = models.PositiveSmallIntegerField(_("attempts allowed"), default=3)
    grants = models.ForeignKey(
        "staff.CertificationType",
        verbose_name=_("certification granted on passing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_published = models.BooleanField(_("open to candidates"), default=False)

    objects: ClassVar[CatalogueQuerySet] = CatalogueQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("exam")
        verbose_name_plural = _("exams")
        ordering = ["-created_at"]
        permissions = [("take_exam", _("Can take exams"))]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        rules = self.rules if isinstance(self.rules, list) else None
        valid_difficulty = {choice.value for choice in Difficulty}
        if not rules or any(
            not isinstance(rule, dict)
            or not isinstance(rule.get("topic"), str)
            or not rule.get("topic", "").strip()
            or rule.get("difficulty") not in valid_difficulty
            or not isinstance(rule.get("count"), int)
            or isinstance(rule.get("count"), bool)
            or not 1 <= rule["count"] <= 200
            for rule in rules
        ):
            errors["rules"] = _(
                "Give at least one rule, each with a topic, a difficulty (1-3) and a count (1-200)."
            )
        if not 0 < self.pass_mark <= 100:
            errors["pass_mark"] = _("The pass mark is a percentage between 1 and 100.")
        if not 1 <= self.duration_minutes <= 600:
            errors["duration_minutes"] = _("The time limit is between 1 and 600 minutes.")
        if not errors and self.is_published and self.org_unit_id:
            from sqms.staff.examining import bank_shortfalls

            missing = bank_shortfalls(self)
            if missing:
                errors["rules"] = _(
                    "The question bank is too small for these rules: %(missing)s"
                ) % {"missing": "; ".join(missing)}
        if errors:
            raise ValidationError(errors)


class Attempt(ScopedModel):
    """One sitting of an exam by a candidate. The deadline is fixed when it starts, on the
    server's clock; `seed` reproduces the drawn paper."""

    exam = models.ForeignKey(
        Exam, verbose_name=_("exam"), on_delete=models.PROTECT, related_name="attempts"
    )
    person = models.ForeignKey(
        USER, verbose_name=_("candidate"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    seed = models.BigIntegerField(_("seed"))
    started_at = models.DateTimeField(_("started at"))
    deadline_at = models.DateTimeField(_("deadline"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    late_seconds = models.PositiveIntegerField(_("seconds late"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    score = models.DecimalField(_("score"), max_digits=7, decimal_places=2, default=0)
    max_score = models.PositiveIntegerField(_("maximum score"), default=0)
    percent = models.DecimalField(
        _("percent"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    objects: ClassVar[PersonalQuerySet] = PersonalQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("exam attempt")
        verbose_name_plural = _("exam attempts")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "person", "number"], name="staff_attempt_unique"
            ),
        ]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"{self.exam} #{self.number} {self.person}"


class AttemptQuestion(models.Model):
    """A question as drawn for one attempt: its place, its options' shuffled order, the answer
    given (indexes into the *original* options; text for short answers) and the points won."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    option_order = models.JSONField(default=list)
    answer = models.JSONField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    awarded = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    marked_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="staff_attemptq_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} Q{self.position}"
