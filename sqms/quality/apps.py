"""Quality: indicators, targets, rollups, dashboards, early warning and evaluation reports."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Migration 0002 seeds the catalogue; a flush (transactional tests) empties the tables
    # and then sends post_migrate, so put it back (idempotent).
    from sqms.core.app_modules import seeding_apps
    from sqms.quality.catalogue import seed_catalogue

    apps = seeding_apps(sender.label, **kwargs)
    if apps is not None:
        seed_catalogue(apps, None)


class QualityConfig(AppConfig):
    name = "sqms.quality"
    label = "quality"
    verbose_name = _("Quality")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.quality import sources, tasks  # noqa: F401 - sources register themselves
        from sqms.quality.menu import register_navigation

        register_navigation()
        periodic.register(tasks.quality_upkeep, every_seconds=tasks.UPKEEP_EVERY_SECONDS)
        post_migrate.connect(_seed_after_migrate, sender=self)
