"""The risk register: configurable risk matrices, ratings, controls, and Monte Carlo."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Migration 0003 seeds; a flush (as transactional tests do) empties the tables and then
    # sends post_migrate, so put the seeded matrices back (idempotent).
    from sqms.core.app_modules import seeding_apps
    from sqms.risk.seeds import seed

    apps = seeding_apps(sender.label, **kwargs)
    if apps is not None:
        seed(apps, None)


class RiskConfig(AppConfig):
    name = "sqms.risk"
    label = "risk"
    verbose_name = _("Risk")

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.risk import tasks
        from sqms.risk.menu import register_navigation

        register_navigation()
        periodic.register(tasks.remind_risk_owners, every_seconds=tasks.REMINDER_EVERY_SECONDS)
        post_migrate.connect(_seed_after_migrate, sender=self)
