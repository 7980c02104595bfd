"""State changes of the insight app: retraining (queued) and activating a model version."""

from typing import Any

from django.core.exceptions import PermissionDenied

from sqms.insight.models import TextModel
from sqms.insight.roles import TRAIN


def request_training(*, actor: Any, force: bool = False) -> Any:
    """Queue a retraining run (the worker trains; a large history takes a minute)."""
    if not actor.has_perm(TRAIN):
        raise PermissionDenied
    from sqms.insight.tasks import retrain_models

    # Nothing of ours changes here, so there is no transaction to wait for: queue at once.
    return retrain_models.enqueue(force=force)


def activate_model(model: TextModel, *, actor: Any) -> TextModel:
    if not actor.has_perm(TRAIN):
        raise PermissionDenied
    # Imported here, as it brings in scikit-learn: the API's URLconf imports this module.
    from sqms.insight import training

    return training.activate(model, actor=actor)
