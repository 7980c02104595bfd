"""Satisfaction surveys: templates, invitations, answers and results."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "sqms.surveys"
    label = "surveys"
    verbose_name = _("Surveys")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.quality import sources
        from sqms.servicedesk import extensions
        from sqms.servicedesk.signals import ticket_events
        from sqms.surveys import sections, seed, services, tasks
        from sqms.surveys.facts import SurveyFacts
        from sqms.surveys.menu import register_navigation

        register_navigation()
        periodic.register(tasks.expire_invitations, every_seconds=tasks.EXPIRE_EVERY_SECONDS)
        ticket_events.connect(services.on_ticket_events, dispatch_uid="surveys.invitations")
        sources.register(SurveyFacts())
        extensions.register_ticket_section(
            extensions.Section(
                key="surveys",
                template="surveys/_ticket_section.html",
                context=sections.ticket_section,
                place="side",
                order=60,
            )
        )
        post_migrate.connect(seed.on_post_migrate, sender=self, dispatch_uid="surveys.seed")
        self._connect_customers()

    def _connect_customers(self) -> None:
        from sqms.customers import history, retention
        from sqms.customers.choices import RecordType
        from sqms.surveys import integration

        history.register_source(integration.history_entries)
        history.register_satisfaction(integration.last_satisfaction)
        retention.register_handler(RecordType.SURVEY_FREE_TEXT, integration.purge_free_text)
