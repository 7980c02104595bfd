"""Survey responses (one per invitation), their answers, and follow-ups of low scores."""

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel, ScopedQuerySet
from sqms.surveys.choices import FOLLOW_UP_COLOURS, FollowUpStatus, ResponseMode

USER = settings.AUTH_USER_MODEL


class SurveyResponse(ScopedModel):
    """A customer's answers to one version. Started on the first saved answer (partial),
    complete on submit; overall, NPS, CES and the comment are copied here from the answers
    so every result is one grouped query over this table."""

    version = models.ForeignKey(
        "surveys.SurveyVersion",
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="responses",
    )
    invitation = models.OneToOneField(
        "surveys.Invitation",
        verbose_name=_("invitation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="response",
    )
    campaign = models.ForeignKey(
        "surveys.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
    )
    staff = models.ForeignKey(
        USER,
        verbose_name=_("staff"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20, blank=True)
    category = models.ForeignKey(
        "servicedesk.Category",
        verbose_name=_("problem type"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    mode = models.CharField(
        _("answered by"), max_length=10, choices=ResponseMode.choices, default=ResponseMode.LINK
    )
    entered_by = models.ForeignKey(
        USER,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, db_index=True)
    overall = models.PositiveSmallIntegerField(_("overall rating"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("recommendation (0–10)"), null=True, blank=True)
    ces = models.PositiveSmallIntegerField(_("effort (1–7)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    objects: ClassVar[Any] = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-completed_at", "-id"]
        permissions = [
            ("export_surveyresponse", _("Can export survey answers and results")),
            ("enter_surveyresponse", _("Can enter survey answers (phone, counter tablet)")),
        ]
        indexes = [
            models.Index(fields=["org_unit", "completed_at"], name="surveys_resp_unit"),
            models.Index(fields=["updated_at"], name="surveys_resp_updated"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class Answer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(
        "surveys.Question", on_delete=models.PROTECT, related_name="answers"
    )
    number = models.SmallIntegerField(_("score"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response_id", "question__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="surveys_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"


class FollowUp(ScopedModel):
    """A call-back (客户回访) to a customer who gave a low score, owned by a unit manager."""

    response = models.OneToOneField(
        SurveyResponse,
        verbose_name=_("response"),
        on_delete=models.CASCADE,
        related_name="follow_up",
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_follow_ups",
    )
    assignee = models.ForeignKey(
        USER,
        verbose_name=_("assigned to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_follow_ups",
    )
    score = models.PositiveSmallIntegerField(_("overall rating"))
    due_at = models.DateTimeField(_("due"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        USER,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    improvement_action = models.ForeignKey(
        "improvement.ImprovementAction",
        verbose_name=_("improvement action"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects: ClassVar[Any] = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["status", "due_at", "id"]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def status_colour(self) -> str:
        return FOLLOW_UP_COLOURS.get(FollowUpStatus(self.status), "secondary")

    @property
    def is_overdue(self) -> bool:
        return self.status == FollowUpStatus.OPEN and self.due_at < timezone.now()
