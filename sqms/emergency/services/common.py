"""Helpers every emergency service shares: permission checks, times, people, audit."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sqms.core.errors import DomainError
from sqms.core.models import OrgUnit, User

VIEW_INCIDENT = "emergency.view_incident"
ADD_INCIDENT = "emergency.add_incident"
CHANGE_INCIDENT = "emergency.change_incident"
ADD_PLAN = "emergency.add_emergencyplan"
CHANGE_PLAN = "emergency.change_emergencyplan"
APPROVE_PLAN = "emergency.approve_planversion"
CHANGE_SERVICE = "emergency.change_criticalservice"
ADD_SERVICE = "emergency.add_criticalservice"
ADD_DRILL = "emergency.add_drill"
CHANGE_DRILL = "emergency.change_drill"
ADD_PROGRAMME = "emergency.add_drillprogramme"
CHANGE_PROGRAMME = "emergency.change_drillprogramme"

DUTY_ROLE = "emergency_officer"


def require(actor: Any, *permissions: str) -> None:
    if not actor.is_authenticated or not actor.has_perms(permissions):
        raise PermissionDenied(_("You may not do this."))


def required_text(value: Any, field: str, message: str) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not text:
        raise DomainError(message, field=field)
    return text


def past_or_now(moment: datetime | None, field: str, now: datetime | None = None) -> datetime:
    """A time that may not lie in the future (the timeline records what has happened)."""
    now = now or timezone.now()
    if moment is None:
        return now
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > now:
        raise DomainError(_("This time lies in the future."), field=field)
    return moment


def ancestor_paths(unit: OrgUnit) -> list[str]:
    """The paths of `unit` and every unit above it."""
    step = OrgUnit.steplen
    return [unit.path[:end] for end in range(step, len(unit.path) + 1, step)]


def duty_officers(unit: OrgUnit) -> QuerySet[User]:
    """Emergency officers of the unit, of the units above it and of the units below it."""
    group = Group.objects.filter(name=DUTY_ROLE).first()
    if group is None:
        return User.objects.none()
    return User.objects.filter(
        Q(org_unit__path__in=ancestor_paths(unit)) | Q(org_unit__path__startswith=unit.path),
        groups=group,
        is_active=True,
    ).order_by("pk")


def people_with_role(unit: OrgUnit, role: str) -> QuerySet[User]:
    """Active users holding `role` nearest to `unit`: in its subtree or above it."""
    return User.objects.filter(
        Q(org_unit__path__in=ancestor_paths(unit)) | Q(org_unit__path__startswith=unit.path),
        groups__name=role,
        is_active=True,
    ).order_by("-org_unit__depth", "pk")


def user_label(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def ids(users: Iterable[Any]) -> list[int]:
    return [u.pk for u in users if u is not None]
