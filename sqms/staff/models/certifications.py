"""Certifications (上岗资格): the kinds of qualification and who holds which, until when."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sqms.core.models import ScopedModel
from sqms.servicedesk.choices import TicketKind
from sqms.staff.choices import Enforcement
from sqms.staff.models.base import CatalogueQuerySet, PersonalQuerySet

USER = settings.AUTH_USER_MODEL


class CertificationType(ScopedModel):
    """A qualification required to register a kind of business (optionally one problem type)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    ticket_kind = models.CharField(
        _("required for ticket kind"), max_length=20, choices=TicketKind.choices, blank=True
    )
    category = models.ForeignKey(
        "servicedesk.Category",
        verbose_name=_("required for problem type"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    validity_months = models.PositiveSmallIntegerField(_("valid for (months)"), default=12)
    enforcement = models.CharField(
        _("without it"), max_length=10, choices=Enforcement.choices, default=Enforcement.WARN
    )

    objects: ClassVar[CatalogueQuerySet] = CatalogueQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("certification type")
        verbose_name_plural = _("certification types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Certification(ScopedModel):
    person = models.ForeignKey(
        USER, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="+"
    )
    cert_type = models.ForeignKey(
        CertificationType,
        verbose_name=_("certification"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    obtained_on = models.DateField(_("obtained on"))
    expires_on = models.DateField(_("expires on"), db_index=True)
    attempt = models.ForeignKey(
        "staff.Attempt",
        verbose_name=_("exam attempt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked = models.BooleanField(_("revoked"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoke_reason = models.TextField(_("reason for revoking"), blank=True)

    objects: ClassVar[PersonalQuerySet] = PersonalQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["-obtained_on"]
        indexes = [models.Index(fields=["person", "cert_type", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.cert_type} · {self.person}"
