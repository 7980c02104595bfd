"""The indicator catalogue (指标体系) and the versioned targets per indicator and org unit."""

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from sqms.quality.choices import Direction, Source, ValueUnit


class Indicator(models.Model):
    """An indicator as data: what it measures and how, so a page can explain it.

    `code` ties the row to its computation in sqms.quality.catalogue (the formula over rollup
    measures); the texts here are what people read.
    """

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    definition = models.TextField(_("definition (Chinese)"))
    definition_en = models.TextField(_("definition (English)"))
    numerator = models.CharField(_("numerator"), max_length=300, blank=True)
    denominator = models.CharField(_("denominator"), max_length=300, blank=True)
    value_unit = models.CharField(_("unit"), max_length=20, choices=ValueUnit.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    slices = models.JSONField(_("slices"), default=list, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def display_definition(self) -> str:
        if (get_language() or "").startswith("en"):
            return self.definition_en
        return self.definition

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER


class Target(models.Model):
    """One version of a target: rows are never edited, a change adds a row (动态调整).

    The target in force for (indicator, unit, day) is the newest version with
    `valid_from` ≤ day on the nearest of the unit and its ancestors; a row without a unit is
    the organisation-wide default. `target` is the green boundary, `alarm` the far end of
    the warning band (values beyond it are in alarm).
    """

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="targets"
    )
    org_unit = models.ForeignKey(
        "core.OrgUnit",
        verbose_name=_("org unit"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    valid_from = models.DateField(_("valid from"))
    target = models.DecimalField(_("target"), max_digits=10, decimal_places=2)
    alarm = models.DecimalField(_("alarm threshold"), max_digits=10, decimal_places=2)
    # "< 5%": the target value itself is not yet green.
    strict = models.BooleanField(_("strictly better than the target"), default=False)
    reason = models.CharField(_("reason for the change"), max_length=300)
    created_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["indicator__order", "org_unit__path", "-valid_from", "-id"]
        indexes = [models.Index(fields=["indicator", "org_unit", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.target} ({self.valid_from})"
