"""Scorecards: monthly inputs per person, weighted scores, ranking in a unit, service stars.

Component scores (each 0-100; a component with no data is left out and the remaining weights
are scaled up to 100%):
- volume: handled tickets ÷ the weights' monthly volume target, capped at 100
- response: tickets first-responded within target ÷ tickets the person registered and responded
- sla: tickets resolved before their resolve-due ÷ tickets the person resolved
- error: 100 × (1 − tickets flagged as service error ÷ tickets resolved)
- fcr: resolved with no reassignment and no reopening ÷ resolved
- satisfaction: CSAT of the month's survey answers about the person's service (overall 4–5 ÷
  answers with an overall rating), from the surveys app
- inspection: the mean score (%) of the month's completed on-site and mystery-shopper
  inspections of the person, from the inspections app
- exam: the mean of the person's best percentage in each exam scored during the month
"""

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _

from sqms.core import audit
from sqms.core.choices import AuditAction
from sqms.core.errors import DomainError
from sqms.core.models import User
from sqms.core.scope import unit_in_scope
from sqms.servicedesk.models import Ticket
from sqms.staff.certifying import add_months
from sqms.staff.choices import AttemptStatus
from sqms.staff.models import COMPONENTS, Attempt, Scorecard, ScorecardWeights
from sqms.staff.models.base import ancestor_paths
from sqms.staff.records import require

TWO_PLACES = Decimal("0.01")


def month_bounds(period: date) -> tuple[datetime, datetime]:
    """The local month containing `period`, as aware datetimes [start, end)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first = period.replace(day=1)
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(add_months(first, 1), time.min, tzinfo=zone),
    )


def ticket_performance_inputs(person: Any, start: datetime, end: datetime) -> dict[str, int]:
    """The service-desk counts a scorecard reads for one person and period.

    Computed from the tickets directly until the indicators app's rollups can answer the same
    question per staff member; its callers need only this one function changed then."""
    resolved = Ticket.objects.filter(
        resolved_by=person.pk, resolved_at__gte=start, resolved_at__lt=end
    )
    counts = resolved.aggregate(
        handled=models.Count("pk"),
        within_sla=models.Count("pk", filter=models.Q(resolve_breached=False)),
        errors=models.Count("pk", filter=models.Q(service_error=True)),
        first_contact=models.Count("pk", filter=models.Q(reassignment_count=0, reopen_count=0)),
    )
    responded = Ticket.objects.filter(
        first_contact_owner=person.pk, responded_at__gte=start, responded_at__lt=end
    ).aggregate(
        responded=models.Count("pk"),
        responded_on_time=models.Count("pk", filter=models.Q(response_breached=False)),
    )
    return {**counts, **responded}


def exam_inputs(person: Any, start: datetime, end: datetime) -> dict[str, Any]:
    best = (
        Attempt.objects.filter(
            person=person.pk,
            submitted_at__gte=start,
            submitted_at__lt=end,
            status__in=[AttemptStatus.PASSED, AttemptStatus.FAILED],
        )
        .values("exam")
        .annotate(best=models.Max("percent"))
    )
    values = [float(row["best"]) for row in best]
    return {
        "exams": len(values),
        "exam_mean": round(sum(values) / len(values), 2) if values else None,
    }


def survey_and_inspection_inputs(person: Any, start: datetime, end: datetime) -> dict[str, Any]:
    """What customers and inspectors said of the person in the month (None: nothing said)."""
    values: dict[str, Any] = {"satisfaction": None, "inspection": None}
    if apps.is_installed("sqms.surveys"):
        from sqms.surveys.models import SurveyResponse

        answers = SurveyResponse.objects.filter(
            staff=person.pk, completed_at__gte=start, completed_at__lt=end, overall__isnull=False
        ).aggregate(
            answers=models.Count("pk"),
            satisfied=models.Count("pk", filter=models.Q(overall__gte=4)),
        )
        values["satisfaction"] = _rate(answers["satisfied"], answers["answers"])
    if apps.is_installed("sqms.inspections"):
        from sqms.inspections.choices import COMPLETED_STATUSES
        from sqms.inspections.models import Inspection

        mean = Inspection.objects.filter(
            inspected_staff=person.pk,
            performed_at__gte=start,
            performed_at__lt=end,
            status__in=list(COMPLETED_STATUSES),
            score__isnull=False,
        ).aggregate(mean=models.Avg("score"))["mean"]
        values["inspection"] = round(float(mean), 2) if mean is not None else None
    return values


def _rate(part: int, whole: int) -> float | None:
    return part * 100 / whole if whole else None


def component_scores(inputs: dict[str, Any], volume_target: int) -> dict[str, float | None]:
    handled = inputs.get("handled", 0)
    error_rate = _rate(inputs.get("errors", 0), handled)
    return {
        "volume": min(100.0, handled * 100 / volume_target),
        "response": _rate(inputs.get("responded_on_time", 0), inputs.get("responded", 0)),
        "sla": _rate(inputs.get("within_sla", 0), handled),
        "satisfaction": inputs.get("satisfaction"),
        "error": None if error_rate is None else 100 - error_rate,
        "fcr": _rate(inputs.get("first_contact", 0), handled),
        "inspection": inputs.get("inspection"),
        "exam": inputs.get("exam_mean"),
    }


def weighted_total(components: dict[str, float | None], weights: dict[str, int]) -> Decimal:
    """Σ weight × score ÷ Σ weight, over the components that have data."""
    used = {name: weights[name] for name in COMPONENTS if components.get(name) is not None}
    total_weight = sum(used.values())
    if not total_weight:
        return Decimal(0)
    total = sum((Decimal(str(components[name])) * w for name, w in used.items()), Decimal(0))
    return (total / total_weight).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def weights_for(unit: Any, position: str, period: date) -> ScorecardWeights | None:
    """The newest weights in force for a position in `unit` (its own, else the nearest unit
    above), by effective date then version."""
    paths = ancestor_paths(unit.path, type(unit).steplen)
    candidates = ScorecardWeights.objects.filter(
        org_unit__path__in=paths, position__in=[position, ""], effective_from__lte=period
    ).select_related("org_unit")
    best = None
    for weights in candidates:
        key = (
            weights.position == position,
            len(weights.org_unit.path),
            weights.effective_from,
            weights.version,
        )
        if best is None or key > best[0]:
            best = (key, weights)
    return best[1] if best else None


def next_weights_version(unit: Any, position: str) -> int:
    latest = ScorecardWeights.objects.filter(org_unit=unit, position=position).aggregate(
        v=models.Max("version")
    )["v"]
    return (latest or 0) + 1


def rank(totals: list[tuple[int, Decimal]]) -> dict[int, int]:
    """Competition ranking (1, 1, 3): equal totals share a rank."""
    ordered = sorted(totals, key=lambda row: -row[1])
    ranks: dict[int, int] = {}
    for index, (key, total) in enumerate(ordered):
        if index and total == ordered[index - 1][1]:
            ranks[key] = ranks[ordered[index - 1][0]]
        else:
            ranks[key] = index + 1
    return ranks


def compute_scorecards(unit: Any, period: date, *, actor: Any) -> list[Scorecard]:
    """(Re)compute the month's scorecards of the unit's members, rank them and pick the
    service stars (the top rank, when its total is above zero). Idempotent."""
    require(actor, "staff.add_scorecard")
    if not unit_in_scope(actor, unit):
        raise DomainError(_("This org unit is outside your scope."), field="org_unit")
    first = period.replace(day=1)
    start, end = month_bounds(first)
    cards: list[Scorecard] = []
    with transaction.atomic():
        members = User.objects.filter(org_unit=unit, is_active=True).order_by("username")
        existing = {c.person_id: c for c in Scorecard.objects.filter(org_unit=unit, period=first)}
        for person in members:
            weights = weights_for(unit, person.position, first)
            if weights is None:
                continue
            inputs: dict[str, Any] = {
                **ticket_performance_inputs(person, start, end),
                **exam_inputs(person, start, end),
                **survey_and_inspection_inputs(person, start, end),
            }
            components = component_scores(inputs, weights.volume_target)
            card = existing.pop(person.pk, None) or Scorecard(
                person=person, period=first, org_unit=unit, created_by=actor
            )
            card.weights = weights
            card.inputs = inputs
            card.components = {
                k: (round(v, 2) if v is not None else None) for k, v in components.items()
            }
            card.total = weighted_total(components, weights.weights())
            cards.append(card)
        ranks = rank([(c.person_id, c.total) for c in cards])
        for card in cards:
            card.rank_in_unit = ranks[card.person_id]
            card.is_service_star = card.rank_in_unit == 1 and card.total > 0
            card.save()
        for stale in existing.values():
            stale.delete()
        audit.record(
            AuditAction.UPDATE,
            unit,
            actor=actor,
            object_type="staff.scorecard",
            object_id=f"{unit.pk}:{first:%Y-%m}",
            object_repr=f"{unit} {first:%Y-%m}",
            after={
                "scorecards": len(cards),
                "stars": [c.person_id for c in cards if c.is_service_star],
            },
        )
    return cards


def check_weights_unused(weights: ScorecardWeights) -> None:
    """Weights that scored a month are history: change them by adding a new version."""
    from sqms.core.errors import ConflictError

    if Scorecard.objects.filter(weights=weights).exists():
        raise ConflictError(
            _("These weights have scored a month; add a new version instead of changing them."),
            code="in_use",
        )


def service_stars(user: Any, unit: Any, period: date) -> list[Scorecard]:
    """The month's service stars (服务之星) of `unit` and the units below it, as far as `user`
    may see them: what a unit dashboard lists (see templates/staff/_service_stars.html)."""
    return list(
        Scorecard.objects.in_scope_of(user)
        .filter(
            org_unit__path__startswith=unit.path,
            period=period.replace(day=1),
            is_service_star=True,
        )
        .select_related("person", "org_unit")
        .order_by("org_unit__path", "person__username")
    )
