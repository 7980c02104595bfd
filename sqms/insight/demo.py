"""Demo data of the insight app: realistic texts for the synthetic tickets, then the models.

The quality app's demo history ("DEMO…" tickets) has titles unrelated to their problem types;
here each gets a title and description written for its type (sqms.insight.corpus), a leaf
type where it had a parent one, and a priority drawn for that type, so the classifiers train
on meaningful history and suggestions work right after `sqms demo`.
"""

import logging
import random
from typing import Any

from sqms.core.models import OrgUnit

logger = logging.getLogger(__name__)

SEED = 11
BATCH = 1000


def populate(units: dict[str, OrgUnit], users_by_role: dict[str, Any]) -> None:
    from sqms.insight import corpus, training
    from sqms.insight.models import TextModel
    from sqms.servicedesk.models import Category, Ticket
    from sqms.servicedesk.seeds import MATRIX

    if TextModel.objects.exists():
        return
    categories = list(Category.objects.filter(is_active=True).order_by("path"))
    by_code = {c.code: c for c in categories}
    leaves_of: dict[int, list[Any]] = {}
    for category in categories:
        leaves = [c for c in categories if c.path.startswith(category.path) and c.is_leaf()]
        leaves_of[category.pk] = leaves or [category]
    levels = {priority: pair for pair, priority in sorted(MATRIX.items(), reverse=True)}
    rng = random.Random(SEED)  # noqa: S311 - demo data, not security
    tickets = list(
        Ticket.objects.filter(number__startswith="DEMO", category__isnull=False).order_by("number")
    )
    for ticket in tickets:
        leaves = leaves_of.get(ticket.category_id or 0) or []
        category = leaves[rng.randrange(len(leaves))] if leaves else None
        code = category.code if category is not None else "other"
        item = corpus.labelled_text(code, rng)
        # The label noise of the corpus stands for agents' slips: keep the labelled type.
        ticket.category = by_code.get(item.category_code, category)
        ticket.title = item.title[:200]
        ticket.description = item.description
        ticket.priority = item.priority
        ticket.impact, ticket.urgency = levels[item.priority]
    Ticket.objects.bulk_update(
        tickets,
        ["category", "title", "description", "priority", "impact", "urgency"],
        batch_size=BATCH,
    )
    from django.apps import apps

    if apps.is_installed("sqms.quality"):
        # Problem types and priorities changed: the quality rollups must match the tickets.
        from sqms.quality import rollups

        rollups.rebuild(restart=True)
    result = training.train_from_tickets(actor=users_by_role.get("quality_manager"))
    for trained in result.results:
        if trained.model is None:
            logger.warning(
                "insight demo: %s not trained: %s", trained.purpose, trained.insufficient
            )
