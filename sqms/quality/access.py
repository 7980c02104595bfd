"""Permission- and scope-checked fetches of the quality app (404 outside the user's scope)."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from sqms.core.models import OrgUnit, User
from sqms.core.scope import sees_all_units, unit_scope_filter
from sqms.quality.models import Alert, EvaluationReport, Indicator, Target


def visible_alerts(user: Any) -> QuerySet[Alert]:
    return Alert.objects.visible_to(user)


def access_alert(user: Any, pk: Any) -> Alert:
    return get_object_or_404(
        visible_alerts(user).select_related("rule", "indicator", "org_unit", "owner", "category"),
        pk=pk,
    )


def visible_reports(user: Any) -> QuerySet[EvaluationReport]:
    return EvaluationReport.objects.visible_to(user)


def access_report(user: Any, pk: Any) -> EvaluationReport:
    return get_object_or_404(visible_reports(user).select_related("org_unit"), pk=pk)


def access_indicator(code: str) -> Indicator:
    return get_object_or_404(Indicator, code=code, is_active=True)


def visible_targets(user: Any) -> QuerySet[Target]:
    """Versions for units in the user's scope, and the organisation-wide defaults."""
    if sees_all_units(user):
        return Target.objects.all()
    if user.org_unit is None:
        return Target.objects.filter(org_unit__isnull=True)
    scoped = Target.objects.filter(unit_scope_filter(user, "org_unit"))
    # Defaults and the versions of the units above, which the user's unit inherits.
    path = user.org_unit.path
    step = OrgUnit.steplen
    above = [path[: step * i] for i in range(1, len(path) // step)]
    return (
        scoped
        | Target.objects.filter(org_unit__isnull=True)
        | Target.objects.filter(org_unit__path__in=above)
    )


def default_unit(user: Any) -> OrgUnit | None:
    """The unit a page starts with: the user's own; for those who see every unit the
    organisation's root when there is one (else None, every unit)."""
    if sees_all_units(user):
        roots = list(OrgUnit.objects.filter(depth=1)[:2])
        return roots[0] if len(roots) == 1 else None
    if user.org_unit is None:
        raise Http404
    return user.org_unit


def access_staff(user: Any, pk: Any) -> User:
    return get_object_or_404(User.objects.filter(unit_scope_filter(user, "org_unit")), pk=pk)
