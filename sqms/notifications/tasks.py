"""Background work of customer notifications: send one message, and the minutely sweep."""

from django.tasks import task

from sqms.notifications import delivery

SEND_DUE_EVERY_SECONDS = 60


@task()
def send_outbound_message(message_id: int) -> str | None:
    """Send one queued message (enqueued after the commit that queued it)."""
    return delivery.deliver(message_id)


@task()
def send_due_messages() -> int:
    """Send messages whose enqueue was lost and the retries whose back-off has passed."""
    return delivery.send_due()
