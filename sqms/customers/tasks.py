"""Background work of the customers app: the daily retention purge run by `sqms worker`."""

import logging

from django.tasks import task

from sqms.customers.retention import run_retention

logger = logging.getLogger(__name__)

RETENTION_EVERY_SECONDS = 24 * 60 * 60


@task()
def retention_purge() -> dict[str, int]:
    """Anonymise or destroy what is past retention; returns the count per record type."""
    entries = run_retention()
    result = {entry.record_type: entry.affected for entry in entries}
    if result:
        logger.info("Retention purge: %s", result)
    return result
