"""Background work of the core app."""

from datetime import timedelta

from django.tasks import task
from django.utils import timezone


@task()
def prune_finished_tasks(days: int = 7) -> int:
    """Delete finished task results older than `days` so the queue table stays small."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
