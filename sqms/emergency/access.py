"""Permission- and scope-checked fetches: what views, the API and tasks read through."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from sqms.core.scope import sees_all_units, unit_scope_filter
from sqms.emergency.models import (
    CriticalService,
    Drill,
    DrillProgramme,
    EmergencyPlan,
    Incident,
    IncidentRole,
)
from sqms.emergency.services.common import ancestor_paths


def _check(user: Any, permission: str) -> None:
    if not user.is_authenticated or not user.has_perm(permission):
        raise PermissionDenied(_("You may not view this."))


def visible_incidents(user: Any) -> QuerySet[Incident]:
    """Incidents of the user's units, and those in which the user holds a role."""
    if not user.is_authenticated or not user.has_perm("emergency.view_incident"):
        return Incident.objects.none()
    if sees_all_units(user):
        return Incident.objects.all()
    holds_role = Exists(IncidentRole.objects.filter(incident=OuterRef("pk"), user=user.pk))
    return Incident.objects.filter(unit_scope_filter(user, "org_unit") | Q(holds_role))


def access_incident(user: Any, pk: Any) -> Incident:
    _check(user, "emergency.view_incident")
    try:
        return (
            visible_incidents(user)
            .select_related("org_unit", "plan_version__plan", "reported_by", "commander")
            .get(pk=pk)
        )
    except (Incident.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such incident.")) from missing


def applies_to_user(user: Any, field: str = "org_unit") -> Q:
    """Plans and services of the user's subtree, and those of the units above (they apply)."""
    scope = unit_scope_filter(user, field)
    if sees_all_units(user) or user.org_unit is None:
        return scope
    return scope | Q(**{f"{field}__path__in": ancestor_paths(user.org_unit)})


def visible_plans(user: Any) -> QuerySet[EmergencyPlan]:
    if not user.is_authenticated or not user.has_perm("emergency.view_emergencyplan"):
        return EmergencyPlan.objects.none()
    return EmergencyPlan.objects.filter(applies_to_user(user))


def access_plan(user: Any, pk: Any) -> EmergencyPlan:
    _check(user, "emergency.view_emergencyplan")
    try:
        return visible_plans(user).select_related("org_unit", "owner").get(pk=pk)
    except (EmergencyPlan.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such plan.")) from missing


def visible_services(user: Any) -> QuerySet[CriticalService]:
    if not user.is_authenticated or not user.has_perm("emergency.view_criticalservice"):
        return CriticalService.objects.none()
    return CriticalService.objects.filter(applies_to_user(user))


def access_service(user: Any, pk: Any) -> CriticalService:
    _check(user, "emergency.view_criticalservice")
    try:
        return visible_services(user).get(pk=pk)
    except (CriticalService.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such service.")) from missing


def visible_drills(user: Any) -> QuerySet[Drill]:
    if not user.is_authenticated or not user.has_perm("emergency.view_drill"):
        return Drill.objects.none()
    return Drill.objects.visible_to(user)


def access_drill(user: Any, pk: Any) -> Drill:
    _check(user, "emergency.view_drill")
    try:
        return visible_drills(user).select_related("plan", "incident", "org_unit").get(pk=pk)
    except (Drill.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such drill.")) from missing


def visible_programmes(user: Any) -> QuerySet[DrillProgramme]:
    if not user.is_authenticated or not user.has_perm("emergency.view_drillprogramme"):
        return DrillProgramme.objects.none()
    return DrillProgramme.objects.visible_to(user)


def access_programme(user: Any, pk: Any) -> DrillProgramme:
    _check(user, "emergency.view_drillprogramme")
    try:
        return visible_programmes(user).get(pk=pk)
    except (DrillProgramme.DoesNotExist, ValueError, TypeError) as missing:
        raise Http404(_("No such programme.")) from missing
