"""Inbound channels: the mail gateway, signed webhooks and the dead-letter list."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "sqms.intake"
    label = "intake"
    verbose_name = _("Intake channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.intake import tasks
        from sqms.intake.menu import register_navigation
        from sqms.intake.sections import register_sections

        register_navigation()
        register_sections()
        periodic.register(tasks.poll_imap, every_seconds=tasks.IMAP_EVERY_SECONDS)
