"""Background work of the insight app: the weekly retraining."""

from typing import Any

from django.tasks import task

RETRAIN_EVERY_SECONDS = 7 * 24 * 60 * 60


@task()
def retrain_models(force: bool = False) -> dict[str, Any]:
    """Retrain both models on the ticket history; a worse model is kept but not activated."""
    from sqms.core.system_actor import system_actor
    from sqms.insight import outcomes, training

    outcomes.sync_final_categories()
    result = training.train_from_tickets(actor=system_actor(), force=force)
    return {
        "seconds": round(result.seconds, 2),
        "texts": result.n_texts,
        "models": {r.purpose: (r.model.version if r.model else None) for r in result.results},
        "insufficient": {r.purpose: r.insufficient for r in result.results if r.insufficient},
    }
