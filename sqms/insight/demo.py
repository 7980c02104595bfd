"""Demo data of the insight app: the models, trained on the demo history.

The quality app's demo history (sqms.quality.history) gives each ticket a title and
description written for its problem type by this app's corpus, with its kind and priority, so
the classifiers train on meaningful history and suggestions work right after `sqms demo`.
"""

import logging
from typing import Any

from sqms.core.models import OrgUnit

logger = logging.getLogger(__name__)


def populate(units: dict[str, OrgUnit], users_by_role: dict[str, Any]) -> None:
    from sqms.insight import training
    from sqms.insight.models import TextModel

    if TextModel.objects.exists():
        return
    result = training.train_from_tickets(actor=users_by_role.get("quality_manager"))
    for trained in result.results:
        if trained.model is None:
            logger.warning(
                "insight demo: %s not trained: %s", trained.purpose, trained.insufficient
            )
