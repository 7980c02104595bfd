"""Customer notifications: templates, email and SMS/IM gateway delivery, replies."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    # Migration 0003 seeds the templates; a flush (transactional tests) empties the table and
    # then sends post_migrate, so put them back (idempotent, never overwriting edits).
    from sqms.core.app_modules import seeding_apps
    from sqms.notifications.seeds import seed_templates

    apps = seeding_apps(sender.label, **kwargs)
    if apps is not None:
        seed_templates(apps, None)


class NotificationsConfig(AppConfig):
    name = "sqms.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.notifications import tasks, triggers
        from sqms.notifications.menu import register_navigation
        from sqms.servicedesk import extensions
        from sqms.servicedesk.signals import ticket_events

        register_navigation()
        periodic.register(tasks.send_due_messages, every_seconds=tasks.SEND_DUE_EVERY_SECONDS)
        ticket_events.connect(
            triggers.on_ticket_events, dispatch_uid="notifications.on_ticket_events"
        )
        extensions.register_ticket_section(
            extensions.Section(
                key="conversation",
                template="notifications/_ticket_conversation.html",
                context=_conversation_context,
                place="main",
                order=10,
            )
        )
        post_migrate.connect(_seed_after_migrate, sender=self)
        from django.apps import apps

        if apps.is_installed("sqms.emergency"):
            from sqms.emergency import customers
            from sqms.notifications.incidents import send_outage_notice

            customers.register(send_outage_notice)


def _conversation_context(request: Any, ticket: Any) -> dict[str, Any] | None:
    from sqms.notifications.conversation import section_context

    return section_context(request, ticket)
