"""Background work of the intake app: IMAP polling (when configured)."""

from django.tasks import task

from sqms.intake import imap

IMAP_EVERY_SECONDS = imap.POLL_EVERY_SECONDS


@task()
def poll_imap() -> int:
    """Fetch unread mail from the configured IMAP folder (nothing when none is set)."""
    return imap.poll()
