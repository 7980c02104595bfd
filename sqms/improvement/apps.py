"""Improvement actions: every finding turned into a tracked PDCA cycle with a check it worked."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    name = "sqms.improvement"
    label = "improvement"
    verbose_name = _("Improvement actions")

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.improvement import tasks
        from sqms.improvement.menu import register_navigation

        register_navigation()
        periodic.register(tasks.notify_overdue_actions, every_seconds=tasks.OVERDUE_EVERY_SECONDS)
