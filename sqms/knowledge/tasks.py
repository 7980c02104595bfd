"""Background work of the knowledge base: the reminder of articles past their review date."""

from django.tasks import task

from sqms.knowledge import services

EXPIRY_EVERY_SECONDS = 6 * 60 * 60


@task()
def remind_expired_articles() -> int:
    """Remind owners of published articles past their review date (once per date)."""
    return services.remind_expired()
