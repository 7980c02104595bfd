"""Suggestions at intake: classification, priority and similar cases."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "sqms.insight"
    label = "insight"
    verbose_name = _("Insight")
    default_auto_field = "django.db.models.BigAutoField"
