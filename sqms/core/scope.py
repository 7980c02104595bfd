"""The one scoping rule: a user sees their own org unit's subtree, unless a role says more."""

from typing import Any

from django.db.models import Q

VIEW_ALL_UNITS = "core.view_all_units"
NOTHING = Q(pk__in=[])


def sees_all_units(user: Any) -> bool:
    return bool(user.is_superuser or user.has_perm(VIEW_ALL_UNITS))


def unit_scope_filter(user: Any, field: str | None) -> Q:
    """A Q that keeps rows whose org unit (reached through `field`, or the row itself when it
    is an OrgUnit and `field` is None) lies in the user's subtree."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if sees_all_units(user):
        return Q()
    unit = user.org_unit
    if unit is None:
        return NOTHING
    lookup = "path__startswith" if field is None else f"{field}__path__startswith"
    return Q(**{lookup: unit.path})


def unit_in_scope(user: Any, unit: Any) -> bool:
    """Whether `unit` (an OrgUnit or None) lies in the user's subtree."""
    if not user.is_authenticated or not user.is_active:
        return False
    if sees_all_units(user):
        return True
    own = user.org_unit
    return bool(own is not None and unit is not None and unit.path.startswith(own.path))
