"""Background work of customer notifications: send one message, and the minutely sweep."""

from django.tasks import task

from sqms.notifications import delivery
from sqms.notifications.choices import MessageStatus

SEND_DUE_EVERY_SECONDS = 60


@task()
def send_outbound_messages(message_ids: list[int]) -> int:
    """Send the messages queued together (enqueued after the commit that queued them), one
    after the other; returns how many were sent."""
    return sum(delivery.deliver(pk) == MessageStatus.SENT for pk in message_ids)


@task()
def send_outbound_message(message_id: int) -> str | None:
    """Send one queued message: the task earlier versions enqueued, kept so that those still
    in the queue run."""
    return delivery.deliver(message_id)


@task()
def send_due_messages() -> int:
    """Send messages whose enqueue was lost and the retries whose back-off has passed."""
    return delivery.send_due()
