"""Enumerations of the analysis app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")


class ItemKind(models.TextChoices):
    """What an item of a complaint "basket" names, for the association rules."""

    CATEGORY = "category", _("Problem type")
    CHANNEL = "channel", _("Channel")
    UNIT_KIND = "unit_kind", _("Unit kind")
    UNIT = "unit", _("Org unit")
    PRODUCT = "product", _("Product")
    KIND = "kind", _("Kind")


class SatisfactionSource(models.TextChoices):
    SURVEYS = "surveys", _("Survey answers")
    MISSING = "missing", _("Not available (median imputed)")
