"""Background work of the surveys app: expiring invitations."""

from django.tasks import task

from sqms.surveys import services

EXPIRE_EVERY_SECONDS = 60 * 60


@task()
def expire_invitations() -> int:
    """Mark pending invitations past their expiry as expired (idempotent)."""
    return services.expire_invitations()
