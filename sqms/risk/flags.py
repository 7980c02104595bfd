"""The register's quality checks as SQL annotations, so the list can both show and filter them.

Each check is a boolean annotation named after its QualityFlag value; `annotate_flags` adds them
all for a given day and `flags_of` reads them back from a row.
"""

from datetime import date
from typing import Any

from django.db.models import BooleanField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet

from sqms.risk.choices import (
    OPEN_CONTROL_STATUSES,
    ControlStatus,
    QualityFlag,
    RiskStatus,
    Treatment,
)
from sqms.risk.models import RiskAcceptance, RiskControl


def _boolean(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def flag_conditions(today: date) -> dict[str, Q]:
    controls = RiskControl.objects.filter(risk=OuterRef("pk"))
    acceptances = RiskAcceptance.objects.filter(risk=OuterRef("pk"))
    is_open = Q(status=RiskStatus.OPEN)
    residual_higher = (
        Q(residual_rank__gt=F("current_rank"))
        | Q(residual_probability__gt=F("current_probability"))
        | Q(residual_impact__gt=F("current_impact"))
    )
    residual_lower = (
        Q(residual_rank__lt=F("current_rank"))
        | Q(residual_probability__lt=F("current_probability"))
        | Q(residual_impact__lt=F("current_impact"))
    )
    accepted = is_open & Q(treatment=Treatment.ACCEPT)
    return {
        QualityFlag.RESIDUAL_ABOVE_CURRENT: is_open & residual_higher,
        QualityFlag.RESIDUAL_LOWERED_WITHOUT_CONTROL: is_open
        & residual_lower
        & ~Q(Exists(controls.exclude(status=ControlStatus.CANCELLED))),
        QualityFlag.ACCEPTED_WITHOUT_RECORD: accepted & ~Q(Exists(acceptances)),
        QualityFlag.OVERDUE_CONTROL: is_open
        & Q(Exists(controls.filter(status__in=OPEN_CONTROL_STATUSES, due_date__lt=today))),
        QualityFlag.EXPIRED_ACCEPTANCE: accepted
        & Q(Exists(acceptances))
        & ~Q(Exists(acceptances.filter(expires_on__gte=today))),
        QualityFlag.REVIEW_OVERDUE: is_open & Q(review_due__lt=today),
    }


def annotate_flags(queryset: QuerySet, today: date) -> QuerySet:
    conditions = flag_conditions(today)
    return queryset.annotate(**{f"flag_{name}": _boolean(q) for name, q in conditions.items()})


def filter_flag(queryset: QuerySet, flag: str, today: date) -> QuerySet:
    """Risks that raise `flag` (an unknown flag keeps none)."""
    conditions = flag_conditions(today)
    if flag not in conditions:
        return queryset.none()
    return queryset.filter(conditions[QualityFlag(flag)])


def flags_of(risk: Any) -> list[QualityFlag]:
    """The flags an annotated risk raises, in the order of QualityFlag."""
    return [flag for flag in QualityFlag if getattr(risk, f"flag_{flag.value}", False)]
