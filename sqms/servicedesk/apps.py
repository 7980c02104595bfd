"""The service desk: tickets carried through the closed service loop under SLA."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Migration 0003 seeds; a flush (as transactional tests do) empties the tables and then
    # sends post_migrate, so put the seed data back (it is idempotent).
    from sqms.core.app_modules import seeding_apps
    from sqms.servicedesk.seeds import seed

    apps = seeding_apps(sender.label, **kwargs)
    if apps is not None:
        seed(apps, None)


class ServicedeskConfig(AppConfig):
    name = "sqms.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.servicedesk import document_menu, tasks
        from sqms.servicedesk.menu import register_navigation

        register_navigation()
        document_menu.register_navigation()
        periodic.register(tasks.sla_sweep, every_seconds=tasks.SWEEP_EVERY_SECONDS)
        periodic.register(tasks.end_interrupted_imports, every_seconds=15 * 60)
        post_migrate.connect(_seed_after_migrate, sender=self)
