"""Background work of the staff app: the daily reminders (run by `sqms worker`)."""

from django.tasks import task

from sqms.staff.reminders import send_reminders

REMINDERS_EVERY_SECONDS = 24 * 60 * 60


@task()
def staff_reminders() -> dict[str, int]:
    """Remind people of overdue training and of certifications about to expire."""
    return send_reminders()
