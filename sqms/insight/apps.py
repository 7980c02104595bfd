"""Suggestions at intake: classification, priority and similar cases."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "sqms.insight"
    label = "insight"
    verbose_name = _("Insight")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.insight import sections, tasks
        from sqms.insight.menu import register_navigation
        from sqms.insight.outcomes import on_ticket_events
        from sqms.servicedesk import extensions
        from sqms.servicedesk.signals import ticket_events

        register_navigation()
        periodic.register(tasks.retrain_models, every_seconds=tasks.RETRAIN_EVERY_SECONDS)
        ticket_events.connect(on_ticket_events, dispatch_uid="insight_outcomes")
        extensions.register_registration_section(
            extensions.Section(
                key="insight",
                template="insight/_registration_section.html",
                context=sections.registration_context,
                order=50,
            )
        )
        extensions.register_ticket_section(
            extensions.Section(
                key="insight_similar",
                template="insight/_ticket_section.html",
                context=sections.ticket_context,
                place="side",
                order=60,
            )
        )
