"""The core app: org units, users and roles, scope, audit log, crypto and masking, numbering."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "sqms.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from sqms.core import periodic, tasks

        periodic.register(tasks.prune_finished_tasks, every_seconds=3600)
