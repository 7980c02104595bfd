"""Invitation rules (which closed tickets are surveyed), campaigns and the invitations."""

from typing import Any, ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel, ScopedQuerySet
from sqms.surveys.choices import CampaignStatus, InvitationStatus

USER = settings.AUTH_USER_MODEL


class InvitationRule(ScopedModel):
    """Applies to tickets of its org unit's subtree that close with a matching kind and
    channel (an empty list matches all)."""

    name = models.CharField(_("name"), max_length=120)
    template = models.ForeignKey(
        "surveys.SurveyTemplate",
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="rules",
    )
    kinds = models.JSONField(_("ticket kinds"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    sampling_rate = models.PositiveSmallIntegerField(
        _("sampling rate (%)"),
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    quiet_days = models.PositiveSmallIntegerField(
        _("quiet days"),
        default=30,
        help_text=_("No more than one invitation per customer within this many days."),
    )
    expiry_days = models.PositiveSmallIntegerField(
        _("expires after (days)"), default=7, validators=[MinValueValidator(1)]
    )
    low_score_threshold = models.PositiveSmallIntegerField(
        _("low overall score"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("An overall rating at or below this opens a follow-up."),
    )
    active = models.BooleanField(_("active"), default=True)

    objects: ClassVar[Any] = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation rule")
        verbose_name_plural = _("invitation rules")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def matches(self, kind: str, channel: str) -> bool:
        return (not self.kinds or kind in self.kinds) and (
            not self.channels or channel in self.channels
        )


class Campaign(ScopedModel):
    """A survey of a customer segment and/or an org unit's subtree over a period (e.g. the
    quarterly survey), with its own invitation list."""

    name = models.CharField(_("name"), max_length=120)
    version = models.ForeignKey(
        "surveys.SurveyVersion",
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    segment = models.CharField(_("customer segment"), max_length=20, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    quiet_days = models.PositiveSmallIntegerField(_("quiet days"), default=30)
    invitations_made = models.PositiveIntegerField(_("invitations"), default=0)

    objects: ClassVar[Any] = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-period_start", "-id"]

    def __str__(self) -> str:
        return self.name


class Invitation(ScopedModel):
    """An invitation to answer one survey version, by a signed single-use link.

    Only a hash of the token is stored for look-up; the link can be rebuilt from the nonce
    with the server's secret, so a copy of the database alone opens no survey.
    """

    version = models.ForeignKey(
        "surveys.SurveyVersion",
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="invitations",
    )
    rule = models.ForeignKey(
        InvitationRule,
        verbose_name=_("rule"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    ticket = models.ForeignKey(
        "servicedesk.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="survey_invitations",
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_invitations",
    )
    # Copied from the ticket for slicing the response rate.
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
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    nonce = models.CharField(max_length=32, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PENDING,
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_via = models.CharField(_("sent via"), max_length=20, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    objects: ClassVar[Any] = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="surveys_inv_customer"),
            models.Index(fields=["status", "expires_at"], name="surveys_inv_status"),
            models.Index(fields=["org_unit", "created_at"], name="surveys_inv_unit"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "rule"],
                condition=models.Q(rule__isnull=False),
                name="surveys_inv_ticket_rule",
            ),
            models.UniqueConstraint(
                fields=["campaign", "customer"],
                condition=models.Q(campaign__isnull=False),
                name="surveys_inv_campaign_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @property
    def is_expired(self) -> bool:
        return self.status == InvitationStatus.EXPIRED or (
            self.status == InvitationStatus.PENDING and self.expires_at <= timezone.now()
        )

    @property
    def is_open(self) -> bool:
        return self.status == InvitationStatus.PENDING and self.expires_at > timezone.now()
