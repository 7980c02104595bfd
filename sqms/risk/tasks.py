"""Background work of the risk app: Monte Carlo runs."""

from django.tasks import task

from sqms.risk.simulation import execute_run


@task()
def run_monte_carlo(run_id: int) -> str:
    """Simulate one stored run; returns its final status."""
    run = execute_run(run_id)
    return run.status if run is not None else "missing"


REMINDER_EVERY_SECONDS = 24 * 3600


@task()
def remind_risk_owners() -> int:
    """Tell owners about overdue reviews and controls (at most weekly per risk)."""
    from sqms.risk.reminders import remind_owners

    return remind_owners()
