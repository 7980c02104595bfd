"""Background work of the service desk: the SLA sweep, run every minute by `sqms worker`, and
ticket imports."""

import logging

from django.conf import settings
from django.tasks import task

from sqms.servicedesk.sweep import sweep

logger = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 60


@task()
def sla_sweep() -> dict[str, int]:
    """Warn about and escalate the tickets whose SLA times have come; returns the counts."""
    result = sweep(batch_size=settings.SQMS_SLA_SWEEP_BATCH)
    if result.warned or result.escalated:
        logger.info(
            "SLA sweep: %d checked, %d warned, %d escalated",
            result.checked,
            result.warned,
            result.escalated,
        )
    return {"checked": result.checked, "warned": result.warned, "escalated": result.escalated}


@task()
def run_ticket_import(job_id: int) -> str:
    """Check and import an uploaded file (see sqms.servicedesk.import_jobs)."""
    from sqms.servicedesk.import_jobs import run_import

    return run_import(job_id).status


@task()
def end_interrupted_imports() -> int:
    """Close the imports a stopped worker left running (see import_jobs)."""
    from sqms.servicedesk.import_jobs import end_interrupted

    return end_interrupted()
