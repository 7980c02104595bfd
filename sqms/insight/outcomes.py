"""Recording what was suggested for each registered ticket and what the agent chose, and the
agreement of the two by week and model version.

The registration's CREATED timeline line (sqms.servicedesk.signals.ticket_events) records an
outcome: the active models' suggestion for the ticket's text at that moment, and the category
and priority the agent registered. Triage lines and ticket corrections move `final_category`;
`sync_final_categories` catches corrections that write no timeline line.
"""

import datetime
import logging
from collections import defaultdict
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from sqms.insight.choices import Purpose
from sqms.insight.models import SuggestionOutcome

logger = logging.getLogger(__name__)


def on_ticket_events(sender: Any, events: list[Any], **kwargs: Any) -> None:
    created = [e.ticket_id for e in events if e.event_type == "created"]
    triaged = [e.ticket_id for e in events if e.event_type == "transition" and "category" in e.data]
    if created:
        record_outcomes(created)
    if triaged:
        sync_final_categories(triaged)


def record_outcomes(ticket_ids: list[int]) -> int:
    """Store the suggestion outcome of newly registered tickets (once each)."""
    from sqms.insight.suggest import active_bundles
    from sqms.servicedesk.models import Ticket

    bundles = active_bundles()
    if not bundles:
        return 0
    from sqms.insight.features import ticket_text  # scikit-learn: only once there is a model

    done = set(
        SuggestionOutcome.objects.filter(ticket_id__in=ticket_ids).values_list(
            "ticket_id", flat=True
        )
    )
    tickets = Ticket.objects.filter(pk__in=set(ticket_ids) - done).select_related("category")
    outcomes = []
    for ticket in tickets:
        # The system's own view of the text, without scope: nothing is shown to anybody here.
        text = ticket_text(ticket.title, ticket.description)
        suggestion = _ranked(bundles, text)
        code = ticket.category.code if ticket.category is not None else ""
        outcomes.append(
            SuggestionOutcome(
                ticket=ticket,
                created_at=ticket.created_at,
                category_model=bundles[Purpose.CATEGORY][0]
                if Purpose.CATEGORY in bundles
                else None,
                priority_model=bundles[Purpose.PRIORITY][0]
                if Purpose.PRIORITY in bundles
                else None,
                suggested_category=suggestion["category"],
                suggested_confidence=suggestion["category_p"],
                suggested_top3=suggestion["top3"],
                chosen_category=code,
                final_category=code,
                suggested_priority=suggestion["priority"],
                priority_confidence=suggestion["priority_p"],
                chosen_priority=ticket.priority,
            )
        )
    SuggestionOutcome.objects.bulk_create(outcomes, ignore_conflicts=True)
    return len(outcomes)


def _ranked(bundles: dict[str, Any], text: str) -> dict[str, Any]:
    from sqms.insight.suggest import _ranked as ranked

    found: dict[str, Any] = {
        "category": "",
        "category_p": None,
        "top3": [],
        "priority": None,
        "priority_p": None,
    }
    if Purpose.CATEGORY in bundles:
        pipeline = bundles[Purpose.CATEGORY][1]["pipeline"]
        top = ranked(pipeline, pipeline.named_steps["features"].transform([text]))[:3]
        found["category"], found["category_p"] = top[0][0], round(top[0][1], 4)
        found["top3"] = [code for code, _ in top]
    if Purpose.PRIORITY in bundles:
        pipeline = bundles[Purpose.PRIORITY][1]["pipeline"]
        label, probability = ranked(pipeline, pipeline.named_steps["features"].transform([text]))[0]
        found["priority"], found["priority_p"] = int(label), round(probability, 4)
    return found


def sync_final_categories(ticket_ids: list[int] | None = None) -> int:
    """Set `final_category` from the tickets' current problem type."""
    from sqms.servicedesk.models import Ticket

    current = Ticket.objects.filter(pk=OuterRef("ticket_id")).values("category__code")[:1]
    outcomes = SuggestionOutcome.objects.all()
    if ticket_ids is not None:
        outcomes = outcomes.filter(ticket_id__in=ticket_ids)
    count = 0
    changed = outcomes.annotate(current=Subquery(current)).values_list(
        "pk", "final_category", "current"
    )
    updates = [(pk, code or "") for pk, final, code in changed if (code or "") != final]
    for pk, code in updates:
        count += SuggestionOutcome.objects.filter(pk=pk).update(final_category=code)
    return count


def agreement(outcomes: Any, *, weeks: int = 12) -> list[dict[str, Any]]:
    """Top-1 and top-3 agreement with the final category, by ISO week and model version
    (only outcomes with a suggestion and a final category count)."""
    since = timezone.now() - datetime.timedelta(weeks=weeks)
    rows = (
        outcomes.filter(created_at__gte=since)
        .exclude(suggested_category="")
        .exclude(final_category="")
        .values_list(
            "created_at",
            "category_model__version",
            "suggested_category",
            "suggested_top3",
            "final_category",
            "suggested_priority",
            "chosen_priority",
        )
    )
    groups: dict[tuple[str, int | None], dict[str, int]] = defaultdict(
        lambda: {"n": 0, "top1": 0, "top3": 0, "priority_n": 0, "priority": 0}
    )
    for created, version, top1, top3, final, suggested_priority, chosen_priority in rows:
        year, week, _ = timezone.localtime(created).isocalendar()
        group = groups[(f"{year}-W{week:02d}", version)]
        group["n"] += 1
        group["top1"] += top1 == final
        group["top3"] += final in (top3 or [])
        if suggested_priority is not None and chosen_priority is not None:
            group["priority_n"] += 1
            group["priority"] += suggested_priority == chosen_priority
    result = []
    for (week_label, version), group in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][1] or 0), reverse=True
    ):
        n = group["n"]
        result.append(
            {
                "week": week_label,
                "version": version,
                "n": n,
                "top1": round(group["top1"] / n, 4) if n else None,
                "top3": round(group["top3"] / n, 4) if n else None,
                "priority": round(group["priority"] / group["priority_n"], 4)
                if group["priority_n"]
                else None,
            }
        )
    return result
