"""Background work of emergency response: daily reminders and the ticket-surge watch."""

import logging

from django.tasks import task

from sqms.emergency.surge import watch_ticket_surges

logger = logging.getLogger(__name__)

REMINDERS_EVERY_SECONDS = 60 * 60
SURGE_EVERY_SECONDS = 5 * 60


@task()
def emergency_reminders() -> dict[str, int]:
    """Overdue drills and plan reviews tell their owners (once a day); review actions that
    waited for the improvement app are opened."""
    from sqms.emergency.services import push_pending_actions, remind_overdue

    result = remind_overdue()
    result["improvement_actions"] = push_pending_actions()
    if any(result.values()):
        logger.info("emergency reminders: %s", result)
    return result


@task()
def ticket_surge_watch() -> int:
    """Report an incident when one problem type's tickets surge in a unit."""
    return len(watch_ticket_surges())
