"""Inbound channels: the mail gateway, signed webhooks and the dead-letter list."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "sqms.intake"
    label = "intake"
    verbose_name = _("Intake channels")
    default_auto_field = "django.db.models.BigAutoField"
