"""Quality inspections: checklists, on-site inspections, mystery shopping and ticket review."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "sqms.inspections"
    label = "inspections"
    verbose_name = _("Inspections")
    default_auto_field = "django.db.models.BigAutoField"
