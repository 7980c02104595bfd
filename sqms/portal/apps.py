"""The public customer portal: submit, track and confirm without an account."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "sqms.portal"
    label = "portal"
    verbose_name = _("Customer portal")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.portal import tasks

        periodic.register(tasks.prune_limit_hits, every_seconds=tasks.PRUNE_EVERY_SECONDS)
