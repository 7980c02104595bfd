"""Quality inspections: checklists, on-site inspections, mystery shopping and ticket review."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_after_migrate(sender: Any, **kwargs: Any) -> None:
    """Put the seed checklists back after a flush (browser tests); never changes existing ones."""
    from sqms.core.app_modules import seeding_apps
    from sqms.inspections.seeds import seed_checklists

    if seeding_apps(sender.label, **kwargs) is not None:
        seed_checklists()


class InspectionsConfig(AppConfig):
    name = "sqms.inspections"
    label = "inspections"
    verbose_name = _("Inspections")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sqms.inspections.menu import register_navigation
        from sqms.inspections.sections import register_sections

        register_navigation()
        register_sections()
        post_migrate.connect(_seed_after_migrate, sender=self, dispatch_uid="inspections_seed")
        try:
            from sqms.inspections.facts import InspectionFacts
            from sqms.quality import sources
        except ImportError:  # the quality app is not installed
            return
        sources.register(InspectionFacts())
