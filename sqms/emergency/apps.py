"""Emergency response: plans, incidents, drills, post-incident reviews, continuity notices."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _seed_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Migration 0003 seeds; a flush (as transactional tests do) empties the tables and then
    # sends post_migrate, so put the seed plans back for the organisations there are.
    from sqms.core.app_modules import seeding_apps
    from sqms.emergency.seeds import seed

    apps = seeding_apps(sender.label, **kwargs)
    if apps is not None:
        seed(apps, None)


def _seed_new_organisation(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    # A new organisation (root unit) gets the seed plans, so a duty officer has a plan for
    # every event type from the first day.
    if created and not kwargs.get("raw") and instance.depth == 1:
        from django.apps import apps

        from sqms.emergency.seeds import seed_plans_for

        seed_plans_for(apps, instance)


class EmergencyConfig(AppConfig):
    name = "sqms.emergency"
    label = "emergency"
    verbose_name = _("Emergency response")

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.core.models import OrgUnit
        from sqms.emergency import tasks
        from sqms.emergency.menu import register_navigation

        register_navigation()
        periodic.register(tasks.emergency_reminders, every_seconds=tasks.REMINDERS_EVERY_SECONDS)
        periodic.register(tasks.ticket_surge_watch, every_seconds=tasks.SURGE_EVERY_SECONDS)
        post_migrate.connect(_seed_after_migrate, sender=self)
        post_save.connect(
            _seed_new_organisation, sender=OrgUnit, dispatch_uid="emergency_seed_new_organisation"
        )
