"""Background work of the improvement app: the daily overdue reminder."""

from django.tasks import task

from sqms.improvement import reminders

OVERDUE_EVERY_SECONDS = 60 * 60


@task()
def notify_overdue_actions() -> int:
    """Remind owners and managers of overdue actions (once per deadline; hourly is cheap)."""
    return reminders.notify_overdue()
