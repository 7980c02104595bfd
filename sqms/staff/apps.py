"""Staff quality: archive, training, exams, certifications, scorecards, rewards and penalties."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "sqms.staff"
    label = "staff"
    verbose_name = _("Staff quality")

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.staff import tasks
        from sqms.staff.menu import register_navigation

        register_navigation()
        periodic.register(tasks.staff_reminders, every_seconds=tasks.REMINDERS_EVERY_SECONDS)
