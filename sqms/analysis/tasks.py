"""Background work of the analysis app: the daily refresh of every stored analysis."""

import logging

from django.tasks import task

from sqms.analysis.choices import PeriodKind
from sqms.core.errors import DomainError
from sqms.core.models import OrgUnit
from sqms.core.system_actor import system_actor

logger = logging.getLogger(__name__)

REFRESH_EVERY_SECONDS = 24 * 60 * 60
# The company and its branches: the levels a quality manager compares.
MAX_DEPTH = 2


def refresh_all() -> int:
    """Recompute hot-spots (this month and week), segments, associations and forecasts for the
    company and each branch; a unit with too little data is skipped. Returns the results
    stored."""
    from sqms.analysis import services  # statsmodels and scikit-learn: only when it runs

    actor = system_actor()
    stored = 0
    units = OrgUnit.objects.filter(depth__lte=MAX_DEPTH, is_active=True).order_by("path")
    for unit in units:
        jobs = [
            lambda u=unit: services.compute_hotspots(
                actor=actor, unit=u, period_kind=PeriodKind.MONTH
            ),
            lambda u=unit: services.compute_hotspots(
                actor=actor, unit=u, period_kind=PeriodKind.WEEK
            ),
            lambda u=unit: services.compute_segments(actor=actor, unit=u),
            lambda u=unit: services.compute_associations(actor=actor, unit=u),
            lambda u=unit: services.compute_forecasts(actor=actor, unit=u),
        ]
        for job in jobs:
            try:
                job()
                stored += 1
            except DomainError as skipped:
                logger.info("analysis of %s skipped: %s", unit.code, skipped)
    return stored


@task()
def refresh_analyses() -> int:
    """Daily: recompute the stored analyses (idempotent: a period's report is replaced)."""
    return refresh_all()
