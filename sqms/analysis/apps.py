"""Analysis: complaint hot-spots, customer segments, associations and forecasts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    name = "sqms.analysis"
    label = "analysis"
    verbose_name = _("Analysis")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sqms.analysis import tasks
        from sqms.analysis.menu import register_navigation
        from sqms.core import periodic

        register_navigation()
        periodic.register(tasks.refresh_analyses, every_seconds=tasks.REFRESH_EVERY_SECONDS)
