"""The core app: org units, users and roles, scope, audit log, crypto and masking, numbering."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # The data migrations create the roles; a database flush (as transactional tests do)
    # removes them again and then sends post_migrate, so restore them here too.
    from sqms.core.app_modules import seeding_apps
    from sqms.core.roles import sync_roles

    apps = seeding_apps(sender.label, **kwargs)
    if apps is not None:
        sync_roles(apps)


class CoreConfig(AppConfig):
    name = "sqms.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models import fields

        from sqms.core import navigation, periodic, signals, tasks

        # The blank choice of every select (new in Django 6.1) has no Chinese in Django's own
        # catalogue; naming it here keeps it in ours, where it is translated.
        fields.BLANK_CHOICE_LABEL = _("- Select an option -")

        periodic.register(tasks.prune_finished_tasks, every_seconds=3600)
        navigation.register_core_items()
        signals.connect()
        post_migrate.connect(_sync_roles_after_migrate, sender=self)
