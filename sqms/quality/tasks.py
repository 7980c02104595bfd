"""Background work of the quality app: rollup upkeep plus early warning, and reports."""

import datetime
import logging

from django.tasks import task

logger = logging.getLogger(__name__)

UPKEEP_EVERY_SECONDS = 60
# The rules look at days up to yesterday: evaluating them every quarter of an hour is plenty.
WARNING_EVERY = datetime.timedelta(minutes=15)


def warning_due() -> bool:
    """Whether the early-warning rules are due; claims the run (one caller wins)."""
    from django.utils import timezone

    from sqms.quality.models import RollupState

    now = timezone.now()
    state, _created = RollupState.objects.get_or_create(name="warning")
    if state.watermark is not None and state.watermark > now - WARNING_EVERY:
        return False
    claimed = RollupState.objects.filter(name="warning", watermark=state.watermark).update(
        watermark=now
    )
    return claimed == 1


@task()
def quality_upkeep() -> dict[str, int]:
    """Bring the rollups up to date, then evaluate the early-warning rules on them."""
    from sqms.quality.rollups import upkeep
    from sqms.quality.warning import evaluate_rules

    result = upkeep()
    raised = evaluate_rules() if warning_due() else 0
    if result.keys or raised:
        logger.info("quality upkeep: %d keys recomputed, %d alerts raised", result.keys, raised)
    return {"keys": result.keys, "rows": result.rows, "alerts": raised}


@task()
def build_evaluation_report(report_id: int) -> None:
    from sqms.quality.reports import build_report

    build_report(report_id)
