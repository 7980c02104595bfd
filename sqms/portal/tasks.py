"""Background work of the portal: pruning rate-limit hits no window looks at any more."""

from django.tasks import task

from sqms.portal import limits

PRUNE_EVERY_SECONDS = 60 * 60


@task()
def prune_limit_hits() -> int:
    return limits.prune()
