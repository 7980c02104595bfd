"""The knowledge base: articles, review and publishing, Chinese full-text search."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "sqms.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sqms.core import periodic
        from sqms.knowledge import tasks
        from sqms.knowledge.menu import register_navigation
        from sqms.knowledge.ticket_section import register_sections

        register_navigation()
        register_sections()
        periodic.register(tasks.remind_expired_articles, every_seconds=tasks.EXPIRY_EVERY_SECONDS)
