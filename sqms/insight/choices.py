"""Enumerations of the insight app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    CATEGORY = "category", _("Problem type")
    PRIORITY = "priority", _("Priority")
